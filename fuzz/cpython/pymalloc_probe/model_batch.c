/* model_batch.c: the model side of the pymalloc differential check.
 *
 * Reads, on standard input (or FILE), a starting snapshot in the form of
 * model/obmalloc_snap.c, then lines
 *     newarena SERIAL ADDRESS   the address CPython's mmap gave to the
 *                               SERIAL-th arena (an input: the model cannot
 *                               know where mmap puts an arena)
 *     op m ID SIZE | op f ID | op r ID SIZE
 * runs the operations on the model and prints one line per operation in the
 * probe's form (probe.c: describe), a "newarena SERIAL ADDRESS" line after
 * each operation that allocated an arena, then the final snapshot
 * (model_run.c).  With --seed S, the operations are the batch of seed S
 * (batch_gen.h) and the input holds no "op" lines.
 *
 * With -s, the input is a snapshot only and the output is what
 * sys._debugmallocstats() prints for it (model/obmalloc_stats.c).
 *
 * Usage: model_batch [-b BITS] [-s | --seed S] [FILE]
 * Bad input: "FILE:LINE: error: ..." on stderr, exit status 2. */
#include "model_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct feed { uint64_t *addr; size_t n, cap; } feed;

static uint64_t feed_source(void *ctx, uint64_t serial)
{
    feed *f = ctx;
    return serial < f->n ? f->addr[serial] : 0;
}

static int bad(const char *file, int line, const char *msg)
{
    fprintf(stderr, "%s:%d: error: %s\n", file, line, msg);
    return 2;
}

int main(int argc, char **argv)
{
    unsigned bits = 64;
    const char *file = "<stdin>";
    FILE *in = stdin;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-b") == 0) {
        bits = (unsigned)atoi(argv[i + 1]);
        i += 2;
    }
    int stats = 0, seeded = 0;
    unsigned long long seed = 0;
    if (i < argc && strcmp(argv[i], "-s") == 0) {
        stats = 1;
        i++;
    } else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0) {
        char *end;
        seed = strtoull(argv[i + 1], &end, 10);
        if (*argv[i + 1] == '\0' || *end != '\0') {
            fprintf(stderr, "model_batch: error: --seed needs a number\n");
            return 2;
        }
        seeded = 1;
        i += 2;
    }
    if (i < argc) {
        file = argv[i];
        in = fopen(file, "r");
        if (in == NULL) {
            fprintf(stderr, "%s: error: cannot open\n", file);
            return 2;
        }
    }
    pm_obm_config cfg;
    if (pm_obm_config_init(&cfg, bits, 0) != 0)
        return bad(file, 0, "bits must be 64 or 32");
    pm_obm st;
    if (pm_obm_init(&st, &cfg) != PM_OBM_OK)
        return bad(file, 0, "out of memory");
    char err[512];
    if (pm_obm_snapshot_read(&st, in, err, sizeof err) != 0) {
        int at = 0, skip = 0;
        if (sscanf(err, "line %d: %n", &at, &skip) == 1 && skip > 0)
            return bad(file, at, err + skip);
        return bad(file, 0, err);
    }
    if (stats) {
        pm_obm_debugmallocstats(&st, stdout);
        pm_obm_destroy(&st);
        return 0;
    }
    int lineno = pm_obm_snapshot_lines();
    feed fd = {0};
    pmd_op *ops = NULL;
    size_t nops = 0, capops = 0;
    int64_t maxid = -1;
    char line[256];
    while (fgets(line, sizeof line, in) != NULL) {
        lineno++;
        char k;
        long long id, size;
        unsigned long long serial, addr;
        if (sscanf(line, "newarena %llu %llx", &serial, &addr) == 2) {
            if (serial < fd.n)
                return bad(file, lineno, "newarena: serial out of order");
            size_t need = (size_t)serial + 1;
            if (need > fd.cap) {
                size_t nc = need * 2;
                uint64_t *a = realloc(fd.addr, nc * sizeof *a);
                if (a == NULL)
                    return bad(file, lineno, "out of memory");
                memset(a + fd.cap, 0, (nc - fd.cap) * sizeof *a);
                fd.addr = a;
                fd.cap = nc;
            }
            fd.addr[serial] = addr;
            fd.n = need;
            continue;
        }
        int nf = sscanf(line, "op %c %lld %lld", &k, &id, &size);
        if (nf < 2 || id < 0 || (k != 'f' && (nf != 3 || size < 0))
            || (k != 'm' && k != 'f' && k != 'r'))
            return bad(file, lineno, "expected 'op m|f|r ID [SIZE]'");
        if (seeded)
            return bad(file, lineno, "no 'op' lines with --seed");
        if (nops == capops) {
            capops = capops ? 2 * capops : 1024;
            pmd_op *o = realloc(ops, capops * sizeof *o);
            if (o == NULL)
                return bad(file, lineno, "out of memory");
            ops = o;
        }
        ops[nops++] = (pmd_op){k, id, nf == 3 ? (uint64_t)size : 0};
        if (id > maxid)
            maxid = id;
    }
    if (seeded) {
        ops = malloc(PMD_MAX_OPS * sizeof *ops);
        int64_t *scratch = malloc(PMD_MAX_OPS * sizeof *scratch);
        if (ops == NULL || scratch == NULL)
            return bad(file, 0, "out of memory");
        nops = pmd_gen_batch(seed, ops, scratch);
        free(scratch);
        for (size_t j = 0; j < nops; j++)
            if (ops[j].id > maxid)
                maxid = ops[j].id;
    }
    /* arenas with no recorded address get the model's default address */
    for (size_t j = 0; j < fd.n; j++)
        if (fd.addr[j] == 0)
            fd.addr[j] = cfg.arena_base + j * cfg.arena_size;
    pm_obm_set_arena_source(&st, feed_source, &fd);
    uint64_t *addr = calloc((size_t)maxid + 1, sizeof *addr);
    if (addr == NULL && maxid >= 0)
        return bad(file, 0, "out of memory");
    pmd_model_ops(&st, ops, nops, addr, stdout);
    if (!pm_pymalloc_is_valid(&st, err, sizeof err)) {
        fprintf(stderr, "%s: error: final state not valid: %s\n", file, err);
        return 1;
    }
    pm_obm_snapshot_write(&st, stdout);
    free(addr);
    free(ops);
    free(fd.addr);
    pm_obm_destroy(&st);
    return 0;
}
