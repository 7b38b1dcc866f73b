/* obmalloc_stats.c: the pymalloc part of sys._debugmallocstats() for a
 * model state, in the layout of _PyObject_DebugMallocStats and printone
 * (Objects/obmalloc.c, 3.11): the per-class table, the arena counters, the
 * byte accounting and the radix-tree ("arena map") counts. */
#include "obmalloc.h"

#include <string.h>

/* printone: MSG padded to 35 columns, '=', then VALUE with thousands
 * separators right-aligned in 21 columns. */
static uint64_t printone(FILE *out, const char *msg, uint64_t value)
{
    char digits[40];
    int n = 0, group = 0;
    uint64_t v = value;
    do {
        if (group == 3) {
            digits[n++] = ',';
            group = 0;
        }
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
        group++;
    } while (v != 0);
    fputs(msg, out);
    for (size_t i = strlen(msg); i < 35; i++)
        fputc(' ', out);
    fputc('=', out);
    for (int i = n; i < 21; i++)
        fputc(' ', out);
    while (n > 0)
        fputc(digits[--n], out);
    fputc('\n', out);
    return value;
}

void pm_obm_debugmallocstats(const pm_obm *st, FILE *out)
{
    uint64_t numpools[PM_OBM_MAX_CLASSES] = {0};
    uint64_t numblocks[PM_OBM_MAX_CLASSES] = {0};
    uint64_t numfree[PM_OBM_MAX_CLASSES] = {0};
    uint64_t narenas = 0, numfreepools = 0, arena_alignment = 0;
    uint64_t pool_size = st->cfg.pool_size, arena_size = st->cfg.arena_size;
    uint32_t nclasses = st->cfg.nclasses;
    char buf[128];

    fprintf(out, "Small block threshold = %d, in %u size classes.\n",
            PM_OBM_THRESHOLD, nclasses);
    for (int32_t a = 0; a < st->maxarenas; a++) {
        const pm_obm_arena *ao = &st->arenas[a];
        if (ao->address == 0)
            continue;
        narenas++;
        numfreepools += (uint64_t)ao->nfreepools;
        if (ao->address % pool_size != 0)
            arena_alignment += pool_size;
        for (int32_t k = 0; k < ao->ncarved; k++) {
            const pm_obm_pool *pl = &st->pools[a * PM_OBM_MAX_POOLS + k];
            if (pl->count == 0)
                continue;
            numpools[pl->szidx]++;
            numblocks[pl->szidx] += (uint64_t)pl->count;
            numfree[pl->szidx] += (uint64_t)(pl->nblocks - pl->count);
        }
    }
    fputc('\n', out);
    fputs("class   size   num pools   blocks in use  avail blocks\n"
          "-----   ----   ---------   -------------  ------------\n", out);
    uint64_t allocated = 0, available = 0, headers = 0, quantization = 0;
    for (uint32_t c = 0; c < nclasses; c++) {
        if (numpools[c] == 0)
            continue;
        uint64_t size = (uint64_t)(c + 1) * st->cfg.alignment;
        fprintf(out, "%5u %6u %11llu %15llu %13llu\n", c, (unsigned)size,
                (unsigned long long)numpools[c],
                (unsigned long long)numblocks[c],
                (unsigned long long)numfree[c]);
        allocated += numblocks[c] * size;
        available += numfree[c] * size;
        headers += numpools[c] * st->cfg.pool_overhead;
        quantization += numpools[c]
                        * ((pool_size - st->cfg.pool_overhead) % size);
    }
    fputc('\n', out);
    printone(out, "# arenas allocated total", st->ntimes_arena_allocated);
    printone(out, "# arenas reclaimed", st->ntimes_arena_allocated - narenas);
    printone(out, "# arenas highwater mark", st->narenas_highwater);
    printone(out, "# arenas allocated current", narenas);
    snprintf(buf, sizeof buf, "%llu arenas * %llu bytes/arena",
             (unsigned long long)narenas, (unsigned long long)arena_size);
    printone(out, buf, narenas * arena_size);
    fputc('\n', out);
    uint64_t total = printone(out, "# bytes in allocated blocks", allocated);
    total += printone(out, "# bytes in available blocks", available);
    snprintf(buf, sizeof buf, "%llu unused pools * %llu bytes",
             (unsigned long long)numfreepools, (unsigned long long)pool_size);
    total += printone(out, buf, numfreepools * pool_size);
    total += printone(out, "# bytes lost to pool headers", headers);
    total += printone(out, "# bytes lost to quantization", quantization);
    total += printone(out, "# bytes lost to arena alignment", arena_alignment);
    printone(out, "Total", total);

    /* WITH_PYMALLOC_RADIX_TREE: 64-bit builds have interior nodes
     * (USE_INTERIOR_NODES), 32-bit builds only the bottom level as root */
    fputs("\narena map counts\n", out);
    if (st->cfg.pointer_bits == 64) {
        uint64_t node = (uint64_t)8 << 15;       /* 2^15 pointers        */
        uint64_t bot = (uint64_t)8 << 14;        /* 2^14 int32 pairs     */
        printone(out, "# arena map mid nodes", (uint64_t)st->map_mid_count);
        printone(out, "# arena map bot nodes", (uint64_t)st->map_bot_count);
        fputc('\n', out);
        uint64_t t = printone(out, "# bytes lost to arena map root", node);
        t += printone(out, "# bytes lost to arena map mid",
                      node * (uint64_t)st->map_mid_count);
        t += printone(out, "# bytes lost to arena map bot",
                      bot * (uint64_t)st->map_bot_count);
        printone(out, "Total", t);
    } else {
        printone(out, "# bytes lost to arena map root", (uint64_t)8 << 14);
    }
}
