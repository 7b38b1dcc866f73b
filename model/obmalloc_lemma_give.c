/* obmalloc_lemma_give.c: lemma functions (ghost code only) for the proof
 * of obm_insert_to_freepool (obmalloc_usable.c), which gives a pool back to
 * its arena's free pools and may move the arena in usable_arenas or
 * release it: the count of an arena's cached pools, and the state after
 * each case, part of the invariant at a time.  Each contract is proved
 * once by Frama-C/WP (proofs/wp/run-wp.sh); the executable build compiles
 * nothing from this file. */
#include "obmalloc_core.h"

/* ----------------------------------------- counting an arena's cache */
/* ncached(ar, pools, lo, k, m): how many pools q in [lo, lo + k) are
 * among the first m entries of ar's cache (fpos < m and fpstack[fpos] ==
 * q).  With it, lemma_fp_room shows the pigeonhole fact behind
 * insert_to_freepool: a carved pool that is not cached leaves room in the
 * cache (nfpcached < ncarved). */
/*@
  logic integer ncached(pm_obm_arena ar, pm_obm_pool pools[PM_PROOF_CAP_POOLS],
                        integer lo, integer k, integer m) =
    k <= 0 ? 0
    : ncached(ar, pools, lo, k - 1, m)
      + ((0 <= pools[lo + k - 1].fpos < m
          && ar.fpstack[pools[lo + k - 1].fpos] == lo + k - 1) ? 1 : 0);
*/

/* One more cache entry (fpstack[m], inside [lo, lo + n)) counts once. */
/*@ ghost
  /@ requires 0 <= a < CAP;
     requires 0 <= m < x.arenas[a].nfpcached <= NPOOLS;
     requires 0 <= n <= NPOOLS;
     requires arena_fp(x.arenas[a], x.pools, x.pool_next, a);
     assigns \nothing;
     ensures ncached(x.arenas[a], x.pools, a * NPOOLS, n, m + 1)
       == ncached(x.arenas[a], x.pools, a * NPOOLS, n, m)
          + (a * NPOOLS <= x.arenas[a].fpstack[m] < a * NPOOLS + n ? 1 : 0);
  @/
  void lemma_ncached_step(pm_obm x, int a, int m, int n)
  {
    /@ loop invariant 0 <= k <= n;
       loop invariant ncached(x.arenas[a], x.pools, a * NPOOLS, k, m + 1)
         == ncached(x.arenas[a], x.pools, a * NPOOLS, k, m)
            + (a * NPOOLS <= x.arenas[a].fpstack[m] < a * NPOOLS + k
               ? 1 : 0);
       loop assigns k;
       loop variant n - k; @/
    for (int k = 0; k < n; k++) {
      /@ assert at: x.pools[x.arenas[a].fpstack[m]].fpos == m; @/
      int q = a * PM_OBM_MAX_POOLS + k;
      if (x.arenas[a].fpstack[m] == q) {
        /@ assert hit: x.pools[q].fpos == m
             && x.arenas[a].fpstack[x.pools[q].fpos] == q; @/
      } else {
        /@ assert miss: (0 <= x.pools[q].fpos < m + 1
             && x.arenas[a].fpstack[x.pools[q].fpos] == q)
           <==> (0 <= x.pools[q].fpos < m
                 && x.arenas[a].fpstack[x.pools[q].fpos] == q); @/
      }
      /@ assert st: ((0 <= x.pools[a * NPOOLS + k].fpos < m + 1
             && x.arenas[a].fpstack[x.pools[a * NPOOLS + k].fpos]
                == a * NPOOLS + k) ? 1 : 0)
           == ((0 <= x.pools[a * NPOOLS + k].fpos < m
                && x.arenas[a].fpstack[x.pools[a * NPOOLS + k].fpos]
                   == a * NPOOLS + k) ? 1 : 0)
              + (x.arenas[a].fpstack[m] == a * NPOOLS + k ? 1 : 0); @/
      /@ assert unfold1: ncached(x.arenas[a], x.pools, a * NPOOLS, k + 1,
                                 m + 1)
           == ncached(x.arenas[a], x.pools, a * NPOOLS, k, m + 1)
              + ((0 <= x.pools[a * NPOOLS + k].fpos < m + 1
                  && x.arenas[a].fpstack[x.pools[a * NPOOLS + k].fpos]
                     == a * NPOOLS + k) ? 1 : 0); @/
      /@ assert unfold0: ncached(x.arenas[a], x.pools, a * NPOOLS, k + 1, m)
           == ncached(x.arenas[a], x.pools, a * NPOOLS, k, m)
              + ((0 <= x.pools[a * NPOOLS + k].fpos < m
                  && x.arenas[a].fpstack[x.pools[a * NPOOLS + k].fpos]
                     == a * NPOOLS + k) ? 1 : 0); @/
    }
  }
*/

/* Pool P of arena A is carved and not cached: the cache has room. */
/*@ ghost
  /@ requires 0 <= a < CAP;
     requires arena_shape(x.arenas[a]);
     requires arena_fp(x.arenas[a], x.pools, x.pool_next, a);
     requires a * NPOOLS <= p < a * NPOOLS + x.arenas[a].ncarved;
     requires \forall integer i; 0 <= i < x.arenas[a].nfpcached ==>
                x.arenas[a].fpstack[i] != p;
     assigns \nothing;
     ensures x.arenas[a].nfpcached < x.arenas[a].ncarved;
  @/
  void lemma_fp_room(pm_obm x, int a, int p)
  {
    /@ assert nc: 0 <= x.arenas[a].ncarved <= NPOOLS; @/
    /@ loop invariant 0 <= k <= x.arenas[a].ncarved;
       loop invariant ncached(x.arenas[a], x.pools, a * NPOOLS, k, 0) == 0;
       loop assigns k;
       loop variant x.arenas[a].ncarved - k; @/
    for (int k = 0; k < x.arenas[a].ncarved; k++) {
    }
    /@ loop invariant 0 <= m <= x.arenas[a].nfpcached;
       loop invariant ncached(x.arenas[a], x.pools, a * NPOOLS,
                              x.arenas[a].ncarved, m) == m;
       loop assigns m;
       loop variant x.arenas[a].nfpcached - m; @/
    for (int m = 0; m < x.arenas[a].nfpcached; m++) {
      lemma_ncached_step(x, a, m, x.arenas[a].ncarved);
    }
    /@ loop invariant 0 <= k <= x.arenas[a].ncarved;
       loop invariant ncached(x.arenas[a], x.pools, a * NPOOLS, k,
                              x.arenas[a].nfpcached)
         <= k - (a * NPOOLS <= p < a * NPOOLS + k ? 1 : 0);
       loop assigns k;
       loop variant x.arenas[a].ncarved - k; @/
    for (int k = 0; k < x.arenas[a].ncarved; k++) {
    }
  }
*/

/* Pool P, in hand on its used list, is not in the cache of arena A: the
 * link after a cached pool is -1 or another cached (empty) pool. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires 0 <= a < CAP && 0 <= p < x.maxarenas * NPOOLS;
     requires arena_fp(x.arenas[a], x.pools, x.pool_next, a);
     requires 0 <= x.pools[p].szidx;
     requires used_links(x.arenas, x.pools, x.maxarenas, p, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     assigns \nothing;
     ensures \forall integer i; 0 <= i < x.arenas[a].nfpcached ==>
       x.arenas[a].fpstack[i] != p;
  @/
  void lemma_not_cached(pm_obm x, int a, int p)
  {
    /@ assert p_link: ulink(x.arenas, x.pools, x.maxarenas, p,
                            x.pools[p].szidx, x.pool_next[p]); @/
    /@ assert p_next: x.pool_next[p] == p || x.pool_next[p] <= -2
         || (0 <= x.pool_next[p] && x.pools[x.pool_next[p]].count > 0); @/
  }
*/

/* Arena A has all its carved pools cached: none is in use. */
/*@ ghost
  /@ requires 0 <= a < CAP;
     requires arena_shape(x.arenas[a]);
     requires arena_fp(x.arenas[a], x.pools, x.pool_next, a);
     requires x.arenas[a].nfpcached == x.arenas[a].ncarved;
     assigns \nothing;
     ensures \forall integer q; a * NPOOLS <= q
       < a * NPOOLS + x.arenas[a].ncarved ==> x.pools[q].count == 0;
  @/
  void lemma_all_cached(pm_obm x, int a)
  {
    /@ loop invariant 0 <= k <= x.arenas[a].ncarved;
       loop invariant \forall integer q; a * NPOOLS <= q < a * NPOOLS + k
         ==> x.pools[q].count == 0;
       loop assigns k;
       loop variant x.arenas[a].ncarved - k; @/
    for (int k = 0; k < x.arenas[a].ncarved; k++) {
      int q = a * PM_OBM_MAX_POOLS + k;
      if (x.pools[q].count != 0) {
        /@ assert out: \forall integer i; 0 <= i < x.arenas[a].nfpcached
             ==> x.arenas[a].fpstack[i] != q; @/
        lemma_fp_room(x, a, q);
      }
    }
  }
*/

/* A pool's place in its arena's cache (fpos) is no part of pool_ok. */
/*@ ghost
  /@ requires pool_ok(v);
     assigns \nothing;
     ensures pool_ok({v \with .fpos = f});
  @/
  void lemma_pool_fpos(pm_obm_pool v, int f)
  {
  }
*/

/* arena_pools, stated over the pool's index in the table (q = A * NPOOLS
 * + k, arena_pools_but with no pool in hand), back to the pool's number k
 * in the arena: the converse of lemma_pools_q (obmalloc_lemma.c). */
/*@ ghost
  /@ requires 0 <= a < CAP;
     requires 0 <= x.arenas[a].ncarved <= NPOOLS;
     requires arena_pools_but(x.arenas[a], x.pools, a, -1);
     assigns \nothing;
     ensures arena_pools(x.arenas[a], x.pools, a);
  @/
  void lemma_pools_k(pm_obm x, int a)
  {
    /@ loop invariant 0 <= k <= x.arenas[a].ncarved;
       loop invariant \forall integer i; 0 <= i < k ==>
         pool_ok(x.pools[a * NPOOLS + i])
         && (x.pools[a * NPOOLS + i].count == 0 ==>
               0 <= x.pools[a * NPOOLS + i].fpos < x.arenas[a].nfpcached
               && x.arenas[a].fpstack[x.pools[a * NPOOLS + i].fpos]
                  == a * NPOOLS + i);
       loop assigns k;
       loop variant x.arenas[a].ncarved - k; @/
    for (int k = 0; k < x.arenas[a].ncarved; k++) {
      /@ assert at: pool_ok(x.pools[a * NPOOLS + k])
           && (x.pools[a * NPOOLS + k].count == 0 ==>
                 0 <= x.pools[a * NPOOLS + k].fpos < x.arenas[a].nfpcached
                 && x.arenas[a].fpstack[x.pools[a * NPOOLS + k].fpos]
                    == a * NPOOLS + k); @/
    }
  }
*/

/* obm_insert_to_freepool: empty pool P of arena A, carved and not cached,
 * goes on top of A's cache (fpos, pool_next[P], fpstack, nfpcached,
 * freepools, nfreepools): every arena is well formed. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires arenas_ok_but(x.arenas, x.pools, x.pool_next, x.maxarenas, p);
     requires 0 <= a < x.maxarenas && x.arenas[a].address != 0;
     requires a * NPOOLS <= p < a * NPOOLS + x.arenas[a].ncarved;
     requires pool_ok(x.pools[p]) && x.pools[p].count == 0;
     requires \forall integer i; 0 <= i < x.arenas[a].nfpcached ==>
                x.arenas[a].fpstack[i] != p;
     requires \forall integer i; 0 <= i < CAP && i != a ==>
                y.arenas[i] == x.arenas[i];
     requires \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pools[q] == x.pools[q];
     requires pool_ok(y.pools[p]) && y.pools[p].count == 0
              && y.pools[p].fpos == x.arenas[a].nfpcached;
     requires \forall integer q; 0 <= q < CAP * NPOOLS && q != p
                && x.pools[q].count == 0 ==>
                y.pool_next[q] == x.pool_next[q];
     requires y.pool_next[p] == x.arenas[a].freepools;
     requires y.arenas[a].address == x.arenas[a].address
              && y.arenas[a].first_pool == x.arenas[a].first_pool
              && y.arenas[a].ntotalpools == x.arenas[a].ntotalpools
              && y.arenas[a].ncarved == x.arenas[a].ncarved
              && y.arenas[a].nfpcached == x.arenas[a].nfpcached + 1
              && y.arenas[a].nfreepools == x.arenas[a].nfreepools + 1
              && y.arenas[a].freepools == p;
     requires \forall integer i; 0 <= i < NPOOLS
                && i != x.arenas[a].nfpcached ==>
                y.arenas[a].fpstack[i] == x.arenas[a].fpstack[i];
     requires y.arenas[a].fpstack[x.arenas[a].nfpcached] == p;
     assigns \nothing;
     ensures arenas_ok(y.arenas, y.pools, y.pool_next, y.maxarenas);
  @/
  void lemma_give_arenas(pm_obm x, pm_obm y, int a, int p)
  {
    /@ assert a_but: arena_shape(x.arenas[a])
         && arena_fp(x.arenas[a], x.pools, x.pool_next, a)
         && arena_pools_but(x.arenas[a], x.pools, a, p); @/
    lemma_fp_room(x, a, p);
    /@ assert p_ok: pool_ok(y.pools[p]) && y.pools[p].count == 0; @/
    /@ loop invariant 0 <= j <= x.maxarenas;
       loop invariant \forall integer i; 0 <= i < j
         && y.arenas[i].address != 0 ==>
         arena_ok(y.arenas[i], y.pools, y.pool_next, i);
       loop assigns j;
       loop variant x.maxarenas - j; @/
    for (int j = 0; j < x.maxarenas; j++) {
      if (x.arenas[j].address != 0) {
        /@ assert but: arena_shape(x.arenas[j])
             && arena_fp(x.arenas[j], x.pools, x.pool_next, j)
             && arena_pools_but(x.arenas[j], x.pools, j, p); @/
        if (j != a) {
          /@ assert other: y.arenas[j] == x.arenas[j]; @/
          /@ assert fp_out: \forall integer i;
               0 <= i < x.arenas[j].nfpcached ==>
               x.arenas[j].fpstack[i] != p
               && x.pools[x.arenas[j].fpstack[i]].count == 0; @/
          /@ assert fp: arena_fp(y.arenas[j], y.pools, y.pool_next, j); @/
          /@ assert pools_q: \forall integer k;
               0 <= k < y.arenas[j].ncarved ==>
               j * NPOOLS + k != p
               && pool_ok(y.pools[j * NPOOLS + k])
               && (y.pools[j * NPOOLS + k].count == 0 ==>
                     0 <= y.pools[j * NPOOLS + k].fpos
                        < y.arenas[j].nfpcached
                     && y.arenas[j].fpstack[y.pools[j * NPOOLS + k].fpos]
                        == j * NPOOLS + k); @/
          /@ assert pools: arena_pools(y.arenas[j], y.pools, j); @/
        } else {
          /@ assert shape: arena_shape(y.arenas[a]); @/
          /@ assert head: y.arenas[a].freepools
               == y.arenas[a].fpstack[y.arenas[a].nfpcached - 1]; @/
          /@ assert elems: \forall integer i;
               0 <= i < y.arenas[a].nfpcached ==>
               a * NPOOLS <= y.arenas[a].fpstack[i]
                 < a * NPOOLS + y.arenas[a].ncarved
               && y.pools[y.arenas[a].fpstack[i]].count == 0
               && y.pools[y.arenas[a].fpstack[i]].fpos == i; @/
          /@ assert x_chain: \forall integer i;
               1 <= i < x.arenas[a].nfpcached ==>
               x.pool_next[x.arenas[a].fpstack[i]]
               == x.arenas[a].fpstack[i - 1]
               && x.arenas[a].fpstack[i] != p
               && x.pools[x.arenas[a].fpstack[i]].count == 0; @/
          /@ assert chain_old: \forall integer i;
               1 <= i < x.arenas[a].nfpcached ==>
               y.pool_next[y.arenas[a].fpstack[i]]
               == y.arenas[a].fpstack[i - 1]; @/
          /@ assert chain_top: x.arenas[a].nfpcached >= 1 ==>
               y.pool_next[y.arenas[a].fpstack[x.arenas[a].nfpcached]]
               == y.arenas[a].fpstack[x.arenas[a].nfpcached - 1]; @/
          /@ assert chain: \forall integer i;
               1 <= i < y.arenas[a].nfpcached ==>
               y.pool_next[y.arenas[a].fpstack[i]]
               == y.arenas[a].fpstack[i - 1]; @/
          /@ assert bottom: y.pool_next[y.arenas[a].fpstack[0]] == -1; @/
          /@ assert fp: arena_fp(y.arenas[a], y.pools, y.pool_next, a); @/
          /@ assert pools_o: \forall integer q; a * NPOOLS <= q
               < a * NPOOLS + y.arenas[a].ncarved && q != p ==>
               pool_ok(y.pools[q])
               && (y.pools[q].count == 0 ==>
                     0 <= y.pools[q].fpos < y.arenas[a].nfpcached
                     && y.arenas[a].fpstack[y.pools[q].fpos] == q); @/
          /@ assert p_cached: 0 <= y.pools[p].fpos < y.arenas[a].nfpcached
               && y.arenas[a].fpstack[y.pools[p].fpos] == p; @/
          /@ assert but_y: arena_pools_but(y.arenas[a], y.pools, a, -1); @/
          lemma_pools_k(y, a);
          /@ assert pools: arena_pools(y.arenas[a], y.pools, a); @/
        }
      }
    }
  }
*/

/* obm_insert_to_freepool: X is the state after P left its used list; in
 * Y, pool_next[P] changed (the cache), the other pool links and the heads
 * did not, no pool changed but P (empty), and each arena kept its address
 * and carved pools or was released with no pool in use: the used lists
 * are well formed in Y. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires 0 <= p < x.maxarenas * NPOOLS;
     requires used_heads(x.arenas, x.pools, x.maxarenas, -1, x.pool_next,
                         y.pool_prev, y.used_next, y.used_prev);
     requires used_links(x.arenas, x.pools, x.maxarenas, -1, -1, x.pool_next,
                         y.pool_prev, y.used_next, y.used_prev);
     requires \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pool_next[q] == x.pool_next[q];
     requires \forall integer i; 0 <= i < x.maxarenas ==>
                (y.arenas[i].address == x.arenas[i].address
                 && y.arenas[i].ncarved == x.arenas[i].ncarved)
                || (y.arenas[i].address == 0
                    && \forall integer q; i * NPOOLS <= q
                         < i * NPOOLS + x.arenas[i].ncarved ==>
                         x.pools[q].count == 0);
     requires \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pools[q].count == x.pools[q].count
                && y.pools[q].freeblock == x.pools[q].freeblock
                && y.pools[q].szidx == x.pools[q].szidx;
     requires y.pools[p].count == 0 && x.pools[p].count == 0;
     requires \forall integer q; listed(x.arenas, x.pools, x.maxarenas, q)
                && q != p ==> 0 <= x.pools[q].szidx;
     assigns \nothing;
     ensures heads: used_heads(y.arenas, y.pools, y.maxarenas, -1,
                               y.pool_next, y.pool_prev, y.used_next,
                               y.used_prev);
     ensures links: used_links(y.arenas, y.pools, y.maxarenas, -1, -1,
                               y.pool_next, y.pool_prev, y.used_next,
                               y.used_prev);
  @/
  void lemma_used_give(pm_obm x, pm_obm y, int p)
  {
    /@ assert split: \forall integer q; 0 <= q < x.maxarenas * NPOOLS ==>
         q == (q / NPOOLS) * NPOOLS + q % NPOOLS
         && 0 <= q % NPOOLS < NPOOLS && 0 <= q / NPOOLS < x.maxarenas; @/
    /@ assert same_listed: \forall integer q;
         listed(y.arenas, y.pools, y.maxarenas, q)
         <==> listed(x.arenas, x.pools, x.maxarenas, q); @/
    /@ assert not_p: !listed(x.arenas, x.pools, x.maxarenas, p); @/
    /@ assert same_ulink: \forall integer c, v;
         ulink(y.arenas, y.pools, y.maxarenas, -1, c, v)
         <==> ulink(x.arenas, x.pools, x.maxarenas, -1, c, v); @/
    /@ assert hdr: \forall integer q;
         listed(x.arenas, x.pools, x.maxarenas, q) ==>
         HDR(x.pools[q].szidx) < 0; @/
    /@ assert links: \forall integer q;
         listed(y.arenas, y.pools, y.maxarenas, q) ==>
         q != p && y.pool_next[q] == x.pool_next[q]
         && (y.pool_prev[q] >= 0 ==> y.pool_prev[q] != p)
         && (x.pool_next[q] >= 0 ==> x.pool_next[q] != p); @/
  }
*/

/* The pools on the used lists (the partly used ones) are well formed, but
 * for P: their class is a class. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires arenas_ok_but(x.arenas, x.pools, x.pool_next, x.maxarenas, p);
     assigns \nothing;
     ensures \forall integer q; listed(x.arenas, x.pools, x.maxarenas, q)
       && q != p ==> 0 <= x.pools[q].szidx < NCLS;
  @/
  void lemma_listed_class(pm_obm x, int p)
  {
    /@ assert split: \forall integer q; 0 <= q < x.maxarenas * NPOOLS ==>
         q == (q / NPOOLS) * NPOOLS + q % NPOOLS
         && 0 <= q % NPOOLS < NPOOLS && 0 <= q / NPOOLS < x.maxarenas; @/
    /@ assert in_arena: \forall integer q;
         listed(x.arenas, x.pools, x.maxarenas, q) ==>
         (q / NPOOLS) * NPOOLS <= q
           < (q / NPOOLS) * NPOOLS + x.arenas[q / NPOOLS].ncarved
         && x.arenas[q / NPOOLS].address != 0; @/
  }
*/

/* ------------------------------------- insert_to_freepool's arena moves */
/* X is the state at the entry of obm_insert_to_freepool, Y the state at
 * its end; arena A has F = X's nfreepools free pools, and one more in Y.
 * One lemma per case of CPython's insert_to_freepool. */

/* Where arena A stands in nfp2lasta: only at its own count, if usable
 * (then it is the last with that count or comes before the last one);
 * nfp2lasta[0] is empty. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires ranks_ok(x.arena_rank, x.arena_next, x.arena_prev,
                       x.maxarenas, x.nusable, x.usable_arenas);
     requires usable_members(x.arenas, x.arena_rank, x.maxarenas);
     requires nfp_ok(x.arenas, x.arena_rank, x.maxarenas, x.nfp2lasta);
     requires 0 <= a < x.maxarenas && x.arenas[a].address != 0;
     assigns \nothing;
     ensures zero: x.nfp2lasta[0] == -1;
     ensures nfp_a: \forall integer k; 0 <= k <= NPOOLS
       && x.nfp2lasta[k] == a ==>
       k == x.arenas[a].nfreepools && x.arena_rank[a] >= 0;
     ensures range: x.arenas[a].nfreepools > 0 ==>
       x.arenas[a].nfreepools <= NPOOLS && x.arena_rank[a] >= 0;
     ensures last: x.arenas[a].nfreepools > 0 ==>
       0 <= x.nfp2lasta[x.arenas[a].nfreepools] < x.maxarenas
       && (x.nfp2lasta[x.arenas[a].nfreepools] != a ==>
           0 <= x.arena_rank[a]
             < x.arena_rank[x.nfp2lasta[x.arenas[a].nfreepools]]);
  @/
  void lemma_last_after(pm_obm x, int a)
  {
  }
*/

/* Arena A was released: the others are still well formed. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires arenas_ok(x.arenas, y.pools, y.pool_next, x.maxarenas);
     requires 0 <= a < x.maxarenas && y.arenas[a].address == 0;
     requires \forall integer i; 0 <= i < CAP && i != a ==>
                y.arenas[i] == x.arenas[i];
     assigns \nothing;
     ensures arenas_ok(y.arenas, y.pools, y.pool_next, y.maxarenas);
  @/
  void lemma_arenas_drop(pm_obm x, pm_obm y, int a)
  {
  }
*/

/* Case 1: A, now wholly free and not last, was released. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires ranks_ok(x.arena_rank, x.arena_next, x.arena_prev,
                       x.maxarenas, x.nusable, x.usable_arenas);
     requires usable_members(x.arenas, x.arena_rank, x.maxarenas);
     requires usable_sorted(x.arenas, x.arena_rank, x.maxarenas);
     requires nfp_ok(x.arenas, x.arena_rank, x.maxarenas, x.nfp2lasta);
     requires ranks_ok(y.arena_rank, y.arena_next, y.arena_prev,
                       y.maxarenas, y.nusable, y.usable_arenas);
     requires 0 <= a < x.maxarenas && x.arenas[a].address != 0
              && 0 < x.arenas[a].nfreepools < NPOOLS;
     requires \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                y.arenas[i].address == x.arenas[i].address
                && y.arenas[i].nfreepools == x.arenas[i].nfreepools;
     requires y.arenas[a].address == 0 && y.arena_rank[a] == -1;
     requires \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                y.arena_rank[i] == (x.arena_rank[i] > x.arena_rank[a]
                                    ? x.arena_rank[i] - 1 : x.arena_rank[i]);
     requires nfp_old: y.nfp2lasta[x.arenas[a].nfreepools]
       == (x.nfp2lasta[x.arenas[a].nfreepools] == a
           ? (x.arena_prev[a] != -1
              && x.arenas[x.arena_prev[a]].nfreepools
                 == x.arenas[a].nfreepools
              ? x.arena_prev[a] : -1)
           : x.nfp2lasta[x.arenas[a].nfreepools]);
     requires \forall integer k; 0 <= k <= NPOOLS
                && k != x.arenas[a].nfreepools ==>
                y.nfp2lasta[k] == x.nfp2lasta[k];
     assigns \nothing;
     ensures members: usable_members(y.arenas, y.arena_rank, y.maxarenas);
     ensures sorted: usable_sorted(y.arenas, y.arena_rank, y.maxarenas);
     ensures nfp: nfp_ok(y.arenas, y.arena_rank, y.maxarenas, y.nfp2lasta);
  @/
  void lemma_give_release(pm_obm x, pm_obm y, int a)
  {
    lemma_last_after(x, a);
    /@ assert rank_same: \forall integer i; 0 <= i < x.maxarenas
         && i != a ==>
         (y.arena_rank[i] >= 0 <==> x.arena_rank[i] >= 0); @/
    /@ assert rank_order: \forall integer i, j; 0 <= i < x.maxarenas
         && 0 <= j < x.maxarenas && i != a && j != a
         && y.arena_rank[i] >= 0 && y.arena_rank[j] >= 0 ==>
         (y.arena_rank[i] <= y.arena_rank[j]
          <==> x.arena_rank[i] <= x.arena_rank[j])
         && (y.arena_rank[i] < y.arena_rank[j]
             <==> x.arena_rank[i] < x.arena_rank[j]); @/
    /@ assert prev: x.arena_prev[a] != -1 ==>
         0 <= x.arena_prev[a] < x.maxarenas && x.arena_prev[a] != a
         && x.arena_rank[x.arena_prev[a]] == x.arena_rank[a] - 1
         && x.arenas[x.arena_prev[a]].nfreepools
            <= x.arenas[a].nfreepools; @/
    /@ assert before: \forall integer i; 0 <= i < x.maxarenas && i != a
         && x.arena_rank[i] >= 0 && x.arena_rank[i] < x.arena_rank[a]
         && x.arena_prev[a] != -1 ==>
         x.arena_rank[i] <= x.arena_rank[x.arena_prev[a]]; @/
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

/* Case 2: A had no free pool, so it was not usable; it is now the head. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires ranks_ok(x.arena_rank, x.arena_next, x.arena_prev,
                       x.maxarenas, x.nusable, x.usable_arenas);
     requires usable_members(x.arenas, x.arena_rank, x.maxarenas);
     requires usable_sorted(x.arenas, x.arena_rank, x.maxarenas);
     requires nfp_ok(x.arenas, x.arena_rank, x.maxarenas, x.nfp2lasta);
     requires ranks_ok(y.arena_rank, y.arena_next, y.arena_prev,
                       y.maxarenas, y.nusable, y.usable_arenas);
     requires 0 <= a < x.maxarenas && x.arenas[a].address != 0
              && x.arenas[a].nfreepools == 0;
     requires \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                y.arenas[i].address == x.arenas[i].address
                && y.arenas[i].nfreepools == x.arenas[i].nfreepools;
     requires y.arenas[a].address == x.arenas[a].address
              && y.arenas[a].nfreepools == 1;
     requires y.arena_rank[a] == 0;
     requires \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                y.arena_rank[i] == (x.arena_rank[i] >= 0
                                    ? x.arena_rank[i] + 1 : -1);
     requires y.nfp2lasta[1] == (x.nfp2lasta[1] == -1 ? a : x.nfp2lasta[1]);
     requires \forall integer k; 0 <= k <= NPOOLS && k != 1 ==>
                y.nfp2lasta[k] == x.nfp2lasta[k];
     assigns \nothing;
     ensures members: usable_members(y.arenas, y.arena_rank, y.maxarenas);
     ensures sorted: usable_sorted(y.arenas, y.arena_rank, y.maxarenas);
     ensures nfp: nfp_ok(y.arenas, y.arena_rank, y.maxarenas, y.nfp2lasta);
  @/
  void lemma_give_head(pm_obm x, pm_obm y, int a)
  {
    /@ assert out: x.arena_rank[a] == -1; @/
    /@ assert others_pos: \forall integer i; 0 <= i < x.maxarenas
         && x.arena_rank[i] >= 0 ==> x.arenas[i].nfreepools >= 1; @/
    /@ assert none_one: x.nfp2lasta[1] == -1 ==>
         \forall integer i; 0 <= i < x.maxarenas && x.arena_rank[i] >= 0
         ==> x.arenas[i].nfreepools > 1; @/
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

/* Cases 3 and 4: A, usable with F free pools, now has F + 1 and moved
 * right after L (the last with F) when it was not L itself (L == A: it
 * stays, all ranks the same). */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires ranks_ok(x.arena_rank, x.arena_next, x.arena_prev,
                       x.maxarenas, x.nusable, x.usable_arenas);
     requires usable_members(x.arenas, x.arena_rank, x.maxarenas);
     requires usable_sorted(x.arenas, x.arena_rank, x.maxarenas);
     requires nfp_ok(x.arenas, x.arena_rank, x.maxarenas, x.nfp2lasta);
     requires ranks_ok(y.arena_rank, y.arena_next, y.arena_prev,
                       y.maxarenas, y.nusable, y.usable_arenas);
     requires 0 <= a < x.maxarenas && x.arenas[a].address != 0
              && 0 < x.arenas[a].nfreepools < NPOOLS;
     requires l == x.nfp2lasta[x.arenas[a].nfreepools];
     requires \forall integer i; 0 <= i < x.maxarenas && i != a ==>
                y.arenas[i].address == x.arenas[i].address
                && y.arenas[i].nfreepools == x.arenas[i].nfreepools;
     requires y.arenas[a].address == x.arenas[a].address
              && y.arenas[a].nfreepools == x.arenas[a].nfreepools + 1;
     requires l == a ==> \forall integer i; 0 <= i < x.maxarenas ==>
                y.arena_rank[i] == x.arena_rank[i];
     requires l != a ==> 0 <= l < x.maxarenas
       && y.arena_rank[a] == x.arena_rank[l]
       && \forall integer i; 0 <= i < x.maxarenas && i != a ==>
            y.arena_rank[i] == (x.arena_rank[a] < x.arena_rank[i]
                                <= x.arena_rank[l]
                                ? x.arena_rank[i] - 1 : x.arena_rank[i]);
     requires nfp_old: y.nfp2lasta[x.arenas[a].nfreepools]
       == (l == a
           ? (x.arena_prev[a] != -1
              && x.arenas[x.arena_prev[a]].nfreepools
                 == x.arenas[a].nfreepools
              ? x.arena_prev[a] : -1)
           : l);
     requires nfp_new: y.nfp2lasta[x.arenas[a].nfreepools + 1]
       == (x.nfp2lasta[x.arenas[a].nfreepools + 1] == -1
           ? a : x.nfp2lasta[x.arenas[a].nfreepools + 1]);
     requires nfp_other: \forall integer k; 0 <= k <= NPOOLS
                && k != x.arenas[a].nfreepools
                && k != x.arenas[a].nfreepools + 1 ==>
                y.nfp2lasta[k] == x.nfp2lasta[k];
     assigns \nothing;
     ensures members: usable_members(y.arenas, y.arena_rank, y.maxarenas);
     ensures sorted: usable_sorted(y.arenas, y.arena_rank, y.maxarenas);
     ensures nfp: nfp_ok(y.arenas, y.arena_rank, y.maxarenas, y.nfp2lasta);
  @/
  void lemma_give_more(pm_obm x, pm_obm y, int a, int l)
  {
    lemma_last_after(x, a);
    /@ assert l_last: last_of(x.arenas, x.arena_rank, x.maxarenas,
                              x.arenas[a].nfreepools, l); @/
    /@ assert after_l: \forall integer i; 0 <= i < x.maxarenas
         && x.arena_rank[i] > x.arena_rank[l] ==>
         x.arenas[i].nfreepools > x.arenas[a].nfreepools; @/
    /@ assert none_next: x.nfp2lasta[x.arenas[a].nfreepools + 1] == -1 ==>
         \forall integer i; 0 <= i < x.maxarenas && x.arena_rank[i] >= 0
         ==> x.arenas[i].nfreepools != x.arenas[a].nfreepools + 1; @/
    /@ assert rank_same: \forall integer i; 0 <= i < x.maxarenas ==>
         (y.arena_rank[i] >= 0 <==> x.arena_rank[i] >= 0); @/
    /@ assert prev: l == a && x.arena_prev[a] != -1 ==>
         0 <= x.arena_prev[a] < x.maxarenas && x.arena_prev[a] != a
         && x.arena_rank[x.arena_prev[a]] == x.arena_rank[a] - 1
         && x.arenas[x.arena_prev[a]].nfreepools
            <= x.arenas[a].nfreepools; @/
    /@ assert members: usable_members(y.arenas, y.arena_rank,
                                      y.maxarenas); @/
    /@ assert sorted: usable_sorted(y.arenas, y.arena_rank,
                                    y.maxarenas); @/
    if (l == a) {
      /@ assert same: \forall integer i; 0 <= i < x.maxarenas ==>
           y.arena_rank[i] == x.arena_rank[i]; @/
      /@ assert nfp_f: y.nfp2lasta[x.arenas[a].nfreepools] == -1
           || last_of(y.arenas, y.arena_rank, y.maxarenas, x.arenas[a].nfreepools,
                      y.nfp2lasta[x.arenas[a].nfreepools]); @/
      /@ assert nfp_f1: y.nfp2lasta[x.arenas[a].nfreepools + 1] == -1
           || last_of(y.arenas, y.arena_rank, y.maxarenas, x.arenas[a].nfreepools + 1,
                      y.nfp2lasta[x.arenas[a].nfreepools + 1]); @/
    } else {
      /@ assert l_ok: 0 <= l < x.maxarenas && l != a
           && 0 <= x.arena_rank[a] < x.arena_rank[l]; @/
      /@ assert order: \forall integer i, j; 0 <= i < x.maxarenas
           && 0 <= j < x.maxarenas && i != a && j != a
           && x.arena_rank[i] >= 0 && x.arena_rank[j] >= 0 ==>
           (y.arena_rank[i] < y.arena_rank[j]
            <==> x.arena_rank[i] < x.arena_rank[j]); @/
      /@ assert a_pos: \forall integer i; 0 <= i < x.maxarenas && i != a
           && x.arena_rank[i] >= 0 ==>
           (y.arena_rank[i] > y.arena_rank[a]
            <==> x.arena_rank[i] > x.arena_rank[l]); @/
      /@ assert l_pos: y.arena_rank[l] >= 0
           && y.arena_rank[l] < y.arena_rank[a]; @/
      /@ assert nfp_f: y.nfp2lasta[x.arenas[a].nfreepools] == -1
           || last_of(y.arenas, y.arena_rank, y.maxarenas, x.arenas[a].nfreepools,
                      y.nfp2lasta[x.arenas[a].nfreepools]); @/
      /@ assert nfp_f1: y.nfp2lasta[x.arenas[a].nfreepools + 1] == -1
           || last_of(y.arenas, y.arena_rank, y.maxarenas, x.arenas[a].nfreepools + 1,
                      y.nfp2lasta[x.arenas[a].nfreepools + 1]); @/
      /@ assert nfp_k: \forall integer k; 0 <= k <= NPOOLS
           && k != x.arenas[a].nfreepools && k != x.arenas[a].nfreepools + 1 ==>
           y.nfp2lasta[k] == -1
           || last_of(y.arenas, y.arena_rank, y.maxarenas, k,
                      y.nfp2lasta[k]); @/
    }
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
