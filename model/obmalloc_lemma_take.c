/* obmalloc_lemma_take.c: lemma functions (ghost code only) for the proof
 * of obm_take_pool (obmalloc_usable.c), which takes a pool from an arena's
 * free pools: the state after it, compared with the state before, part of
 * the invariant at a time.  As in obmalloc_lemma.c, each contract is
 * proved once by Frama-C/WP (proofs/wp/run-wp.sh); the executable build
 * compiles nothing from this file. */
#include "obmalloc_core.h"

/* ------------------------------------------- one arena's pools changed */
/* The lemmas below relate the state X before an operation on one arena's
 * free pools (obm_take_pool, obm_insert_to_freepool) to the state Y after
 * it, field by field, and give one part of the invariant of Y each. */

/* The arenas' addresses and unused positions, the unused stack and the
 * links of the unassociated arenas did not change: unused_ok and the
 * count of allocated arenas still hold. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires unused_ok(x.arenas, x.arena_next, x.arena_rank, x.unused,
                        x.maxarenas, x.nunused, x.unused_arena_objects);
     requires x.narenas_currently_allocated
              == acount_alloc(x.arenas, x.maxarenas);
     requires \forall integer i; 0 <= i < x.maxarenas ==>
                y.arenas[i].address == x.arenas[i].address
                && y.arenas[i].unpos == x.arenas[i].unpos;
     requires \forall integer i; 0 <= i < x.maxarenas
                && x.arenas[i].address == 0 ==>
                y.arena_next[i] == x.arena_next[i] && y.arena_rank[i] == -1;
     requires \forall integer i; 0 <= i < CAP ==> y.unused[i] == x.unused[i];
     requires y.nunused == x.nunused
              && y.unused_arena_objects == x.unused_arena_objects
              && y.narenas_currently_allocated
                 == x.narenas_currently_allocated;
     assigns \nothing;
     ensures unused_ok(y.arenas, y.arena_next, y.arena_rank, y.unused,
                       y.maxarenas, y.nunused, y.unused_arena_objects);
     ensures y.narenas_currently_allocated
             == acount_alloc(y.arenas, y.maxarenas);
  @/
  void lemma_unused_keep(pm_obm x, pm_obm y)
  {
    lemma_alloc_bounds(x, x.maxarenas);
    lemma_alloc_except(x, y, -1, x.maxarenas);
    /@ assert count: acount_alloc(y.arenas, y.maxarenas)
                     == acount_alloc(x.arenas, x.maxarenas); @/
    /@ assert small: 0 <= x.nunused <= x.maxarenas; @/
    /@ assert stack: \forall integer i; 0 <= i < y.nunused ==>
         0 <= y.unused[i] < y.maxarenas
         && y.arenas[y.unused[i]].address == 0
         && y.arenas[y.unused[i]].unpos == i; @/
    /@ assert links: \forall integer i; 1 <= i < y.nunused ==>
         y.arena_next[y.unused[i]] == y.unused[i - 1]; @/
  }
*/

/* The arenas' addresses did not change, nor the pools but P, which is
 * empty and was not listed; the arena of P may have carved it (ncarved +
 * 1): the used lists, well formed over the links of Y in X, are well
 * formed in Y. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires 0 <= p < x.maxarenas * NPOOLS;
     requires used_heads(x.arenas, x.pools, x.maxarenas, -1, y.pool_next,
                         y.pool_prev, y.used_next, y.used_prev);
     requires used_links(x.arenas, x.pools, x.maxarenas, -1, -1, y.pool_next,
                         y.pool_prev, y.used_next, y.used_prev);
     requires \forall integer i; 0 <= i < x.maxarenas ==>
                y.arenas[i].address == x.arenas[i].address
                && (y.arenas[i].ncarved == x.arenas[i].ncarved
                    || (y.arenas[i].ncarved == x.arenas[i].ncarved + 1
                        && p == i * NPOOLS + x.arenas[i].ncarved));
     requires \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pools[q].count == x.pools[q].count
                && y.pools[q].freeblock == x.pools[q].freeblock
                && y.pools[q].szidx == x.pools[q].szidx;
     requires y.pools[p].count == 0;
     requires !listed(x.arenas, x.pools, x.maxarenas, p);
     assigns \nothing;
     ensures heads: used_heads(y.arenas, y.pools, y.maxarenas, -1,
                               y.pool_next, y.pool_prev, y.used_next,
                               y.used_prev);
     ensures links: used_links(y.arenas, y.pools, y.maxarenas, -1, -1,
                               y.pool_next, y.pool_prev, y.used_next,
                               y.used_prev);
  @/
  void lemma_used_same(pm_obm x, pm_obm y, int p)
  {
    /@ assert split: \forall integer q; 0 <= q < x.maxarenas * NPOOLS ==>
         q == (q / NPOOLS) * NPOOLS + q % NPOOLS
         && 0 <= q % NPOOLS < NPOOLS && 0 <= q / NPOOLS < x.maxarenas; @/
    /@ assert same_listed: \forall integer q;
         listed(y.arenas, y.pools, y.maxarenas, q)
         <==> listed(x.arenas, x.pools, x.maxarenas, q); @/
    /@ assert same_class: \forall integer q;
         listed(x.arenas, x.pools, x.maxarenas, q) ==>
         y.pools[q].szidx == x.pools[q].szidx; @/
    /@ assert same_ulink: \forall integer c, v;
         ulink(y.arenas, y.pools, y.maxarenas, -1, c, v)
         <==> ulink(x.arenas, x.pools, x.maxarenas, -1, c, v); @/
    /@ assert links: \forall integer q;
         listed(y.arenas, y.pools, y.maxarenas, q) ==>
         ulink(y.arenas, y.pools, y.maxarenas, -1, y.pools[q].szidx,
               y.pool_next[q])
         && ulink(y.arenas, y.pools, y.maxarenas, -1, y.pools[q].szidx,
                  y.pool_prev[q])
         && (y.pool_next[q] >= 0 ==> y.pool_prev[y.pool_next[q]] == q)
         && (y.pool_next[q] < 0 ==> y.used_prev[y.pools[q].szidx] == q)
         && (y.pool_prev[q] >= 0 ==> y.pool_next[y.pool_prev[q]] == q)
         && (y.pool_prev[q] < 0 ==> y.used_next[y.pools[q].szidx] == q); @/
  }
*/

/* obm_take_pool: arena A gave pool P, its last cached pool or a newly
 * carved one (P = A * NPOOLS + ncarved): every arena is well formed but
 * for P. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires arenas_ok(x.arenas, x.pools, x.pool_next, x.maxarenas);
     requires 0 <= a < x.maxarenas && x.arenas[a].address != 0;
     requires x.arenas[a].nfreepools > 0;
     requires \forall integer i; 0 <= i < CAP && i != a ==>
                y.arenas[i] == x.arenas[i];
     requires \forall integer q; 0 <= q < CAP * NPOOLS ==>
                y.pool_next[q] == x.pool_next[q];
     requires \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pools[q] == x.pools[q];
     requires y.arenas[a].address == x.arenas[a].address
              && y.arenas[a].first_pool == x.arenas[a].first_pool
              && y.arenas[a].ntotalpools == x.arenas[a].ntotalpools
              && y.arenas[a].nfreepools == x.arenas[a].nfreepools - 1;
     requires \forall integer i; 0 <= i < NPOOLS ==>
                y.arenas[a].fpstack[i] == x.arenas[a].fpstack[i];
     requires (x.arenas[a].nfpcached > 0
               && p == x.arenas[a].fpstack[x.arenas[a].nfpcached - 1]
               && y.arenas[a].nfpcached == x.arenas[a].nfpcached - 1
               && y.arenas[a].freepools == x.pool_next[p]
               && y.arenas[a].ncarved == x.arenas[a].ncarved)
           || (x.arenas[a].nfpcached == 0
               && p == a * NPOOLS + x.arenas[a].ncarved
               && y.arenas[a].nfpcached == 0
               && y.arenas[a].freepools == -1
               && y.arenas[a].ncarved == x.arenas[a].ncarved + 1);
     assigns \nothing;
     ensures arenas_ok_but(y.arenas, y.pools, y.pool_next, y.maxarenas, p);
  @/
  void lemma_take_arenas(pm_obm x, pm_obm y, int a, int p)
  {
    /@ assert a_ok: arena_ok(x.arenas[a], x.pools, x.pool_next, a); @/
    /@ assert p_in: a * NPOOLS <= p < a * NPOOLS + NPOOLS; @/
    /@ loop invariant 0 <= j <= x.maxarenas;
       loop invariant \forall integer i; 0 <= i < j
         && y.arenas[i].address != 0 ==>
         arena_shape(y.arenas[i])
         && arena_fp(y.arenas[i], y.pools, y.pool_next, i)
         && arena_pools_but(y.arenas[i], y.pools, i, p);
       loop assigns j;
       loop variant x.maxarenas - j; @/
    for (int j = 0; j < x.maxarenas; j++) {
      if (x.arenas[j].address != 0) {
        /@ assert ok: arena_ok(x.arenas[j], x.pools, x.pool_next, j); @/
        lemma_pools_q(x, j);
        if (j != a) {
          /@ assert other: y.arenas[j] == x.arenas[j]; @/
          /@ assert fp_out: \forall integer i;
               0 <= i < x.arenas[j].nfpcached ==>
               x.arenas[j].fpstack[i] != p; @/
          /@ assert fp: arena_fp(y.arenas[j], y.pools, y.pool_next, j); @/
          /@ assert pools: arena_pools_but(y.arenas[j], y.pools, j, p); @/
        } else {
          /@ assert shape: arena_shape(y.arenas[a]); @/
          if (x.arenas[a].nfpcached > 0) {
            /@ assert distinct: \forall integer i;
                 0 <= i < x.arenas[a].nfpcached - 1 ==>
                 x.arenas[a].fpstack[i] != p; @/
            /@ assert head: y.arenas[a].freepools
                 == (y.arenas[a].nfpcached > 0
                     ? y.arenas[a].fpstack[y.arenas[a].nfpcached - 1] : -1); @/
            /@ assert elems: \forall integer i;
                 0 <= i < y.arenas[a].nfpcached ==>
                 a * NPOOLS <= y.arenas[a].fpstack[i]
                   < a * NPOOLS + y.arenas[a].ncarved
                 && y.pools[y.arenas[a].fpstack[i]].count == 0
                 && y.pools[y.arenas[a].fpstack[i]].fpos == i; @/
            /@ assert chain: \forall integer i;
                 1 <= i < y.arenas[a].nfpcached ==>
                 y.pool_next[y.arenas[a].fpstack[i]]
                 == y.arenas[a].fpstack[i - 1]; @/
            /@ assert fp: arena_fp(y.arenas[a], y.pools, y.pool_next, a); @/
          } else {
            /@ assert fp: arena_fp(y.arenas[a], y.pools, y.pool_next, a); @/
          }
          /@ assert pools: arena_pools_but(y.arenas[a], y.pools, a, p); @/
        }
      }
    }
  }
*/

/* obm_take_pool: the head arena A has one free pool less (and left
 * usable_arenas if it has none now); nfp2lasta as CPython's
 * allocate_from_new_pool keeps it: usable_arenas is still sorted, its
 * members are the arenas with a free pool, nfp2lasta is right. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires ranks_ok(x.arena_rank, x.arena_next, x.arena_prev,
                       x.maxarenas, x.nusable, x.usable_arenas);
     requires usable_members(x.arenas, x.arena_rank, x.maxarenas);
     requires usable_sorted(x.arenas, x.arena_rank, x.maxarenas);
     requires nfp_ok(x.arenas, x.arena_rank, x.maxarenas, x.nfp2lasta);
     requires ranks_ok(y.arena_rank, y.arena_next, y.arena_prev,
                       y.maxarenas, y.nusable, y.usable_arenas);
     requires a == x.usable_arenas && a != -1;
     requires \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                y.arenas[i].address == x.arenas[i].address
                && y.arenas[i].nfreepools == x.arenas[i].nfreepools;
     requires y.arenas[a].address == x.arenas[a].address
              && y.arenas[a].nfreepools == x.arenas[a].nfreepools - 1;
     requires y.arenas[a].nfreepools > 0 ==>
                \forall integer i; 0 <= i < x.maxarenas ==>
                  y.arena_rank[i] == x.arena_rank[i];
     requires y.arenas[a].nfreepools == 0 ==> y.arena_rank[a] == -1
              && \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                   y.arena_rank[i] == (x.arena_rank[i] > x.arena_rank[a]
                                       ? x.arena_rank[i] - 1
                                       : x.arena_rank[i]);
     requires 0 <= x.arenas[a].nfreepools <= NPOOLS ==>
       y.nfp2lasta[x.arenas[a].nfreepools]
         == (x.nfp2lasta[x.arenas[a].nfreepools] == a
             ? -1 : x.nfp2lasta[x.arenas[a].nfreepools]);
     requires 1 < x.arenas[a].nfreepools <= NPOOLS + 1 ==>
       y.nfp2lasta[x.arenas[a].nfreepools - 1] == a;
     requires \forall integer k; 0 <= k <= NPOOLS
                && k != x.arenas[a].nfreepools
                && !(x.arenas[a].nfreepools > 1
                     && k == x.arenas[a].nfreepools - 1) ==>
                y.nfp2lasta[k] == x.nfp2lasta[k];
     assigns \nothing;
     ensures members: usable_members(y.arenas, y.arena_rank, y.maxarenas);
     ensures sorted: usable_sorted(y.arenas, y.arena_rank, y.maxarenas);
     ensures nfp: nfp_ok(y.arenas, y.arena_rank, y.maxarenas, y.nfp2lasta);
  @/
  void lemma_take_usable(pm_obm x, pm_obm y, int a)
  {
    /@ assert head: 0 <= a < x.maxarenas && x.arena_rank[a] == 0; @/
    /@ assert f_range: 1 <= x.arenas[a].nfreepools <= NPOOLS; @/
    /@ assert others_later: \forall integer i; 0 <= i < x.maxarenas
         && i != a && x.arena_rank[i] >= 0 ==>
         x.arena_rank[i] > 0
         && x.arenas[i].nfreepools >= x.arenas[a].nfreepools; @/
    /@ assert rank_same: \forall integer i; 0 <= i < x.maxarenas
         && i != a ==>
         (y.arena_rank[i] >= 0 <==> x.arena_rank[i] >= 0); @/
    /@ assert rank_order: \forall integer i, j; 0 <= i < x.maxarenas
         && 0 <= j < x.maxarenas && i != a && j != a
         && y.arena_rank[i] >= 0 && y.arena_rank[j] >= 0 ==>
         (y.arena_rank[i] <= y.arena_rank[j]
          <==> x.arena_rank[i] <= x.arena_rank[j]); @/
    /@ assert a_first: \forall integer i; 0 <= i < x.maxarenas
         && i != a && y.arena_rank[i] >= 0 && y.arena_rank[a] >= 0 ==>
         y.arena_rank[a] < y.arena_rank[i]; @/
    /@ assert members: usable_members(y.arenas, y.arena_rank,
                                      y.maxarenas); @/
    /@ assert sorted: usable_sorted(y.arenas, y.arena_rank,
                                    y.maxarenas); @/
    /@ assert nfp_last: \forall integer k; 0 <= k <= NPOOLS ==>
         y.nfp2lasta[k] == -1
         || last_of(y.arenas, y.arena_rank, y.maxarenas, k,
                    y.nfp2lasta[k]); @/
    /@ assert nfp_set: \forall integer i; 0 <= i < y.maxarenas
         && y.arena_rank[i] >= 0 ==>
         0 <= y.arenas[i].nfreepools <= NPOOLS
         && y.nfp2lasta[y.arenas[i].nfreepools] != -1; @/
  }
*/

