/* obmalloc_valid.c: pm_pymalloc_is_valid, the run-time form of the
 * invariants of spec/obmalloc.md (section "Invariants").  It walks every
 * list from its head, so it also checks what the proofs state only locally
 * (e.g. that usedpools[c] reaches every partially used pool of class c). */
#include "obmalloc.h"

#include <stdarg.h>
#include <stdlib.h>

#ifdef __CPROVER__
/* Under CBMC (proofs/bmc) the predicate keeps its verdict but not its
 * message: formatting through a variadic call at each of the ~50 failure
 * sites, inside the loops over classes, arenas and pools, multiplies the
 * symbolic execution (spec/bounds.md, obm_seq).  WHY is left untouched. */
#define FAIL(...) return 0
#else
static int fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
    if (why != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return 0;
}

#define FAIL(...) return fail(why, len, __VA_ARGS__)
#endif

static int check_pool(const pm_obm *st, int32_t a, int32_t k, char *why,
                      size_t len)
{
    const pm_obm_pool *pl = &st->pools[a * PM_OBM_MAX_POOLS + k];
    int32_t c = pl->szidx;
    if (c < 0 || c >= PMC_NCLASSES(st))
        FAIL("pool %d:%d: size class %d", a, k, c);
    int32_t size = PMC_SIZE(st, c);
    if (pl->nblocks != (PMC_POOL(st) - PMC_OVERHEAD(st)) / size)
        FAIL("pool %d:%d: nblocks %d", a, k, pl->nblocks);
    if (pl->maxnextoffset != PMC_POOL(st) - size)
        FAIL("pool %d:%d: maxnextoffset %d", a, k, pl->maxnextoffset);
    if (pl->ncarved < 2 || pl->ncarved > pl->nblocks)
        FAIL("pool %d:%d: %d blocks carved of %d", a, k, pl->ncarved,
             pl->nblocks);
    if (pl->nextoffset != PMC_OVERHEAD(st) + pl->ncarved * size)
        FAIL("pool %d:%d: nextoffset %d for %d carved blocks", a, k,
             pl->nextoffset, pl->ncarved);
    int32_t nused = 0, nfree = 0;
    for (int32_t b = 0; b < pl->ncarved; b++) {
        if (pl->bstate[b] == PM_OBM_B_USED)
            nused++;
        else if (pl->bstate[b] == PM_OBM_B_FREE)
            nfree++;
        else
            FAIL("pool %d:%d: block %d in state %d", a, k, b, pl->bstate[b]);
    }
    if (nused != pl->count)
        FAIL("pool %d:%d: count %d but %d blocks in use", a, k, pl->count,
             nused);
    if (nfree != pl->nfree)
        FAIL("pool %d:%d: nfree %d but %d free blocks", a, k, pl->nfree,
             nfree);
    /* the free list, from its head: the stack read top down */
    int32_t b = pl->freeblock;
    for (int32_t i = pl->nfree - 1; i >= 0; i--) {
        if (b < 0 || b >= pl->ncarved)
            FAIL("pool %d:%d: free list leaves the pool (%d)", a, k, b);
        if (pl->bstate[b] != PM_OBM_B_FREE)
            FAIL("pool %d:%d: block %d on the free list is not free", a, k, b);
        if (pl->stack[i] != b || pl->pos[b] != i)
            FAIL("pool %d:%d: free list and its stack differ at %d", a, k, i);
        b = pl->next[b];
    }
    if (b != PM_OBM_NONE)
        FAIL("pool %d:%d: free list longer than %d (cycle?)", a, k, pl->nfree);
    for (int32_t i = 0; i < pl->count; i++) {
        int32_t u = pl->ustack[i];
        if (u < 0 || u >= pl->ncarved || pl->bstate[u] != PM_OBM_B_USED
            || pl->upos[u] != i)
            FAIL("pool %d:%d: used set wrong at %d", a, k, i);
    }
    if ((pl->freeblock == PM_OBM_NONE) != (pl->ncarved == pl->nblocks
                                           && pl->count == pl->nblocks))
        FAIL("pool %d:%d: empty free list but not full", a, k);
    return 1;
}

static int check_arena(const pm_obm *st, int32_t a, char *why, size_t len)
{
    const pm_obm_arena *ao = &st->arenas[a];
    /* the range first, written without a sum that could wrap around: the
     * sums below then stay under SYS_BASE */
    if (ao->address > PMC_SYS_BASE(st) - (uint64_t)PMC_ARENA(st))
        FAIL("arena %d: address %#llx out of range", a,
             (unsigned long long)ao->address);
    uint64_t excess = ao->address % (uint64_t)PMC_POOL(st);
    uint64_t first = excess ? ao->address + (uint64_t)PMC_POOL(st) - excess
                            : ao->address;
    if (ao->first_pool != first)
        FAIL("arena %d: first pool at %#llx", a,
             (unsigned long long)ao->first_pool);
    if (ao->ntotalpools != PM_OBM_MAX_POOLS - (excess != 0))
        FAIL("arena %d: ntotalpools %d", a, ao->ntotalpools);
    if (ao->ncarved < 0 || ao->ncarved > ao->ntotalpools)
        FAIL("arena %d: %d pools carved", a, ao->ncarved);
    if (ao->nfpcached < 0 || ao->nfpcached > ao->ncarved)
        FAIL("arena %d: %d cached pools", a, ao->nfpcached);
    if (ao->nfreepools != ao->nfpcached + ao->ntotalpools - ao->ncarved)
        FAIL("arena %d: nfreepools %d", a, ao->nfreepools);
    if ((st->arena_rank[a] >= 0) != (ao->nfreepools > 0))
        FAIL("arena %d: in usable_arenas iff it has a free pool", a);
    int32_t empty = 0;
    for (int32_t k = 0; k < ao->ncarved; k++) {
        if (!check_pool(st, a, k, why, len))
            return 0;
        empty += st->pools[a * PM_OBM_MAX_POOLS + k].count == 0;
    }
    if (empty != ao->nfpcached)
        FAIL("arena %d: %d empty pools, %d cached", a, empty, ao->nfpcached);
    int32_t p = ao->freepools;
    for (int32_t i = ao->nfpcached - 1; i >= 0; i--) {
        if (p < a * PM_OBM_MAX_POOLS || p >= a * PM_OBM_MAX_POOLS + ao->ncarved)
            FAIL("arena %d: freepools leaves the arena (%d)", a, p);
        if (st->pools[p].count != 0)
            FAIL("arena %d: pool %d on freepools is in use", a, p);
        if (ao->fpstack[i] != p || st->pools[p].fpos != i)
            FAIL("arena %d: freepools and its stack differ at %d", a, i);
        p = st->pool_next[p];
    }
    if (p != PM_OBM_NONE)
        FAIL("arena %d: freepools longer than %d", a, ao->nfpcached);
    for (int32_t j = 0; j < a; j++) {
        uint64_t b = st->arenas[j].address;
        if (b != 0 && ao->address < b + (uint64_t)PMC_ARENA(st)
            && b < ao->address + (uint64_t)PMC_ARENA(st))
            FAIL("arenas %d and %d overlap", j, a);
    }
    return 1;
}

static int check_lists(const pm_obm *st, char *why, size_t len)
{
    int32_t n = st->maxarenas, nalloc = 0, nfree_objs = 0, nusable = 0;
    for (int32_t a = 0; a < n; a++) {
        if (st->arenas[a].address == 0) {
            nfree_objs++;
            if (st->arena_rank[a] != PM_OBM_NONE)
                FAIL("arena object %d: unused but ranked", a);
        } else {
            nalloc++;
            nusable += st->arenas[a].nfreepools > 0;
        }
    }
    if ((uint64_t)nalloc != st->narenas_currently_allocated)
        FAIL("narenas_currently_allocated %llu, %d arenas",
             (unsigned long long)st->narenas_currently_allocated, nalloc);
    if (st->narenas_highwater < st->narenas_currently_allocated
        || st->ntimes_arena_allocated < st->narenas_highwater)
        FAIL("arena counters out of order");
    /* unused_arena_objects */
    if (st->nunused != nfree_objs)
        FAIL("%d unused arena objects listed of %d", st->nunused, nfree_objs);
    int32_t a = st->unused_arena_objects;
    for (int32_t i = st->nunused - 1; i >= 0; i--) {
        if (a < 0 || a >= n || st->arenas[a].address != 0)
            FAIL("unused_arena_objects holds %d", a);
        if (st->unused[i] != a || st->arenas[a].unpos != i)
            FAIL("unused_arena_objects and its stack differ at %d", i);
        a = st->arena_next[a];
    }
    if (a != PM_OBM_NONE)
        FAIL("unused_arena_objects longer than %d", st->nunused);
    /* usable_arenas: ranks 0.. in order, sorted by nfreepools */
    if (st->nusable != nusable)
        FAIL("nusable %d, %d arenas with free pools", st->nusable, nusable);
    int32_t prev = PM_OBM_NONE;
    a = st->usable_arenas;
    for (int32_t r = 0; r < nusable; r++) {
        if (a < 0 || a >= n || st->arenas[a].address == 0
            || st->arenas[a].nfreepools == 0)
            FAIL("usable_arenas holds %d at %d", a, r);
        if (st->arena_rank[a] != r || st->arena_prev[a] != prev)
            FAIL("usable_arenas: arena %d at %d badly linked", a, r);
        if (prev != PM_OBM_NONE
            && st->arenas[prev].nfreepools > st->arenas[a].nfreepools)
            FAIL("usable_arenas not sorted at %d", r);
        int32_t nx = st->arena_next[a];
        int32_t nf = st->arenas[a].nfreepools;
        int32_t last = nx == PM_OBM_NONE || st->arenas[nx].nfreepools != nf;
        if ((st->nfp2lasta[nf] == a) != last)
            FAIL("nfp2lasta[%d] is %d, arena %d at %d", nf, st->nfp2lasta[nf],
                 a, r);
        prev = a;
        a = nx;
    }
    if (a != PM_OBM_NONE)
        FAIL("usable_arenas longer than %d", nusable);
    for (int32_t k = 0; k <= PM_OBM_MAX_POOLS; k++) {
        int32_t l = st->nfp2lasta[k];
        if (l != PM_OBM_NONE && (l < 0 || l >= n || st->arena_rank[l] < 0
                                 || st->arenas[l].nfreepools != k))
            FAIL("nfp2lasta[%d] = %d", k, l);
    }
    /* usedpools: each list walked from its header */
    for (int32_t c = 0; c < PM_OBM_MAX_CLASSES; c++) {
        int32_t hdr = PM_OBM_HDR(c), count = 0, p = st->used_next[c];
        int32_t pv = hdr;
        while (p != hdr) {
            if (p < 0 || p / PM_OBM_MAX_POOLS >= n || c >= PMC_NCLASSES(st))
                FAIL("usedpools[%d] holds %d", c, p);
            const pm_obm_pool *pl = &st->pools[p];
            int32_t pa = p / PM_OBM_MAX_POOLS, pk = p % PM_OBM_MAX_POOLS;
            if (st->arenas[pa].address == 0 || pk >= st->arenas[pa].ncarved)
                FAIL("usedpools[%d] holds pool %d outside any arena", c, p);
            if (pl->szidx != c || pl->count == 0 || pl->freeblock < 0)
                FAIL("usedpools[%d] holds pool %d:%d that is not partly used",
                     c, pa, pk);
            if (st->pool_prev[p] != pv)
                FAIL("usedpools[%d]: pool %d badly linked", c, p);
            if (++count > n * PM_OBM_MAX_POOLS)
                FAIL("usedpools[%d] is not a cycle", c);
            pv = p;
            p = st->pool_next[p];
        }
        if (st->used_prev[c] != pv)
            FAIL("usedpools[%d]: last pool badly linked", c);
        int32_t partly = 0;
        for (int32_t x = 0; x < n && c < PMC_NCLASSES(st); x++) {
            if (st->arenas[x].address == 0)
                continue;
            for (int32_t k = 0; k < st->arenas[x].ncarved; k++) {
                const pm_obm_pool *pl = &st->pools[x * PM_OBM_MAX_POOLS + k];
                partly += pl->szidx == c && pl->count > 0 && pl->freeblock >= 0;
            }
        }
        if (partly != count)
            FAIL("usedpools[%d] holds %d pools of %d partly used", c, count,
                 partly);
    }
    return 1;
}

int pm_pymalloc_is_valid(const pm_obm *st, char *why, size_t len)
{
    if (st->maxarenas < 0 || st->maxarenas > st->cap_arenas
        || (st->maxarenas != 0 && st->maxarenas % PM_OBM_INITIAL_ARENAS != 0))
        FAIL("maxarenas %d (capacity %d)", st->maxarenas, st->cap_arenas);
    for (int32_t a = 0; a < st->maxarenas; a++)
        if (st->arenas[a].address != 0 && !check_arena(st, a, why, len))
            return 0;
    if (!check_lists(st, why, len))
        return 0;
    int64_t live = 0;
    for (int64_t i = 0; i < st->nsys; i++) {
        live += st->sys[i].live != 0;
        if (i > 0 && st->sys[i - 1].addr >= st->sys[i].addr)
            FAIL("system blocks out of order at %lld", (long long)i);
    }
    if (live != st->nsys_live)
        FAIL("%lld live system blocks, %lld counted", (long long)live,
             (long long)st->nsys_live);
    return 1;
}
