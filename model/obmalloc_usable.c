/* obmalloc_usable.c: usable_arenas and its order, after CPython's
 * Objects/obmalloc.c (3.11): the arena relinking of allocate_from_new_pool
 * (take a pool from the head arena, keep nfp2lasta) and of
 * insert_to_freepool (an empty pool goes to its arena's freepools and the
 * arena moves to keep usable_arenas sorted by nfreepools).  Contracts
 * proved by Frama-C/WP (proofs/wp/run-wp.sh). */
#include "obmalloc_core.h"

/* Lemma functions (ghost, obmalloc_lemma.c) relating the state before and
 * after a change of one arena's free pools. */
/*@ ghost void lemma_unused_keep(pm_obm x, pm_obm y); */
/*@ ghost void lemma_used_same(pm_obm x, pm_obm y, int p); */
/*@ ghost void lemma_take_arenas(pm_obm x, pm_obm y, int a, int p); */
/*@ ghost void lemma_take_usable(pm_obm x, pm_obm y, int a); */
/*@ ghost void lemma_pool_mod(int q, int a); */
/*@ ghost void lemma_all_cached(pm_obm x, int a); */
/*@ ghost void lemma_fp_room(pm_obm x, int a, int p); */
/*@ ghost void lemma_not_cached(pm_obm x, int a, int p); */
/*@ ghost void lemma_give_arenas(pm_obm x, pm_obm y, int a, int p); */
/*@ ghost void lemma_used_give(pm_obm x, pm_obm y, int p); */
/*@ ghost void lemma_listed_class(pm_obm x, int p); */
/*@ ghost void lemma_pool_fpos(pm_obm_pool v, int f); */
/*@ ghost void lemma_last_after(pm_obm x, int a); */
/*@ ghost void lemma_arenas_drop(pm_obm x, pm_obm y, int a); */
/*@ ghost void lemma_give_release(pm_obm x, pm_obm y, int a); */
/*@ ghost void lemma_give_head(pm_obm x, pm_obm y, int a); */
/*@ ghost void lemma_give_more(pm_obm x, pm_obm y, int a, int l); */
/*@ ghost void lemma_disjoint_keep(pm_obm x, pm_obm y); */

/* --------------------------------------------------------- usable_arenas */
/* The model keeps arena_rank, each usable arena's position in the list, so
 * that the list's order is a fact about numbers (spec/obmalloc.md). */

/* Add D to the positions in [LO, HI]. */
/*@ requires PM_INV_TABLE;
    requires d == 1 || d == -1;
    requires 0 <= lo;
    requires \forall integer i; 0 <= i < pm_g.maxarenas ==>
               -1 <= pm_g.arena_rank[i] <= CAP;
    assigns pm_g.arena_rank[0 .. pm_g.maxarenas - 1];
    ensures shifted: \forall integer i; 0 <= i < pm_g.maxarenas ==>
      pm_g.arena_rank[i] ==
        (lo <= \old(pm_g.arena_rank[i]) <= hi
         ? \old(pm_g.arena_rank[i]) + d : \old(pm_g.arena_rank[i]));
*/
static void rank_shift(pm_obm *st, int32_t lo, int32_t hi, int32_t d)
{
    /*@ loop invariant 0 <= i <= pm_g.maxarenas;
        loop invariant \forall integer j; 0 <= j < i ==>
          pm_g.arena_rank[j] ==
            (lo <= \at(pm_g.arena_rank[j], Pre) <= hi
             ? \at(pm_g.arena_rank[j], Pre) + d
             : \at(pm_g.arena_rank[j], Pre));
        loop invariant \forall integer j; i <= j < pm_g.maxarenas ==>
          pm_g.arena_rank[j] == \at(pm_g.arena_rank[j], Pre);
        loop assigns i, pm_g.arena_rank[0 .. pm_g.maxarenas - 1];
        loop variant pm_g.maxarenas - i; */
    for (int32_t i = 0; i < S.maxarenas; i++) {
        int32_t r = S.arena_rank[i];
        if (r >= lo && r <= hi)
            S.arena_rank[i] = r + d;
    }
}

/* Unlink usable arena A (allocate_from_new_pool when the head has no free
 * pool left; insert_to_freepool case 1). */
/*@ requires PM_INV_TABLE && PM_RANKS;
    requires 0 <= a < pm_g.maxarenas && pm_g.arena_rank[a] >= 0;
    assigns pm_g.usable_arenas, pm_g.nusable,
            pm_g.arena_rank[0 .. pm_g.maxarenas - 1],
            pm_g.arena_next[0 .. pm_g.maxarenas - 1],
            pm_g.arena_prev[0 .. pm_g.maxarenas - 1];
    ensures ranks: PM_RANKS;
    ensures gone: pm_g.arena_rank[a] == -1;
    ensures moved: \forall integer i; 0 <= i < pm_g.maxarenas && i != a ==>
      pm_g.arena_rank[i] ==
        (\old(pm_g.arena_rank[i]) > \old(pm_g.arena_rank[a])
         ? \old(pm_g.arena_rank[i]) - 1 : \old(pm_g.arena_rank[i]));
    ensures others: \forall integer i; 0 <= i < pm_g.maxarenas
      && (\old(pm_g.arena_rank[i]) == -1 || i == a) ==>
      pm_g.arena_next[i] == \old(pm_g.arena_next[i])
      && pm_g.arena_prev[i] == \old(pm_g.arena_prev[i]);
*/
void obm_usable_remove(pm_obm *st, int32_t a)
{
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_rank_bounds(pm_g, pm_g.maxarenas); */
    int32_t prev = S.arena_prev[a], next = S.arena_next[a];
    if (prev == PM_OBM_NONE)
        S.usable_arenas = next;
    else
        S.arena_next[prev] = next;
    if (next != PM_OBM_NONE)
        S.arena_prev[next] = prev;
    int32_t r = S.arena_rank[a];
    S.arena_rank[a] = PM_OBM_NONE;
    rank_shift(st, r + 1, INT32_MAX, -1);
    S.nusable--;
    /*@ ghost lemma_rank_except(g0, pm_g, a, pm_g.maxarenas); */
}

/* Put arena A, not usable, at the head of usable_arenas
 * (insert_to_freepool case 2; allocate_from_new_pool's new arena). */
/*@ requires PM_INV_TABLE && PM_RANKS;
    requires 0 <= a < pm_g.maxarenas && pm_g.arena_rank[a] == -1;
    assigns pm_g.usable_arenas, pm_g.nusable,
            pm_g.arena_rank[0 .. pm_g.maxarenas - 1],
            pm_g.arena_next[0 .. pm_g.maxarenas - 1],
            pm_g.arena_prev[0 .. pm_g.maxarenas - 1];
    ensures ranks: PM_RANKS;
    ensures head: pm_g.usable_arenas == a && pm_g.arena_rank[a] == 0;
    ensures moved: \forall integer i; 0 <= i < pm_g.maxarenas && i != a ==>
      pm_g.arena_rank[i] ==
        (\old(pm_g.arena_rank[i]) >= 0
         ? \old(pm_g.arena_rank[i]) + 1 : -1);
    ensures others: \forall integer i; 0 <= i < pm_g.maxarenas
      && \old(pm_g.arena_rank[i]) == -1 && i != a ==>
      pm_g.arena_next[i] == \old(pm_g.arena_next[i])
      && pm_g.arena_prev[i] == \old(pm_g.arena_prev[i]);
*/
void obm_usable_push_head(pm_obm *st, int32_t a)
{
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_rank_bounds(pm_g, pm_g.maxarenas); */
    rank_shift(st, 0, INT32_MAX, 1);
    S.arena_rank[a] = 0;
    S.arena_next[a] = S.usable_arenas;
    S.arena_prev[a] = PM_OBM_NONE;
    if (S.usable_arenas != PM_OBM_NONE)
        S.arena_prev[S.usable_arenas] = a;
    S.usable_arenas = a;
    S.nusable++;
    /*@ ghost lemma_rank_except(g0, pm_g, a, pm_g.maxarenas); */
    /*@ ghost lemma_rank_bounds(pm_g, pm_g.maxarenas); */
}

/* Move usable arena A right after usable arena L, which comes later
 * (insert_to_freepool case 3). */
/*@ requires PM_INV_TABLE && PM_RANKS;
    requires 0 <= a < pm_g.maxarenas && 0 <= l < pm_g.maxarenas;
    requires 0 <= pm_g.arena_rank[a] < pm_g.arena_rank[l];
    assigns pm_g.usable_arenas,
            pm_g.arena_rank[0 .. pm_g.maxarenas - 1],
            pm_g.arena_next[0 .. pm_g.maxarenas - 1],
            pm_g.arena_prev[0 .. pm_g.maxarenas - 1];
    ensures ranks: PM_RANKS;
    ensures placed: pm_g.arena_rank[a] == \old(pm_g.arena_rank[l]);
    ensures moved: \forall integer i; 0 <= i < pm_g.maxarenas && i != a ==>
      pm_g.arena_rank[i] ==
        (\old(pm_g.arena_rank[a]) < \old(pm_g.arena_rank[i])
           <= \old(pm_g.arena_rank[l])
         ? \old(pm_g.arena_rank[i]) - 1 : \old(pm_g.arena_rank[i]));
    ensures others: \forall integer i; 0 <= i < pm_g.maxarenas
      && \old(pm_g.arena_rank[i]) == -1 ==>
      pm_g.arena_next[i] == \old(pm_g.arena_next[i])
      && pm_g.arena_prev[i] == \old(pm_g.arena_prev[i]);
*/
static void usable_move_after(pm_obm *st, int32_t a, int32_t l)
{
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_rank_bounds(pm_g, pm_g.maxarenas); */
    int32_t r0 = S.arena_rank[a], r1 = S.arena_rank[l];
    int32_t prev = S.arena_prev[a], next = S.arena_next[a];
    if (prev != PM_OBM_NONE)
        S.arena_next[prev] = next;
    else
        S.usable_arenas = next;
    S.arena_prev[next] = prev;
    int32_t after = S.arena_next[l];
    S.arena_prev[a] = l;
    S.arena_next[a] = after;
    if (after != PM_OBM_NONE)
        S.arena_prev[after] = a;
    S.arena_next[l] = a;
    rank_shift(st, r0 + 1, r1, -1);
    S.arena_rank[a] = r1;
    /*@ ghost lemma_rank_except(g0, pm_g, -1, pm_g.maxarenas); */
}

/* ------------------------------------------------- allocate_from_new_pool */

/* allocate_from_new_pool, up to the pool: from the head of usable_arenas
 * take a cached free pool (LIFO) or carve a new one, keeping nfp2lasta
 * and usable_arenas as CPython does.  The pool returned is empty. */
/*@ requires PM_INV && pm_g.usable_arenas != -1;
    assigns pm_g.nfp2lasta[0 .. NPOOLS], pm_g.arenas[0 .. CAP - 1],
            // only the pool carved, if one is (the cached path writes none)
            pm_g.pools[pm_g.usable_arenas * NPOOLS
                       + pm_g.arenas[pm_g.usable_arenas].ncarved].szidx,
            pm_g.pools[pm_g.usable_arenas * NPOOLS
                       + pm_g.arenas[pm_g.usable_arenas].ncarved].count,
            pm_g.usable_arenas, pm_g.nusable, pm_g.arena_rank[0 .. CAP - 1],
            pm_g.arena_next[0 .. CAP - 1], pm_g.arena_prev[0 .. CAP - 1];
    ensures where: \old(pm_g.usable_arenas) * NPOOLS <= \result
      < \old(pm_g.usable_arenas) * NPOOLS
        + pm_g.arenas[\old(pm_g.usable_arenas)].ncarved;
    ensures empty: pm_g.pools[\result].count == 0;
    ensures pool: pm_g.pools[\result].szidx != PM_OBM_DUMMY_SZIDX ==>
      POOL_OK(pm_g.pools[\result]);
    ensures inv: PM_INV_TABLE && PM_ARENAS_OK_BUT(\result)
      && arenas_disjoint(pm_g.arenas, pm_g.maxarenas) && PM_INV_USED
      && PM_INV_USABLE && PM_INV_UNUSED;
    ensures others: \forall integer q; 0 <= q < CAP * NPOOLS && q != \result
      ==> pm_g.pools[q] == \old(pm_g.pools[q]);
    ensures arenas: \forall integer i; 0 <= i < CAP ==>
      pm_g.arenas[i].address == \old(pm_g.arenas[i].address)
      && pm_g.arenas[i].first_pool == \old(pm_g.arenas[i].first_pool)
      && pm_g.arenas[i].ncarved >= \old(pm_g.arenas[i].ncarved);
    ensures fresh: \result % NPOOLS
      >= \old(pm_g.arenas[pm_g.usable_arenas].ncarved) ==>
      pm_g.pools[\result].szidx == PM_OBM_DUMMY_SZIDX;
    ensures notcached: \forall integer a, i; 0 <= a < pm_g.maxarenas
      && pm_g.arenas[a].address != 0 && 0 <= i < pm_g.arenas[a].nfpcached
      ==> pm_g.arenas[a].fpstack[i] != \result;
    ensures grown: \forall integer i; 0 <= i < CAP ==>
      (pm_g.arenas[i].ncarved != \old(pm_g.arenas[i].ncarved) <==>
       (i == \old(pm_g.usable_arenas)
        && \result % NPOOLS == \old(pm_g.arenas[i].ncarved)));
*/
int32_t obm_take_pool(pm_obm *st)
{
    /*@ ghost pm_obm g0 = pm_g; */
    int32_t a = S.usable_arenas;
    /*@ assert a_ok: arena_ok(pm_g.arenas[a], pm_g.pools, pm_g.pool_next, a); */
    /* its pools, by their index in the table */
    /*@ ghost lemma_pools_q(pm_g, a); */
    /*@ assert usable: 0 <= a < pm_g.maxarenas
          && pm_g.arenas[a].address != 0 && pm_g.arenas[a].nfreepools > 0; */
    int32_t nfp = S.arenas[a].nfreepools;
    if (S.nfp2lasta[nfp] == a)
        S.nfp2lasta[nfp] = PM_OBM_NONE;       /* the last with nfp */
    if (nfp > 1)
        S.nfp2lasta[nfp - 1] = a;             /* the new smallest */
    int32_t p;
    if (S.arenas[a].freepools != PM_OBM_NONE) {
        p = S.arenas[a].freepools;            /* a cached pool */
        /*@ assert cached_ok: pool_ok(pm_g.pools[p]); */
        /*@ ghost lemma_pool_mod(p, a); */
        S.arenas[a].freepools = S.pool_next[p];
        S.arenas[a].nfpcached--;
    } else {
        /* no cached pool: a free pool never carved */
        /*@ assert room: pm_g.arenas[a].nfpcached == 0
              && 0 <= pm_g.arenas[a].ncarved < pm_g.arenas[a].ntotalpools
              && pm_g.arenas[a].ntotalpools <= NPOOLS; */
        p = a * PM_OBM_MAX_POOLS + S.arenas[a].ncarved;   /* carve */
        /*@ ghost lemma_pool_mod(p, a); */
        /*@ assert p_range: 0 <= p < CAP * NPOOLS; */
        S.pools[p].szidx = PM_OBM_DUMMY_SZIDX;
        S.pools[p].count = 0;
        S.arenas[a].ncarved++;
    }
    S.arenas[a].nfreepools--;
    if (S.arenas[a].nfreepools == 0)
        obm_usable_remove(st, a);                 /* wholly allocated */
    /* the invariant, one part at a time, from the state at entry */
    /*@ ghost lemma_take_arenas(g0, pm_g, a, p); */
    /*@ ghost lemma_used_same(g0, pm_g, p); */
    /*@ ghost lemma_unused_keep(g0, pm_g); */
    /*@ ghost lemma_take_usable(g0, pm_g, a); */
    return p;
}

/* ---------------------------------------------------- insert_to_freepool */

/* Pool P (arena A) just became empty: off usedpools, onto its arena's
 * freepools, and the arena's place in usable_arenas (cases 1 to 4). */
/*@ requires PM_INV_TABLE && 0 <= a < pm_g.maxarenas
      && 0 <= p - a * NPOOLS < pm_g.arenas[a].ncarved
      && pm_g.arenas[a].address != 0;
    requires PM_ARENAS_OK_BUT(p) && POOL_OK(pm_g.pools[p])
      && pm_g.pools[p].count == 0
      && arenas_disjoint(pm_g.arenas, pm_g.maxarenas);
    requires PM_USED_HEADS(p) && PM_USED_LINKS(p, -1);
    requires PM_INV_USABLE && PM_INV_UNUSED;
    requires \valid(out) && \separated(out, &pm_g);
    assigns pm_g.pool_next[0 .. CAP * NPOOLS - 1],
            pm_g.pool_prev[0 .. CAP * NPOOLS - 1],
            pm_g.used_next[0 .. MAXCLS - 1], pm_g.used_prev[0 .. MAXCLS - 1],
            pm_g.arenas[0 .. CAP - 1], pm_g.pools[p].fpos,
            pm_g.nfp2lasta[0 .. NPOOLS], pm_g.usable_arenas, pm_g.nusable,
            pm_g.arena_rank[0 .. CAP - 1], pm_g.arena_next[0 .. CAP - 1],
            pm_g.arena_prev[0 .. CAP - 1], pm_g.unused[0 .. CAP - 1],
            pm_g.nunused, pm_g.unused_arena_objects,
            pm_g.narenas_currently_allocated, out->freed_arena;
    ensures inv: PM_INV;
*/
void obm_insert_to_freepool(pm_obm *st, int32_t a, int32_t p,
                            pm_obm_block *out)
{
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_last_after(g0, a); */
    /*@ ghost lemma_listed_class(g0, p); */
    /* P is on a used list, so not cached, and the cache has room for it */
    /*@ ghost lemma_not_cached(g0, a, p); */
    /*@ ghost lemma_fp_room(g0, a, p); */
    /* the links unlink changes are not those of a cached pool */
    /*@ assert prev_used: pm_g.pool_prev[p] < 0 || pm_g.pool_prev[p] == p
          || pm_g.pools[pm_g.pool_prev[p]].count > 0; */
    obm_used_unlink(st, p);
    /*@ ghost pm_obm g1 = pm_g; */
    S.pool_next[p] = S.arenas[a].freepools;
    S.arenas[a].freepools = p;
    S.arenas[a].fpstack[S.arenas[a].nfpcached] = p;
    /*@ ghost lemma_pool_fpos(pm_g.pools[p], pm_g.arenas[a].nfpcached); */
    S.pools[p].fpos = S.arenas[a].nfpcached;
    S.arenas[a].nfpcached++;
    int32_t nf = S.arenas[a].nfreepools;
    int32_t lastnf = S.nfp2lasta[nf];
    if (lastnf == a) {
        /* the rightmost with nf: the one before it, if it has nf too */
        int32_t pv = S.arena_prev[a];
        /* A is usable (it is a last), so its predecessor is another one */
        /*@ assert pv_ok: pv == g0.arena_prev[a] && (pv == -1
              || (0 <= pv < pm_g.maxarenas && pv != a
                  && pm_g.arenas[pv].nfreepools
                     == g0.arenas[pv].nfreepools)); */
        S.nfp2lasta[nf] = (pv != PM_OBM_NONE && S.arenas[pv].nfreepools == nf)
                          ? pv : PM_OBM_NONE;
    }
    /* nfp2lasta at A's old count, from the state at entry */
    /*@ assert nf_last: pm_g.nfp2lasta[g0.arenas[a].nfreepools]
          == (g0.nfp2lasta[g0.arenas[a].nfreepools] == a
              ? (g0.arena_prev[a] != -1
                 && g0.arenas[g0.arena_prev[a]].nfreepools
                    == g0.arenas[a].nfreepools
                 ? g0.arena_prev[a] : -1)
              : g0.nfp2lasta[g0.arenas[a].nfreepools]); */
    nf++;
    S.arenas[a].nfreepools = nf;
    /* the arenas and unused_arena_objects, before the arena moves */
    /*@ ghost lemma_give_arenas(g0, pm_g, a, p); */
    /*@ ghost lemma_unused_keep(g0, pm_g); */
    /*@ ghost pm_obm g2 = pm_g; */
    /* no address changed yet; below, A's may become 0 (case 1) */
    /*@ ghost lemma_disjoint_keep(g0, g2); */
    if (nf == S.arenas[a].ntotalpools && S.arena_next[a] != PM_OBM_NONE) {
        /* case 1: wholly free and not last (bpo-37257) */
        /*@ ghost lemma_all_cached(g2, a); */
        obm_release_arena(st, a);
        out->freed_arena = 1;
        /*@ ghost lemma_arenas_drop(g2, pm_g, a); */
        /*@ ghost lemma_used_give(g1, pm_g, p); */
        /*@ ghost lemma_give_release(g0, pm_g, a); */
        /*@ ghost lemma_disjoint_keep(g2, pm_g); */
        return;
    }
    if (nf == 1) {
        /* case 2: back at the head */
        obm_usable_push_head(st, a);
        if (S.nfp2lasta[1] == PM_OBM_NONE)
            S.nfp2lasta[1] = a;
        /*@ ghost lemma_used_give(g1, pm_g, p); */
        /*@ ghost lemma_unused_keep(g2, pm_g); */
        /*@ ghost lemma_give_head(g0, pm_g, a); */
        /*@ ghost lemma_disjoint_keep(g2, pm_g); */
        return;
    }
    if (S.nfp2lasta[nf] == PM_OBM_NONE)
        S.nfp2lasta[nf] = a;
    if (a != lastnf)
        usable_move_after(st, a, lastnf);   /* case 3: after lastnf */
    /* case 4 (a == lastnf): still in order */
    /*@ ghost lemma_used_give(g1, pm_g, p); */
    /*@ ghost lemma_unused_keep(g2, pm_g); */
    /*@ ghost lemma_give_more(g0, pm_g, a, lastnf); */
    /*@ ghost lemma_disjoint_keep(g2, pm_g); */
}
