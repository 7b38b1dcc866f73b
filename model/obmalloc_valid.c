/* obmalloc_valid.c: pm_pymalloc_is_valid, the run-time form of the
 * invariants of spec/obmalloc.md (section "Invariants").  It walks every
 * list from its head, so it also checks what the proofs state only locally
 * (e.g. that usedpools[c] reaches every partially used pool of class c). */
#include "obmalloc_core.h"

/* Proof build (-DPM_PROOF): the state is pm_g (S) and the configuration the
 * PMC_* constants, as in obmalloc_stats.c.  The contracts say that the
 * checker is memory safe and free of overflow on ANY state, however
 * corrupt: a run-time check must not itself crash on what it is meant to
 * catch.  They assume only what the caller owns and the state does not
 * describe: the WHY buffer, the system allocator's table behind S.sys, and
 * that the arena tables hold cap_arenas arenas. */

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

/*@ requires why: why == \null || \valid(why + (0 .. len - 1));
    assigns why[0 .. len - 1];
    ensures zero: \result == 0;
*/
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

/* The shape of pool K of arena A (a pool_header of Objects/obmalloc.c and
 * its free list, from pymalloc_alloc and pymalloc_free's point of view).
 * Each index is checked against a bound before it is used: the block
 * indices against ncarved, which is checked against nblocks, which is
 * checked to be NUMBLOCKS(szidx) <= PM_OBM_MAX_BLOCKS. */
/*@ requires arena: 0 <= a < CAP;
    requires pool: 0 <= k < NPOOLS;
    requires why: why == \null || \valid(why + (0 .. len - 1));
    requires sep: \separated(why + (0 .. len - 1), &pm_g);
    assigns why[0 .. len - 1];
    ensures result: \result == 0 || \result == 1;
*/
static int check_pool(const pm_obm *st, int32_t a, int32_t k, char *why,
                      size_t len)
{
    const pm_obm_pool *pl = &S.pools[a * PM_OBM_MAX_POOLS + k];
    int32_t c = pl->szidx;
    if (c < 0 || c >= PMC_NCLASSES(st))
        FAIL("pool %d:%d: size class %d", a, k, c);
    int32_t size = PMC_SIZE(st, c);
    if (pl->nblocks != (PMC_POOL(st) - PMC_OVERHEAD(st)) / size)
        FAIL("pool %d:%d: nblocks %d", a, k, pl->nblocks);
    //@ assert nblocks: pl->nblocks == nblk(c) && pl->nblocks <= MAXB;
    if (pl->maxnextoffset != PMC_POOL(st) - size)
        FAIL("pool %d:%d: maxnextoffset %d", a, k, pl->maxnextoffset);
    if (pl->ncarved < 2 || pl->ncarved > pl->nblocks)
        FAIL("pool %d:%d: %d blocks carved of %d", a, k, pl->ncarved,
             pl->nblocks);
    if (pl->nextoffset != PMC_OVERHEAD(st) + pl->ncarved * size)
        FAIL("pool %d:%d: nextoffset %d for %d carved blocks", a, k,
             pl->nextoffset, pl->ncarved);
    int32_t nused = 0, nfree = 0;
    /*@ loop invariant b: 0 <= b <= pl->ncarved;
        loop invariant n: 0 <= nused && 0 <= nfree && nused + nfree == b;
        loop assigns b, nused, nfree;
    */
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
    /*@ loop invariant i: -1 <= i < pl->nfree;
        loop assigns i, b;
    */
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
    /*@ loop invariant i: 0 <= i <= pl->count;
        loop assigns i;
    */
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

/* Arena A (an arena_object of Objects/obmalloc.c: new_arena's rounding of
 * the first pool, the freepools list) and its pools.  The arenas before it
 * have passed this check (pm_pymalloc_is_valid's loop), so their ends do not
 * wrap around in the overlap test.  On success the counts that check_lists
 * uses as indices are in range. */
/*@ requires arena: 0 <= a < CAP;
    requires before: \forall integer j; 0 <= j < a ==>
               pm_g.arenas[j].address <= SYSB - ARENASZ;
    requires why: why == \null || \valid(why + (0 .. len - 1));
    requires sep: \separated(why + (0 .. len - 1), &pm_g);
    assigns why[0 .. len - 1];
    ensures result: \result == 0 || \result == 1;
    ensures shape: \result == 1 ==>
               pm_g.arenas[a].address <= SYSB - ARENASZ
               && 0 <= pm_g.arenas[a].ncarved <= NPOOLS
               && 0 <= pm_g.arenas[a].nfreepools <= NPOOLS;
*/
static int check_arena(const pm_obm *st, int32_t a, char *why, size_t len)
{
    const pm_obm_arena *ao = &S.arenas[a];
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
    if ((S.arena_rank[a] >= 0) != (ao->nfreepools > 0))
        FAIL("arena %d: in usable_arenas iff it has a free pool", a);
    int32_t empty = 0;
    /*@ loop invariant k: 0 <= k <= ao->ncarved;
        loop invariant empty: 0 <= empty <= k;
        loop assigns k, empty, why[0 .. len - 1];
    */
    for (int32_t k = 0; k < ao->ncarved; k++) {
        if (!check_pool(st, a, k, why, len))
            return 0;
        empty += S.pools[a * PM_OBM_MAX_POOLS + k].count == 0;
    }
    if (empty != ao->nfpcached)
        FAIL("arena %d: %d empty pools, %d cached", a, empty, ao->nfpcached);
    int32_t p = ao->freepools;
    /*@ loop invariant i: -1 <= i < ao->nfpcached;
        loop assigns i, p;
    */
    for (int32_t i = ao->nfpcached - 1; i >= 0; i--) {
        if (p < a * PM_OBM_MAX_POOLS || p >= a * PM_OBM_MAX_POOLS + ao->ncarved)
            FAIL("arena %d: freepools leaves the arena (%d)", a, p);
        if (S.pools[p].count != 0)
            FAIL("arena %d: pool %d on freepools is in use", a, p);
        if (ao->fpstack[i] != p || S.pools[p].fpos != i)
            FAIL("arena %d: freepools and its stack differ at %d", a, i);
        p = S.pool_next[p];
    }
    if (p != PM_OBM_NONE)
        FAIL("arena %d: freepools longer than %d", a, ao->nfpcached);
    /*@ loop invariant j: 0 <= j <= a;
        loop assigns j;
    */
    for (int32_t j = 0; j < a; j++) {
        uint64_t b = S.arenas[j].address;
        if (b != 0 && ao->address < b + (uint64_t)PMC_ARENA(st)
            && b < ao->address + (uint64_t)PMC_ARENA(st))
            FAIL("arenas %d and %d overlap", j, a);
    }
    return 1;
}

/* The lists across arenas: unused_arena_objects, usable_arenas (sorted by
 * nfreepools, with nfp2lasta, as in Objects/obmalloc.c's pymalloc_free) and
 * usedpools, each walked from its head.  Every allocated arena has passed
 * check_arena, hence the bounds of `arenas`. */
/*@ requires n: 0 <= pm_g.maxarenas <= CAP;
    requires arenas: \forall integer j; 0 <= j < pm_g.maxarenas ==>
               pm_g.arenas[j].address != 0 ==>
                 0 <= pm_g.arenas[j].ncarved <= NPOOLS
                 && 0 <= pm_g.arenas[j].nfreepools <= NPOOLS;
    requires why: why == \null || \valid(why + (0 .. len - 1));
    requires sep: \separated(why + (0 .. len - 1), &pm_g);
    assigns why[0 .. len - 1];
    ensures result: \result == 0 || \result == 1;
*/
static int check_lists(const pm_obm *st, char *why, size_t len)
{
    int32_t n = S.maxarenas, nalloc = 0, nfree_objs = 0, nusable = 0;
    /*@ loop invariant a: 0 <= a <= n;
        loop invariant counts: 0 <= nalloc && 0 <= nfree_objs
              && nalloc + nfree_objs == a && 0 <= nusable <= nalloc;
        loop assigns a, nalloc, nfree_objs, nusable;
    */
    for (int32_t a = 0; a < n; a++) {
        if (S.arenas[a].address == 0) {
            nfree_objs++;
            if (S.arena_rank[a] != PM_OBM_NONE)
                FAIL("arena object %d: unused but ranked", a);
        } else {
            nalloc++;
            nusable += S.arenas[a].nfreepools > 0;
        }
    }
    if ((uint64_t)nalloc != S.narenas_currently_allocated)
        FAIL("narenas_currently_allocated %llu, %d arenas",
             (unsigned long long)S.narenas_currently_allocated, nalloc);
    if (S.narenas_highwater < S.narenas_currently_allocated
        || S.ntimes_arena_allocated < S.narenas_highwater)
        FAIL("arena counters out of order");
    /* unused_arena_objects */
    if (S.nunused != nfree_objs)
        FAIL("%d unused arena objects listed of %d", S.nunused, nfree_objs);
    int32_t a = S.unused_arena_objects;
    /*@ loop invariant i: -1 <= i < pm_g.nunused;
        loop assigns i, a;
    */
    for (int32_t i = S.nunused - 1; i >= 0; i--) {
        if (a < 0 || a >= n || S.arenas[a].address != 0)
            FAIL("unused_arena_objects holds %d", a);
        if (S.unused[i] != a || S.arenas[a].unpos != i)
            FAIL("unused_arena_objects and its stack differ at %d", i);
        a = S.arena_next[a];
    }
    if (a != PM_OBM_NONE)
        FAIL("unused_arena_objects longer than %d", S.nunused);
    /* usable_arenas: ranks 0.. in order, sorted by nfreepools */
    if (S.nusable != nusable)
        FAIL("nusable %d, %d arenas with free pools", S.nusable, nusable);
    int32_t prev = PM_OBM_NONE;
    a = S.usable_arenas;
    /*@ loop invariant r: 0 <= r <= nusable;
        loop invariant prev: prev == PM_OBM_NONE || 0 <= prev < n;
        loop assigns r, a, prev;
    */
    for (int32_t r = 0; r < nusable; r++) {
        if (a < 0 || a >= n || S.arenas[a].address == 0
            || S.arenas[a].nfreepools == 0)
            FAIL("usable_arenas holds %d at %d", a, r);
        if (S.arena_rank[a] != r || S.arena_prev[a] != prev)
            FAIL("usable_arenas: arena %d at %d badly linked", a, r);
        if (prev != PM_OBM_NONE
            && S.arenas[prev].nfreepools > S.arenas[a].nfreepools)
            FAIL("usable_arenas not sorted at %d", r);
        int32_t nx = S.arena_next[a];
        int32_t nf = S.arenas[a].nfreepools;
        /* NX is checked as an index only in the next round: an arena
         * outside the table ends a run of equal nfreepools here (and the
         * list is then rejected by the next round or after the loop) */
        int32_t last = nx == PM_OBM_NONE || nx < 0 || nx >= n
                       || S.arenas[nx].nfreepools != nf;
        if ((S.nfp2lasta[nf] == a) != last)
            FAIL("nfp2lasta[%d] is %d, arena %d at %d", nf, S.nfp2lasta[nf],
                 a, r);
        prev = a;
        a = nx;
    }
    if (a != PM_OBM_NONE)
        FAIL("usable_arenas longer than %d", nusable);
    /*@ loop invariant k: 0 <= k <= NPOOLS + 1;
        loop assigns k;
    */
    for (int32_t k = 0; k <= PM_OBM_MAX_POOLS; k++) {
        int32_t l = S.nfp2lasta[k];
        if (l != PM_OBM_NONE && (l < 0 || l >= n || S.arena_rank[l] < 0
                                 || S.arenas[l].nfreepools != k))
            FAIL("nfp2lasta[%d] = %d", k, l);
    }
    /* usedpools: each list walked from its header */
    /*@ loop invariant c: 0 <= c <= MAXCLS;
        loop assigns c;
    */
    for (int32_t c = 0; c < PM_OBM_MAX_CLASSES; c++) {
        int32_t hdr = PM_OBM_HDR(c), count = 0, p = S.used_next[c];
        int32_t pv = hdr;
        /*@ loop invariant count: 0 <= count <= n * NPOOLS;
            loop assigns count, p, pv;
        */
        while (p != hdr) {
            if (p < 0 || p / PM_OBM_MAX_POOLS >= n || c >= PMC_NCLASSES(st))
                FAIL("usedpools[%d] holds %d", c, p);
            const pm_obm_pool *pl = &S.pools[p];
            int32_t pa = p / PM_OBM_MAX_POOLS, pk = p % PM_OBM_MAX_POOLS;
            if (S.arenas[pa].address == 0 || pk >= S.arenas[pa].ncarved)
                FAIL("usedpools[%d] holds pool %d outside any arena", c, p);
            if (pl->szidx != c || pl->count == 0 || pl->freeblock < 0)
                FAIL("usedpools[%d] holds pool %d:%d that is not partly used",
                     c, pa, pk);
            if (S.pool_prev[p] != pv)
                FAIL("usedpools[%d]: pool %d badly linked", c, p);
            if (++count > n * PM_OBM_MAX_POOLS)
                FAIL("usedpools[%d] is not a cycle", c);
            pv = p;
            p = S.pool_next[p];
        }
        if (S.used_prev[c] != pv)
            FAIL("usedpools[%d]: last pool badly linked", c);
        int32_t partly = 0;
        /*@ loop invariant x: 0 <= x <= n;
            loop invariant partly: 0 <= partly <= x * NPOOLS;
            loop assigns x, partly;
        */
        for (int32_t x = 0; x < n && c < PMC_NCLASSES(st); x++) {
            if (S.arenas[x].address == 0)
                continue;
            /*@ loop invariant k: 0 <= k <= pm_g.arenas[x].ncarved;
                loop invariant partly: 0 <= partly <= x * NPOOLS + k;
                loop assigns k, partly;
            */
            for (int32_t k = 0; k < S.arenas[x].ncarved; k++) {
                const pm_obm_pool *pl = &S.pools[x * PM_OBM_MAX_POOLS + k];
                partly += pl->szidx == c && pl->count > 0 && pl->freeblock >= 0;
            }
        }
        if (partly != count)
            FAIL("usedpools[%d] holds %d pools of %d partly used", c, count,
                 partly);
    }
    return 1;
}

/* The caller owns the system allocator's table (obmalloc_sys.c: heap
 * memory behind S.sys, not part of the state's value) and, in the proof
 * build, the fixed tables of PM_PROOF_CAP_ARENAS arenas that cap_arenas
 * describes. */
/*@ requires cap: pm_g.cap_arenas <= CAP;
    requires sys: \valid_read(pm_g.sys + (0 .. pm_g.nsys - 1));
    requires why: why == \null || \valid(why + (0 .. len - 1));
    requires sep: \separated(why + (0 .. len - 1), &pm_g);
    assigns why[0 .. len - 1];
    ensures result: \result == 0 || \result == 1;
*/
int pm_pymalloc_is_valid(const pm_obm *st, char *why, size_t len)
{
    if (S.maxarenas < 0 || S.maxarenas > S.cap_arenas
        || (S.maxarenas != 0 && S.maxarenas % PM_OBM_INITIAL_ARENAS != 0))
        FAIL("maxarenas %d (capacity %d)", S.maxarenas, S.cap_arenas);
    /*@ loop invariant a: 0 <= a <= pm_g.maxarenas;
        loop invariant checked: \forall integer j; 0 <= j < a ==>
              pm_g.arenas[j].address != 0 ==>
                pm_g.arenas[j].address <= SYSB - ARENASZ
                && 0 <= pm_g.arenas[j].ncarved <= NPOOLS
                && 0 <= pm_g.arenas[j].nfreepools <= NPOOLS;
        loop assigns a, why[0 .. len - 1];
    */
    for (int32_t a = 0; a < S.maxarenas; a++)
        if (S.arenas[a].address != 0 && !check_arena(st, a, why, len))
            return 0;
    if (!check_lists(st, why, len))
        return 0;
    int64_t live = 0;
    /*@ loop invariant i: 0 <= i && (i <= pm_g.nsys || i == 0);
        loop invariant live: 0 <= live <= i;
        loop assigns i, live;
    */
    for (int64_t i = 0; i < S.nsys; i++) {
        live += S.sys[i].live != 0;
        if (i > 0 && S.sys[i - 1].addr >= S.sys[i].addr)
            FAIL("system blocks out of order at %lld", (long long)i);
    }
    if (live != S.nsys_live)
        FAIL("%lld live system blocks, %lld counted", (long long)live,
             (long long)S.nsys_live);
    return 1;
}
