/* obmalloc.c: configuration, state set-up and table growth of the pymalloc
 * model, and the size and address arithmetic of classes and pools.  The
 * allocator proper is in obmalloc_pool.c, obmalloc_arena.c,
 * obmalloc_usable.c, obmalloc_entry.c; its environment (the arena "mmap",
 * the radix tree's node counts) in obmalloc_env.c. */
#include "obmalloc_core.h"

#include <stdlib.h>
#include <string.h>

/* The configurations of Objects/obmalloc.c's macros (SIZEOF_VOID_P 8 or 4).
 * Proved (proofs/wp/run-wp.sh) to agree with the proof build's constants
 * PMC_* for PM_PROOF_BITS. */
/*@ requires \valid(cfg);
    assigns *cfg;
    behavior ok:
      assumes (bits == 64 || bits == 32) && misalign % 4096 == 0
              && misalign < (bits == 64 ? 16384 : 4096);
      ensures result: \result == 0;
      ensures fields: cfg->pointer_bits == bits
              && cfg->arena_misalign == misalign
              && cfg->nclasses == 512 / cfg->alignment;
      ensures proof_build: bits == PM_PROOF_BITS ==>
              cfg->alignment == ALIGN && cfg->nclasses == NCLS
              && cfg->pool_size == POOLSZ && cfg->arena_size == ARENASZ
              && cfg->pool_overhead == OVH && cfg->sys_base == SYSB
              && cfg->addr_limit == PMC_ADDR_LIMIT(0)
              && cfg->ssize_max == PMC_SSIZE_MAX(0);
    behavior bad:
      assumes !((bits == 64 || bits == 32) && misalign % 4096 == 0
                && misalign < (bits == 64 ? 16384 : 4096));
      ensures result: \result == -1;
    complete behaviors;
    disjoint behaviors;
*/
int pm_obm_config_init(pm_obm_config *cfg, unsigned bits, uint32_t misalign)
{
    *cfg = (pm_obm_config){0};
    if (bits == 64) {
        /* SIZEOF_VOID_P > 4: USE_LARGE_ARENAS, USE_LARGE_POOLS (radix tree) */
        cfg->alignment = 16;
        cfg->alignment_shift = 4;
        cfg->pool_size = 16384;
        cfg->arena_size = 1048576;
        cfg->pool_overhead = 48;   /* sizeof(struct pool_header): 4 pointers,
                                      4 uints */
        cfg->ssize_max = INT64_MAX;
        cfg->arena_base = 0x10000000u;
        cfg->sys_base = (uint64_t)1 << 47;
        cfg->addr_limit = (uint64_t)1 << 48;
    } else if (bits == 32) {
        cfg->alignment = 8;
        cfg->alignment_shift = 3;
        cfg->pool_size = 4096;
        cfg->arena_size = 262144;
        cfg->pool_overhead = 32;   /* 8 fields of 4 bytes, a multiple of 8 */
        cfg->ssize_max = INT32_MAX;
        cfg->arena_base = 0x10000000u;
        cfg->sys_base = (uint64_t)1 << 31;
        cfg->addr_limit = (uint64_t)1 << 32;
    } else {
        return -1;
    }
    if (misalign % 4096 != 0 || misalign >= cfg->pool_size)
        return -1;
    cfg->pointer_bits = bits;
    cfg->nclasses = PM_OBM_THRESHOLD / cfg->alignment;
    cfg->arena_misalign = misalign;
    return 0;
}

/* Set-up, tear-down and growth of the heap tables: executable build only
 * (the proof build's tables are fixed arrays). */
#ifndef PM_PROOF
static void free_tables(pm_obm *st)
{
    free(st->arenas);
    free(st->pools);
    free(st->unused);
    free(st->arena_next);
    free(st->arena_prev);
    free(st->arena_rank);
    free(st->pool_next);
    free(st->pool_prev);
    free(st->map_keys);
    free(st->sys);
}

int pm_obm_init(pm_obm *st, const pm_obm_config *cfg)
{
    memset(st, 0, sizeof *st);
    st->cfg = *cfg;
    st->unused_arena_objects = PM_OBM_NONE;
    st->usable_arenas = PM_OBM_NONE;
    for (int i = 0; i <= PM_OBM_MAX_POOLS; i++)
        st->nfp2lasta[i] = PM_OBM_NONE;
    for (int c = 0; c < PM_OBM_MAX_CLASSES; c++) {
        st->used_next[c] = PM_OBM_HDR(c);
        st->used_prev[c] = PM_OBM_HDR(c);
    }
    st->sys_next = cfg->sys_base;
    if (pm_obm_grow(st, PM_OBM_INITIAL_ARENAS) != 0) {
        free_tables(st);
        memset(st, 0, sizeof *st);
        return PM_OBM_ENOMEM;
    }
    return PM_OBM_OK;
}

void pm_obm_destroy(pm_obm *st)
{
    free_tables(st);
    memset(st, 0, sizeof *st);
}

void pm_obm_set_arena_source(pm_obm *st, pm_obm_arena_source src, void *ctx)
{
    st->arena_source = src;
    st->arena_source_ctx = ctx;
}

/* The physical tables grow; CPython's maxarenas is set by new_arena. */
int pm_obm_grow(pm_obm *st, int32_t n)
{
    if (n <= st->cap_arenas)
        return 0;
    if (n > (1 << 20))
        return -1;
    size_t na = (size_t)n, old = (size_t)st->cap_arenas;
    pm_obm_arena *ar = realloc(st->arenas, na * sizeof *ar);
    if (ar == NULL)
        return -1;
    st->arenas = ar;
    memset(ar + old, 0, (na - old) * sizeof *ar);
    int32_t **links[] = {&st->unused, &st->arena_next, &st->arena_prev,
                         &st->arena_rank};
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        int32_t *x = realloc(*links[i], na * sizeof *x);
        if (x == NULL)
            return -1;
        for (size_t j = old; j < na; j++)
            x[j] = PM_OBM_NONE;
        *links[i] = x;
    }
    int32_t **plinks[] = {&st->pool_next, &st->pool_prev};
    for (size_t i = 0; i < 2; i++) {
        int32_t *x = realloc(*plinks[i], na * PM_OBM_MAX_POOLS * sizeof *x);
        if (x == NULL)
            return -1;
        for (size_t j = old * PM_OBM_MAX_POOLS; j < na * PM_OBM_MAX_POOLS; j++)
            x[j] = PM_OBM_NONE;
        *plinks[i] = x;
    }
    /* pools: a fresh zeroed array (calloc leaves untouched pages unmapped)
     * and a copy of the pools carved so far */
    pm_obm_pool *pl = calloc(na * PM_OBM_MAX_POOLS, sizeof *pl);
    if (pl == NULL)
        return -1;
    for (size_t a = 0; a < old; a++) {
        if (st->arenas[a].address == 0)
            continue;
        size_t n0 = a * PM_OBM_MAX_POOLS;
        memcpy(pl + n0, st->pools + n0,
               (size_t)st->arenas[a].ncarved * sizeof *pl);
    }
    free(st->pools);
    st->pools = pl;
    st->cap_arenas = n;
    return 0;
}
#endif

/*@ requires 0 <= szidx < NCLS;
    assigns \nothing;
    ensures size: \result == csize(szidx);
*/
uint32_t pm_obm_class_size(const pm_obm *st, int32_t szidx)
{
    return (uint32_t)(szidx + 1) * (uint32_t)PMC_ALIGN(st);
}

/*@ requires 0 <= szidx < NCLS;
    assigns \nothing;
    ensures blocks: \result == nblk(szidx);
*/
int32_t pm_obm_numblocks(const pm_obm *st, int32_t szidx)
{
    return (int32_t)(((uint32_t)PMC_POOL(st) - (uint32_t)PMC_OVERHEAD(st))
                     / pm_obm_class_size(st, szidx));
}

/*@ requires 0 <= arena < CAP && arena_shape(pm_g.arenas[arena]);
    requires 0 <= pool <= NPOOLS;
    assigns \nothing;
    ensures addr: \result == pool_addr(pm_g.arenas[arena], pool);
*/
uint64_t pm_obm_pool_address(const pm_obm *st, int32_t arena, int32_t pool)
{
    return S.arenas[arena].first_pool + (uint64_t)pool * (uint64_t)PMC_POOL(st);
}
