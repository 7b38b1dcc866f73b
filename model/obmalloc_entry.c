/* obmalloc_entry.c: the entry points, after CPython's Objects/obmalloc.c
 * (3.11): pymalloc_alloc and allocate_from_new_pool, pymalloc_free,
 * address_in_range, _PyObject_Malloc, _PyObject_Free, _PyObject_Realloc
 * and pymalloc_realloc (the large path goes to obmalloc_sys.c).  Contracts
 * proved by Frama-C/WP (proofs/wp/run-wp.sh). */
#include "obmalloc_core.h"

/* Lemma functions (ghost, obmalloc_lemma_entry.c): the invariant carried
 * to the pool table after a call that wrote a range of one pool's cells. */
/*@ ghost void lemma_pool_ok(pm_obm_pool v); */
/*@ ghost void lemma_ok_ext(pm_obm x, pm_obm y, int p); */
/*@ ghost void lemma_used_ext(pm_obm x, pm_obm y, int p); */
/*@ ghost void lemma_listed_ok(pm_obm x, int p); */

/* allocate_from_new_pool: no pool of class C is partly used. */
/*@ requires PM_INV && 0 <= c < NCLS && \valid(out) && \separated(out, &pm_g);
    assigns pm_g, *out;
    ensures inv: PM_INV;
    ensures codes: \result == PM_OBM_OK || \result == PM_OBM_ENOMEM;
    ensures block: \result == PM_OBM_OK ==>
      out->small == 1 && out->szidx == c
      && in_use(pm_g.arenas, pm_g.pools, pm_g.maxarenas, out->arena,
                out->pool, out->block)
      && out->addr == block_addr(pm_g.arenas[out->arena],
                                 pm_g.pools[out->arena * NPOOLS + out->pool],
                                 out->pool, out->block)
      && out->addr % ALIGN == 0 && out->offset + csize(c) <= POOLSZ;
*/
static int allocate_from_new_pool(pm_obm *st, int32_t c, pm_obm_block *out)
{
    if (S.usable_arenas == PM_OBM_NONE) {
        /* no arena has a free pool: a new arena */
        int32_t na = obm_new_arena(st);
        if (na == PM_OBM_NONE)
            return PM_OBM_ENOMEM;
        obm_usable_push_head(st, na);
        S.nfp2lasta[S.arenas[na].nfreepools] = na;
        out->new_arena = 1;
    }
    int32_t a = S.usable_arenas;
    int32_t p = obm_take_pool(st);
    /*@ ghost pm_obm g1 = pm_g; */
    int32_t k = p - a * PM_OBM_MAX_POOLS;
    int32_t b;
    if (S.pools[p].szidx == c) {
        /* it last held blocks of this class: its free list is ready */
        b = obm_block_take(st, p);
    } else {
        obm_pool_init(st, p, c);
        b = 0;
    }
    /* the invariant over the pool table after the set-up (a call that
     * writes a range of the pool's cells: see obmalloc_lemma_entry.c) */
    /*@ ghost lemma_pool_ok(pm_g.pools[p]); */
    /*@ ghost lemma_ok_ext(g1, pm_g, p); */
    /*@ ghost lemma_used_ext(g1, pm_g, p); */
    obm_used_push_front(st, p, c);
    obm_describe(st, a, k, b, out);
    return PM_OBM_OK;
}

/* pymalloc_alloc for size class C. */
/*@ requires PM_INV && 0 <= c < NCLS && \valid(out) && \separated(out, &pm_g);
    assigns pm_g, *out;
    ensures inv: PM_INV;
    ensures codes: \result == PM_OBM_OK || \result == PM_OBM_ENOMEM;
    ensures block: \result == PM_OBM_OK ==>
      out->small == 1 && out->szidx == c
      && in_use(pm_g.arenas, pm_g.pools, pm_g.maxarenas, out->arena,
                out->pool, out->block)
      && out->addr == block_addr(pm_g.arenas[out->arena],
                                 pm_g.pools[out->arena * NPOOLS + out->pool],
                                 out->pool, out->block)
      && out->addr % ALIGN == 0 && out->offset + csize(c) <= POOLSZ;
*/
int pm_obm_alloc_small(pm_obm *st, int32_t c, pm_obm_block *out)
{
    out->new_arena = 0;
    out->freed_arena = 0;
    int32_t p = S.used_next[c];
    if (p < 0)
        return allocate_from_new_pool(st, c, out);
    /* the head pool of usedpools[c]: the head of its free list */
    /*@ ghost pm_obm g0 = pm_g; */
    //@ assert listed: PM_LISTED(p) && pm_g.pools[p].szidx == c;
    //@ assert in_use: \forall integer a, i; 0 <= a < pm_g.maxarenas && pm_g.arenas[a].address != 0 && 0 <= i < pm_g.arenas[a].nfpcached ==> pm_g.arenas[a].fpstack[i] != p;
    /*@ ghost lemma_listed_ok(pm_g, p); */
    int32_t b = obm_block_take(st, p);
    int full = 0;
    if (S.pools[p].freeblock == PM_OBM_NONE) {
        /* pymalloc_pool_extend */
        if (S.pools[p].nextoffset <= S.pools[p].maxnextoffset)
            obm_block_carve(st, p);
        else
            full = 1;
    }
    /*@ ghost lemma_pool_ok(pm_g.pools[p]); */
    /*@ ghost lemma_arenas_hold(g0, pm_g.pools[p], p); */
    /*@ ghost lemma_arenas_restore(g0, pm_g.pools[p], p); */
    /*@ ghost lemma_used_keep(g0, pm_g.pools[p], p); */
    if (full)
        obm_used_unlink(st, p);                 /* full */
    obm_describe(st, p / PM_OBM_MAX_POOLS, p % PM_OBM_MAX_POOLS, b, out);
    return PM_OBM_OK;
}

/* ---------------------------------------------------------- pymalloc_free */

/* pymalloc_free for block B of pool K in arena A. */
/*@ ghost void lemma_pool_at(pm_obm x, int a, int k); */
/*@ ghost void lemma_pool_mod(int q, int a); */
/*@ ghost void lemma_listed_class(pm_obm x, int p); */
/*@ requires PM_INV && \valid(out) && \separated(out, &pm_g);
    requires 0 <= a < pm_g.maxarenas && pm_g.arenas[a].address != 0;
    requires 0 <= k < pm_g.arenas[a].ncarved;
    requires 0 <= b < pm_g.pools[a * NPOOLS + k].ncarved;
    assigns pm_g, *out;
    ensures inv: PM_INV;
    ensures codes: \result == PM_OBM_OK || \result == PM_OBM_EFREED;
    ensures freed: \result == PM_OBM_OK <==>
      \old(pm_g.pools[a * NPOOLS + k].bstate[b]) == USED;
    ensures gone: \result == PM_OBM_OK ==>
      !in_use(pm_g.arenas, pm_g.pools, pm_g.maxarenas, a, k, b);
*/
int pm_obm_free_small(pm_obm *st, int32_t a, int32_t k, int32_t b,
                      pm_obm_block *out)
{
    int32_t p = a * PM_OBM_MAX_POOLS + k;
    out->new_arena = 0;
    out->freed_arena = 0;
    /* pool K of arena A, from the invariant: well formed */
    /*@ ghost lemma_pool_at(pm_g, a, k); */
    /*@ ghost lemma_pool_mod(p, a); */
    //@ assert p_ok: POOL_OK(pm_g.pools[p]);
    if (S.pools[p].bstate[b] != PM_OBM_B_USED)
        return PM_OBM_EFREED;
    obm_describe(st, a, k, b, out);
    int32_t lastfree = S.pools[p].freeblock;
    /*@ ghost pm_obm g0 = pm_g; */
    //@ assert in_use: pm_g.pools[p].count > 0;
    //@ assert not_cached: \forall integer j, i; 0 <= j < pm_g.maxarenas && pm_g.arenas[j].address != 0 && 0 <= i < pm_g.arenas[j].nfpcached ==> pm_g.arenas[j].fpstack[i] != p;
    obm_block_give(st, p, b);
    /* the call changed pool P only: as equalities, which the solvers
     * need to match the lemmas' conclusions against this state */
    /*@ assert frame: pm_g.maxarenas == g0.maxarenas
          && pm_g.arenas == g0.arenas && pm_g.pool_next == g0.pool_next
          && pm_g.pool_prev == g0.pool_prev
          && pm_g.used_next == g0.used_next
          && pm_g.used_prev == g0.used_prev; */
    /*@ assert pools_eq: pm_g.pools == {g0.pools \with [p] = pm_g.pools[p]}; */
    /*@ ghost lemma_arenas_hold(g0, pm_g.pools[p], p); */
    if (lastfree == PM_OBM_NONE) {
        /* it was full (no free block, so two used at least):
         * insert_to_usedpool, at the front */
        //@ assert still_used: pm_g.pools[p].count > 0;
        /*@ ghost lemma_listed_class(g0, p); */
        /*@ ghost lemma_arenas_restore(g0, pm_g.pools[p], p); */
        /*@ ghost lemma_used_fresh(g0, pm_g.pools[p], p); */
        obm_used_push_front(st, p, S.pools[p].szidx);
        return PM_OBM_OK;
    }
    /*@ ghost lemma_used_keep(g0, pm_g.pools[p], p); */
    if (S.pools[p].count != 0) {
        /*@ ghost lemma_arenas_restore(g0, pm_g.pools[p], p); */
        return PM_OBM_OK;
    }
    obm_insert_to_freepool(st, a, p, out);      /* now empty */
    return PM_OBM_OK;
}

/* ------------------------------------------------------ address_in_range */

/* address_in_range (the radix tree, arena_map_is_used) and POOL_ADDR: is
 * ADDR inside an arena in use?  Then *A is the arena, *K the carved pool
 * that holds ADDR or -1, *B the block that starts at ADDR or -1. */
/*@ requires PM_INV;
    requires \valid(a) && \valid(k) && \valid(b);
    requires \separated(a, &pm_g) && \separated(k, &pm_g) && \separated(b, &pm_g);
    requires \separated(a, k, b);
    assigns *a, *k, *b;
    ensures none: \result == 0 ==> \forall integer i; 0 <= i < pm_g.maxarenas
      && pm_g.arenas[i].address != 0 ==>
      addr < pm_g.arenas[i].address
      || addr >= pm_g.arenas[i].address + ARENASZ;
    ensures found: \result == 1 ==> 0 <= *a < pm_g.maxarenas
      && pm_g.arenas[*a].address != 0
      && (*k == -1 || 0 <= *k < pm_g.arenas[*a].ncarved)
      && (*b == -1 || (*k >= 0 && 0 <= *b < pm_g.pools[*a * NPOOLS + *k].ncarved
            && addr == block_addr(pm_g.arenas[*a],
                                  pm_g.pools[*a * NPOOLS + *k], *k, *b)));
    ensures codes: \result == 0 || \result == 1;
*/
int pm_obm_lookup(const pm_obm *st, uint64_t addr, int32_t *a, int32_t *k,
                  int32_t *b)
{
    /*@ loop invariant 0 <= i <= pm_g.maxarenas;
        loop invariant \forall integer j; 0 <= j < i
          && pm_g.arenas[j].address != 0 ==>
          addr < pm_g.arenas[j].address
          || addr >= pm_g.arenas[j].address + ARENASZ;
        loop assigns i;
        loop variant pm_g.maxarenas - i; */
    for (int32_t i = 0; i < S.maxarenas; i++) {
        uint64_t base = S.arenas[i].address;
        if (base == 0 || addr < base || addr - base >= (uint64_t)PMC_ARENA(st))
            continue;
        *a = i;
        *k = PM_OBM_NONE;
        *b = PM_OBM_NONE;
        if (addr < S.arenas[i].first_pool)
            return 1;
        uint64_t rel = addr - S.arenas[i].first_pool;
        uint64_t kk = rel / (uint64_t)PMC_POOL(st);
        if (kk >= (uint64_t)S.arenas[i].ncarved)
            return 1;
        /*@ assert shape_a: arena_shape(pm_g.arenas[i]); */
        *k = (int32_t)kk;
        int32_t p = i * PM_OBM_MAX_POOLS + (int32_t)kk;
        /*@ assert p_is: *a == i && *k == kk && p == *a * NPOOLS + *k; */
        /*@ assert carved: arena_pools(pm_g.arenas[i], pm_g.pools, i); */
        /*@ assert shape: pool_shape(pm_g.pools[p]); */
        int32_t off = (int32_t)(rel % (uint64_t)PMC_POOL(st));
        /*@ ghost lemma_div_split(rel, PMC_POOL(st)); */
        /*@ assert rel_split: addr == pm_g.arenas[i].first_pool
                                      + kk * POOLSZ + off; */
        if (off < PMC_OVERHEAD(st))
            return 1;
        int32_t size = PMC_SIZE(st, S.pools[p].szidx);
        if ((off - PMC_OVERHEAD(st)) % size != 0)
            return 1;
        int32_t bb = (off - PMC_OVERHEAD(st)) / size;
        /*@ ghost lemma_div_exact(off - PMC_OVERHEAD(st), size); */
        /*@ assert off_split: off == OVH + bb * csize(pm_g.pools[p].szidx); */
        if (bb < S.pools[p].ncarved) {
            *b = bb;
            /*@ assert at: addr == block_addr(pm_g.arenas[i], pm_g.pools[p],
                                             kk, bb); */
            /*@ assert kept: *a == i && *k == kk && *b == bb; */
        }
        return 1;
    }
    return 0;
}

/* ------------------------------------------- PyObject_Malloc/Free/Realloc */

/* The raw allocator (obmalloc_sys.c; not part of these proofs): it only
 * touches its own fields and the block description. */
/*@ requires \valid(out) && \separated(out, &pm_g);
    assigns pm_g.sys \from pm_g.sys, pm_g.nsys, pm_g.capsys;
    assigns pm_g.nsys, pm_g.capsys, pm_g.nsys_live, pm_g.sys_next,
            pm_g.raw_allocated_blocks, out->addr, out->small;
    ensures \result == PM_OBM_OK || \result == PM_OBM_ENOMEM;
    ensures \result == PM_OBM_OK ==> out->small == 0; */
int pm_obm_sys_alloc(pm_obm *st, uint64_t n, pm_obm_block *out);
/*@ requires \valid(out) && \separated(out, &pm_g);
    assigns pm_g.sys \from pm_g.sys, pm_g.nsys, pm_g.capsys;
    assigns pm_g.nsys, pm_g.capsys, pm_g.nsys_live, pm_g.sys_next,
            pm_g.raw_allocated_blocks, out->addr, out->small;
    ensures \result == PM_OBM_OK || \result == PM_OBM_ENOTALLOC
            || \result == PM_OBM_EFREED; */
int pm_obm_sys_free(pm_obm *st, uint64_t addr, pm_obm_block *out);
/*@ requires \valid(out) && \separated(out, &pm_g);
    assigns pm_g.sys \from pm_g.sys, pm_g.nsys, pm_g.capsys;
    assigns pm_g.nsys, pm_g.capsys, pm_g.nsys_live, pm_g.sys_next,
            pm_g.raw_allocated_blocks, out->addr, out->small;
    ensures \result == PM_OBM_OK || \result == PM_OBM_ENOTALLOC
            || \result == PM_OBM_EFREED || \result == PM_OBM_ENOMEM; */
int pm_obm_sys_realloc(pm_obm *st, uint64_t addr, uint64_t n,
                       pm_obm_block *out);

/*@ requires \valid(out);
    assigns *out;
    ensures out->addr == 0 && out->small == 0;
*/
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

/* _PyObject_Malloc: pymalloc_alloc, else the raw allocator. */
/*@ requires PM_INV && \valid(out) && \separated(out, &pm_g);
    assigns pm_g, *out;
    ensures inv: PM_INV;
    ensures codes: \result == PM_OBM_OK || \result == PM_OBM_ENOMEM
      || \result == PM_OBM_ETOOBIG;
    ensures small: \result == PM_OBM_OK && out->small == 1 ==>
      1 <= n <= PM_OBM_THRESHOLD && out->szidx == (n - 1) / ALIGN
      && in_use(pm_g.arenas, pm_g.pools, pm_g.maxarenas, out->arena,
                out->pool, out->block)
      && out->addr % ALIGN == 0 && out->offset + csize(out->szidx) <= POOLSZ;
*/
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
/*@ requires PM_INV && (out == \null || (\valid(out) && \separated(out, &pm_g)));
    assigns pm_g, *out;
    ensures inv: PM_INV;
    ensures codes: \result == PM_OBM_OK || \result == PM_OBM_ENOTALLOC
      || \result == PM_OBM_EFREED;
*/
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
/*@ requires PM_INV && \valid(out) && \separated(out, &pm_g);
    assigns pm_g, *out;
    ensures inv: PM_INV;
    ensures codes: \result == PM_OBM_OK || \result == PM_OBM_ENOMEM
      || \result == PM_OBM_ETOOBIG || \result == PM_OBM_ENOTALLOC
      || \result == PM_OBM_EFREED;
*/
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
    /* pool K of arena A, from the invariant: well formed */
    /*@ ghost lemma_pool_at(pm_g, a, k); */
    //@ assert p_ok: POOL_OK(pm_g.pools[p]);
    if (S.pools[p].bstate[b] != PM_OBM_B_USED)
        return PM_OBM_EFREED;
    uint64_t size = (uint64_t)PMC_SIZE(st, S.pools[p].szidx);
    if (n <= size && 4 * n > 3 * size) {
        obm_describe(st, a, k, b, out);          /* it stays where it is */
        return PM_OBM_OK;
    }
    int r = pm_pymalloc_alloc(st, n, out);
    if (r != PM_OBM_OK)
        return r;
    /* _PyObject_Free of the old address, as pymalloc_realloc does: the
     * block is still in use, so it finds the same block */
    pm_obm_block freed;
    r = pm_pymalloc_free(st, addr, &freed);
    out->freed_arena = freed.freed_arena;
    return r;
}
