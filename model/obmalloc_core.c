/* obmalloc_core.c: pymalloc's small-block allocator, one function per
 * CPython function of Objects/obmalloc.c (3.11): pymalloc_alloc,
 * pymalloc_pool_extend, allocate_from_new_pool, new_arena, pymalloc_free,
 * insert_to_usedpool, insert_to_freepool, pymalloc_realloc.
 * The contracts are proved by Frama-C/WP (proofs/wp/run-wp.sh); the shared
 * predicates are in spec/acsl/obmalloc.acsl. */
#include "obmalloc.h"

#ifdef __FRAMAC__
#include "../spec/acsl/obmalloc.acsl"
#endif

/* ------------------------------------------------------- free-list stacks */

/* Push block B on pool P's free list (pymalloc_free's "*(block **)p =
 * lastfree; pool->freeblock = p"). */
static void block_push(pm_obm *st, int32_t p, int32_t b)
{
    pm_obm_pool *pl = &st->pools[p];
    pl->next[b] = (int16_t)pl->freeblock;
    pl->stack[pl->nfree] = (int16_t)b;
    pl->pos[b] = (int16_t)pl->nfree;
    pl->nfree++;
    pl->freeblock = b;
    pl->bstate[b] = PM_OBM_B_FREE;
}

/* Pop the head of pool P's free list ("bp = pool->freeblock;
 * pool->freeblock = *(block **)bp"). */
static int32_t block_pop(pm_obm *st, int32_t p)
{
    pm_obm_pool *pl = &st->pools[p];
    int32_t b = pl->freeblock;
    pl->freeblock = pl->next[b];
    pl->nfree--;
    pl->bstate[b] = PM_OBM_B_USED;
    return b;
}

/* Shift the usable_arenas positions in [LO, HI] by D. */
static void rank_shift(pm_obm *st, int32_t lo, int32_t hi, int32_t d)
{
    for (int32_t i = 0; i < st->maxarenas; i++) {
        int32_t r = st->arena_rank[i];
        if (r >= lo && r <= hi)
            st->arena_rank[i] = r + d;
    }
}

/* Remove the head of usable_arenas (allocate_from_new_pool, when the
 * arena has no free pool left). */
static void usable_pop_head(pm_obm *st)
{
    int32_t a = st->usable_arenas;
    int32_t n = st->arena_next[a];
    st->usable_arenas = n;
    if (n != PM_OBM_NONE)
        st->arena_prev[n] = PM_OBM_NONE;
    st->arena_rank[a] = PM_OBM_NONE;
    rank_shift(st, 1, st->nusable - 1, -1);
    st->nusable--;
}

/* ------------------------------------------------------------- new_arena */

/* An arena at ADDRESS fits below the system allocator's addresses and
 * overlaps no arena in use. */
static int arena_address_ok(const pm_obm *st, uint64_t address)
{
    if (address == 0 || address > (uint64_t)PMC_SYS_BASE(st)
        || (uint64_t)PMC_SYS_BASE(st) - address < (uint64_t)PMC_ARENA(st))
        return 0;
    for (int32_t i = 0; i < st->maxarenas; i++) {
        uint64_t b = st->arenas[i].address;
        if (b != 0 && address < b + (uint64_t)PMC_ARENA(st)
            && b < address + (uint64_t)PMC_ARENA(st))
            return 0;
    }
    return 1;
}

/* new_arena: take the head of unused_arena_objects (doubling the table
 * when it is empty) and associate it with a fresh arena.  Returns the
 * arena index or -1 (table cannot grow, or the address source failed). */
static int32_t new_arena(pm_obm *st, int *grew)
{
    if (st->unused_arena_objects == PM_OBM_NONE) {
        int32_t numarenas = st->maxarenas ? st->maxarenas * 2
                                          : PM_OBM_INITIAL_ARENAS;
        if (numarenas > st->cap_arenas) {
#ifdef PM_PROOF
            return PM_OBM_NONE;
#else
            if (numarenas <= st->maxarenas || pm_obm_grow(st, numarenas) != 0)
                return PM_OBM_NONE;
#endif
        }
        /* the new entries, chained in index order */
        for (int32_t i = numarenas - 1; i >= st->maxarenas; i--) {
            st->arenas[i].address = 0;
            st->arena_rank[i] = PM_OBM_NONE;
            st->arena_next[i] = st->unused_arena_objects;
            st->unused_arena_objects = i;
            st->unused[st->nunused] = i;
            st->nunused++;
        }
        st->maxarenas = numarenas;
        *grew = 1;
    }
    int32_t a = st->unused_arena_objects;
    uint64_t address = pm_obm_arena_address(st);
    if (!arena_address_ok(st, address))
        return PM_OBM_NONE;
    pm_obm_note_arena(st, address);
    st->unused_arena_objects = st->arena_next[a];
    st->nunused--;
    pm_obm_arena *ao = &st->arenas[a];
    ao->address = address;
    st->narenas_currently_allocated++;
    st->ntimes_arena_allocated++;
    if (st->narenas_currently_allocated > st->narenas_highwater)
        st->narenas_highwater = st->narenas_currently_allocated;
    ao->freepools = PM_OBM_NONE;
    ao->nfpcached = 0;
    ao->ncarved = 0;
    uint64_t excess = address % (uint64_t)PMC_POOL(st);
    if (excess != 0) {
        ao->nfreepools = PM_OBM_MAX_POOLS - 1;
        ao->first_pool = address + ((uint64_t)PMC_POOL(st) - excess);
    } else {
        ao->nfreepools = PM_OBM_MAX_POOLS;
        ao->first_pool = address;
    }
    ao->ntotalpools = ao->nfreepools;
    return a;
}

/* --------------------------------------------------------------- helpers */

static void describe(const pm_obm *st, int32_t p, int32_t b,
                     pm_obm_block *out)
{
    int32_t a = p / PM_OBM_MAX_POOLS, k = p % PM_OBM_MAX_POOLS;
    int32_t c = st->pools[p].szidx;
    uint32_t off = (uint32_t)(PMC_OVERHEAD(st) + b * PMC_SIZE(st, c));
    out->addr = st->arenas[a].first_pool + (uint64_t)k * (uint64_t)PMC_POOL(st)
                + off;
    out->small = 1;
    out->arena = a;
    out->pool = k;
    out->block = b;
    out->szidx = c;
    out->offset = off;
}

/* Link pool P at the front of usedpools[C]. */
static void used_push_front(pm_obm *st, int32_t p, int32_t c)
{
    int32_t next = st->used_next[c];
    st->pool_next[p] = next;
    st->pool_prev[p] = PM_OBM_HDR(c);
    if (next < 0)
        st->used_prev[c] = p;
    else
        st->pool_prev[next] = p;
    st->used_next[c] = p;
}

/* Unlink pool P from its used list. */
static void used_unlink(pm_obm *st, int32_t p)
{
    int32_t next = st->pool_next[p], prev = st->pool_prev[p];
    if (next < 0)
        st->used_prev[PM_OBM_HDR_CLASS(next)] = prev;
    else
        st->pool_prev[next] = prev;
    if (prev < 0)
        st->used_next[PM_OBM_HDR_CLASS(prev)] = next;
    else
        st->pool_next[prev] = next;
}

/* pymalloc_pool_extend: the free list of pool P (class C) just ran out. */
static void pool_extend(pm_obm *st, int32_t p, int32_t c)
{
    pm_obm_pool *pl = &st->pools[p];
    if (pl->nextoffset <= pl->maxnextoffset) {
        int32_t b = pl->ncarved;
        pl->ncarved++;
        pl->nextoffset += PMC_SIZE(st, c);
        block_push(st, p, b);
        return;
    }
    used_unlink(st, p);      /* full */
}

/* ------------------------------------------------- allocate_from_new_pool */

static int allocate_from_new_pool(pm_obm *st, int32_t c, pm_obm_block *out)
{
    int grew = 0;
    if (st->usable_arenas == PM_OBM_NONE) {
        int32_t na = new_arena(st, &grew);
        if (na == PM_OBM_NONE)
            return PM_OBM_ENOMEM;
        st->usable_arenas = na;
        st->arena_next[na] = PM_OBM_NONE;
        st->arena_prev[na] = PM_OBM_NONE;
        st->arena_rank[na] = 0;
        st->nusable = 1;
        st->nfp2lasta[st->arenas[na].nfreepools] = na;
        out->new_arena = 1;
    }
    int32_t a = st->usable_arenas;
    pm_obm_arena *ao = &st->arenas[a];
    int32_t nfp = ao->nfreepools;
    if (st->nfp2lasta[nfp] == a)
        st->nfp2lasta[nfp] = PM_OBM_NONE;
    if (nfp > 1)
        st->nfp2lasta[nfp - 1] = a;

    int32_t p;
    if (ao->freepools != PM_OBM_NONE) {
        /* a cached free pool */
        p = ao->freepools;
        ao->freepools = st->pool_next[p];
        ao->nfpcached--;
        ao->nfreepools--;
    } else {
        /* carve a new pool off the arena */
        p = a * PM_OBM_MAX_POOLS + ao->ncarved;
        st->pools[p].szidx = PM_OBM_DUMMY_SZIDX;
        st->pools[p].count = 0;
        ao->ncarved++;
        ao->nfreepools--;
    }
    if (ao->nfreepools == 0)
        usable_pop_head(st);

    used_push_front(st, p, c);
    pm_obm_pool *pl = &st->pools[p];
    pl->count = 1;
    int32_t b;
    if (pl->szidx == c) {
        /* same class as before: header and free list are ready */
        b = block_pop(st, p);
    } else {
        int32_t size = PMC_SIZE(st, c);
        pl->szidx = c;
        pl->nblocks = (PMC_POOL(st) - PMC_OVERHEAD(st)) / size;
        pl->maxnextoffset = PMC_POOL(st) - size;
        pl->nextoffset = PMC_OVERHEAD(st) + 2 * size;
        pl->ncarved = 2;
        pl->nfree = 0;
        pl->freeblock = PM_OBM_NONE;
        pl->bstate[0] = PM_OBM_B_USED;
        block_push(st, p, 1);
        b = 0;
    }
    describe(st, p, b, out);
    return PM_OBM_OK;
}

/* --------------------------------------------------------- pymalloc_alloc */

int pm_obm_alloc_small(pm_obm *st, int32_t c, pm_obm_block *out)
{
    out->new_arena = 0;
    out->freed_arena = 0;
    int32_t p = st->used_next[c];
    if (p < 0)
        return allocate_from_new_pool(st, c, out);
    pm_obm_pool *pl = &st->pools[p];
    pl->count++;
    int32_t b = block_pop(st, p);
    if (pl->freeblock == PM_OBM_NONE)
        pool_extend(st, p, c);
    describe(st, p, b, out);
    return PM_OBM_OK;
}

/* ---------------------------------------------------- insert_to_freepool */

/* Release arena A (insert_to_freepool, case 1): unlink it from
 * usable_arenas and push it on unused_arena_objects. */
static void release_arena(pm_obm *st, int32_t a)
{
    pm_obm_arena *ao = &st->arenas[a];
    int32_t prev = ao->prevarena, next = ao->nextarena;
    if (prev == PM_OBM_NONE)
        st->usable_arenas = next;
    else
        st->arena_next[prev] = next;
    if (next != PM_OBM_NONE)
        st->arena_prev[next] = prev;
    int32_t r = ao->urank;
    ao->urank = PM_OBM_NONE;
    rank_shift(st, r + 1, st->nusable - 1, -1);
    st->nusable--;
    ao->nextarena = st->unused_arena_objects;
    st->unused_arena_objects = a;
    st->unused[st->nunused] = a;
    st->nunused++;
    ao->address = 0;
    st->narenas_currently_allocated--;
}

/* Pool P just became empty. */
static void insert_to_freepool(pm_obm *st, int32_t p, pm_obm_block *out)
{
    used_unlink(st, p);
    int32_t a = p / PM_OBM_MAX_POOLS;
    pm_obm_arena *ao = &st->arenas[a];
    st->pool_next[p] = ao->freepools;
    ao->freepools = p;
    ao->fpstack[ao->nfpcached] = p;
    st->pools[p].fpos = ao->nfpcached;
    ao->nfpcached++;
    int32_t nf = ao->nfreepools;
    int32_t lastnf = st->nfp2lasta[nf];
    if (lastnf == a) {
        int32_t pv = ao->prevarena;
        st->nfp2lasta[nf] = (pv != PM_OBM_NONE && st->arenas[pv].nfreepools == nf)
                            ? pv : PM_OBM_NONE;
    }
    nf++;
    ao->nfreepools = nf;

    if (nf == ao->ntotalpools && ao->nextarena != PM_OBM_NONE) {
        /* case 1: every pool free and not the last arena (bpo-37257) */
        release_arena(st, a);
        out->freed_arena = 1;
        return;
    }
    if (nf == 1) {
        /* case 2: back at the head of usable_arenas */
        rank_shift(st, 0, st->nusable - 1, 1);
        ao->urank = 0;
        st->nusable++;
        ao->nextarena = st->usable_arenas;
        ao->prevarena = PM_OBM_NONE;
        if (st->usable_arenas != PM_OBM_NONE)
            st->arena_prev[st->usable_arenas] = a;
        st->usable_arenas = a;
        if (st->nfp2lasta[1] == PM_OBM_NONE)
            st->nfp2lasta[1] = a;
        return;
    }
    if (st->nfp2lasta[nf] == PM_OBM_NONE)
        st->nfp2lasta[nf] = a;
    if (a == lastnf)
        return;                                 /* case 4 */
    /* case 3: move ao right after lastnf */
    int32_t r0 = ao->urank, r1 = st->arena_rank[lastnf];
    if (ao->prevarena != PM_OBM_NONE)
        st->arena_next[ao->prevarena] = ao->nextarena;
    else
        st->usable_arenas = ao->nextarena;
    st->arena_prev[ao->nextarena] = ao->prevarena;
    ao->prevarena = lastnf;
    ao->nextarena = st->arena_next[lastnf];
    if (ao->nextarena != PM_OBM_NONE)
        st->arena_prev[ao->nextarena] = a;
    st->arena_next[lastnf] = a;
    rank_shift(st, r0 + 1, r1, -1);
    ao->urank = r1;
}

/* ---------------------------------------------------------- pymalloc_free */

int pm_obm_free_small(pm_obm *st, int32_t a, int32_t k, int32_t b,
                      pm_obm_block *out)
{
    int32_t p = a * PM_OBM_MAX_POOLS + k;
    pm_obm_pool *pl = &st->pools[p];
    out->new_arena = 0;
    out->freed_arena = 0;
    if (pl->bstate[b] != PM_OBM_B_USED)
        return PM_OBM_EFREED;
    describe(st, p, b, out);
    int32_t lastfree = pl->freeblock;
    block_push(st, p, b);
    pl->count--;
    if (lastfree == PM_OBM_NONE) {
        used_push_front(st, p, pl->szidx);   /* insert_to_usedpool */
        return PM_OBM_OK;
    }
    if (pl->count != 0)
        return PM_OBM_OK;
    insert_to_freepool(st, p, out);
    return PM_OBM_OK;
}

/* ------------------------------------------------------ address_in_range */

int pm_obm_lookup(const pm_obm *st, uint64_t addr, int32_t *a, int32_t *k,
                  int32_t *b)
{
    for (int32_t i = 0; i < st->maxarenas; i++) {
        uint64_t base = st->arenas[i].address;
        if (base == 0 || addr < base || addr - base >= (uint64_t)PMC_ARENA(st))
            continue;
        *a = i;
        *k = PM_OBM_NONE;
        *b = PM_OBM_NONE;
        if (addr < st->arenas[i].first_pool)
            return 1;
        uint64_t rel = addr - st->arenas[i].first_pool;
        uint64_t kk = rel / (uint64_t)PMC_POOL(st);
        if (kk >= (uint64_t)st->arenas[i].ncarved)
            return 1;
        *k = (int32_t)kk;
        const pm_obm_pool *pl = &st->pools[i * PM_OBM_MAX_POOLS + (int32_t)kk];
        int32_t off = (int32_t)(rel % (uint64_t)PMC_POOL(st));
        if (pl->szidx >= PMC_NCLASSES(st) || off < PMC_OVERHEAD(st))
            return 1;
        int32_t size = PMC_SIZE(st, pl->szidx);
        if ((off - PMC_OVERHEAD(st)) % size != 0)
            return 1;
        int32_t bb = (off - PMC_OVERHEAD(st)) / size;
        if (bb < pl->ncarved)
            *b = bb;
        return 1;
    }
    return 0;
}

/* ------------------------------------------- PyObject_Malloc/Free/Realloc */

static void clear_block(pm_obm_block *out)
{
    out->addr = 0;
    out->small = 0;
    out->arena = PM_OBM_NONE;
    out->pool = PM_OBM_NONE;
    out->block = PM_OBM_NONE;
    out->szidx = PM_OBM_NONE;
    out->offset = 0;
    out->new_arena = 0;
    out->freed_arena = 0;
}

/* _PyObject_Malloc: pymalloc_alloc, falling back on the raw allocator. */
int pm_pymalloc_alloc(pm_obm *st, uint64_t n, pm_obm_block *out)
{
    clear_block(out);
    if (n > (uint64_t)PMC_SSIZE_MAX(st))
        return PM_OBM_ETOOBIG;
    if (n != 0 && n <= PM_OBM_THRESHOLD) {
        int r = pm_obm_alloc_small(st, PMC_CLASS(st, n), out);
        if (r == PM_OBM_OK)
            return r;
        clear_block(out);
    }
    return pm_obm_sys_alloc(st, n, out);
}

/* _PyObject_Free. */
int pm_pymalloc_free(pm_obm *st, uint64_t addr, pm_obm_block *out)
{
    pm_obm_block tmp;
    if (out == NULL)
        out = &tmp;
    clear_block(out);
    if (addr == 0)
        return PM_OBM_OK;
    int32_t a, k, b;
    if (!pm_obm_lookup(st, addr, &a, &k, &b))
        return pm_obm_sys_free(st, addr, out);
    if (b == PM_OBM_NONE)
        return PM_OBM_ENOTALLOC;
    return pm_obm_free_small(st, a, k, b, out);
}

/* _PyObject_Realloc and pymalloc_realloc. */
int pm_pymalloc_realloc(pm_obm *st, uint64_t addr, uint64_t n,
                        pm_obm_block *out)
{
    if (addr == 0)
        return pm_pymalloc_alloc(st, n, out);
    clear_block(out);
    if (n > (uint64_t)PMC_SSIZE_MAX(st))
        return PM_OBM_ETOOBIG;
    int32_t a, k, b;
    if (!pm_obm_lookup(st, addr, &a, &k, &b))
        return pm_obm_sys_realloc(st, addr, n, out);
    if (b == PM_OBM_NONE)
        return PM_OBM_ENOTALLOC;
    int32_t p = a * PM_OBM_MAX_POOLS + k;
    if (st->pools[p].bstate[b] != PM_OBM_B_USED)
        return PM_OBM_EFREED;
    uint64_t size = (uint64_t)PMC_SIZE(st, st->pools[p].szidx);
    if (n <= size && 4 * n > 3 * size) {
        describe(st, p, b, out);            /* stays in place */
        return PM_OBM_OK;
    }
    int r = pm_pymalloc_alloc(st, n, out);
    if (r != PM_OBM_OK)
        return r;
    pm_obm_block freed;
    r = pm_obm_free_small(st, a, k, b, &freed);
    out->freed_arena = freed.freed_arena;
    return r;
}
