/* bench_model.c: N malloc/free pairs on the pymalloc model, in the pattern
 * of the probe's bench() (fuzz/cpython/pymalloc_probe/probe.c): sizes cycle
 * through 1..512 in steps of 16 and LIVE blocks stay allocated in a ring.
 * Usage: bench_model N LIVE.  Prints the elapsed nanoseconds. */
#include "obmalloc.h"

#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_model N LIVE\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    long live = atol(argv[2]);
    if (n < 1 || live < 1 || live > (1L << 20)) {
        fprintf(stderr, "bench_model: error: bad N or LIVE\n");
        return 2;
    }
    pm_obm_config cfg;
    pm_obm st;
    pm_obm_config_init(&cfg, 64, 4096);
    if (pm_obm_init(&st, &cfg) != PM_OBM_OK)
        return 1;
    uint64_t *ring = calloc((size_t)live, sizeof *ring);
    if (ring == NULL)
        return 1;
    pm_obm_block out;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < n; i++) {
        size_t slot = (size_t)(i % live);
        if (pm_pymalloc_free(&st, ring[slot], &out) != PM_OBM_OK
            || pm_pymalloc_alloc(&st, (uint64_t)(1 + (i * 16) % 512), &out)
               != PM_OBM_OK) {
            fprintf(stderr, "bench_model: error: model call failed\n");
            return 1;
        }
        ring[slot] = out.addr;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    char why[256];
    if (!pm_pymalloc_is_valid(&st, why, sizeof why)) {
        fprintf(stderr, "bench_model: error: invalid state: %s\n", why);
        return 1;
    }
    printf("%lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL
                     + (t1.tv_nsec - t0.tv_nsec));
    free(ring);
    pm_obm_destroy(&st);
    return 0;
}
