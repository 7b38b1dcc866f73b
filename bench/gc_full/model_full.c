/* model_full.c: build the bench graph in the model, time `collect 2`. */
#define _POSIX_C_SOURCE 200809L
#include "lcg.h"
#include "pymemref.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int step(pm_model *m, const pm_trace *t, pm_op op)
{
    pm_diag d;
    if (pm_model_step(m, t, &op, &d) < 0) {
        fprintf(stderr, "model_full: step failed: %s\n", d.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int32_t n = argc > 1 ? atoi(argv[1]) : 1000000;
    uint64_t x = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    pm_trace t = { .file = "bench", .nnames = n };
    pm_model *m = pm_model_new(pm_profile_find("3.11"), NULL);
    if (!m || n <= 0)
        return 2;
    pm_op op = { .kind = PM_OP_CLASS, .decl = { .kind = PM_KIND_INSTANCE, .nslots = 2 } };
    if (step(m, &t, op) < 0 || step(m, &t, (pm_op){ .kind = PM_OP_DISABLE }) < 0)
        return 1;
    for (int32_t i = 0; i < n; i++)
        if (step(m, &t, (pm_op){ .kind = PM_OP_NEW, .name = i, .cls = 0 }) < 0)
            return 1;
    for (int32_t i = 0; i < n; i++)
        for (int32_t k = 0; k < 2; k++)
            if (lcg_next(&x) % 8 < 5) {
                /* each half refers only into itself; the upper half loses
                   all its names and is cyclic garbage */
                int32_t half = n / 2, j = i < half
                    ? (int32_t)(lcg_next(&x) % (uint32_t)half)
                    : half + (int32_t)(lcg_next(&x) % (uint32_t)(n - half));
                if (step(m, &t, (pm_op){ .kind = PM_OP_SET, .name = i, .slot = k, .value = j }) < 0)
                    return 1;
            }
    for (int32_t i = 0; i < n; i++)
        if ((lcg_next(&x) % 16 != 0 || i >= n / 2) && step(m, &t, (pm_op){ .kind = PM_OP_DEL, .name = i }) < 0)
            return 1;
    double t0 = now();
    if (step(m, &t, (pm_op){ .kind = PM_OP_COLLECT, .nargs = 1, .args = { 2 } }) < 0)
        return 1;
    double t1 = now();
    const pm_event *e = pm_model_event(m, pm_model_event_count(m) - 1);
    printf("%lld %.6f\n", (long long)e->result, t1 - t0);
    pm_model_free(m);
    return 0;
}
