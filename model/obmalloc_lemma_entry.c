/* obmalloc_lemma_entry.c: lemma functions (ghost code only) for the proofs
 * of the entry points (obmalloc_entry.c: allocate_from_new_pool,
 * pm_obm_alloc_small).  As in obmalloc_lemma.c, each contract is proved
 * once by Frama-C/WP (proofs/wp/run-wp.sh); the executable build compiles
 * nothing from this file.
 *
 * The lemmas of obmalloc_lemma.c state the invariant over the pool table
 * {X.pools \with [P] = V}.  After a call whose assigns clause writes a
 * range of a pool's cells (obm_pool_init: bstate[0 .. 1]), WP does not
 * write the caller's pool table in that form but as a table Y.pools equal
 * to it at every index but P, and the solvers do not carry the invariant
 * from one to the other inside the caller's large goals.  The lemmas below
 * do it, one part of the invariant at a time. */
#include "obmalloc_core.h"

/* The pool spelled out (POOL_OK, as the callees state it) is pool_ok. */
/*@ ghost
  /@ requires POOL_OK(v);
     assigns \nothing;
     ensures pool_ok(v);
  @/
  void lemma_pool_ok(pm_obm_pool v)
  {
  }
*/

/*@ ghost void lemma_pools_k(pm_obm x, int a); */

/* lemma_arenas_restore (obmalloc_lemma.c) over Y's pools: pool P, in
 * hand in X and not cached, is well formed and in use in Y, whose pools
 * are X's at every other index and whose arenas are X's: every arena is
 * well formed. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires 0 <= p < CAP * NPOOLS;
     requires but: arenas_ok_but(x.arenas, x.pools, x.pool_next,
                                 x.maxarenas, p);
     requires not_cached: \forall integer a, i; 0 <= a < x.maxarenas
                && x.arenas[a].address != 0
                && 0 <= i < x.arenas[a].nfpcached ==>
                x.arenas[a].fpstack[i] != p;
     requires p_ok: pool_ok(y.pools[p]) && y.pools[p].count > 0;
     requires same: \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pools[q] == x.pools[q];
     requires same_arenas: \forall integer i; 0 <= i < CAP ==>
                y.arenas[i] == x.arenas[i];
     assigns \nothing;
     ensures arenas_ok(x.arenas, y.pools, x.pool_next, x.maxarenas);
  @/
  void lemma_ok_ext(pm_obm x, pm_obm y, int p)
  {
    /@ loop invariant 0 <= a <= x.maxarenas;
       loop invariant \forall integer j; 0 <= j < a
         && x.arenas[j].address != 0 ==>
         arena_ok(x.arenas[j], y.pools, x.pool_next, j);
       loop assigns a;
       loop variant x.maxarenas - a; @/
    for (int a = 0; a < x.maxarenas; a++) {
      if (x.arenas[a].address != 0) {
        /@ assert shape: arena_shape(x.arenas[a])
             && y.arenas[a] == x.arenas[a]; @/
        /@ assert range: 0 <= a * NPOOLS
             && a * NPOOLS + x.arenas[a].ncarved <= CAP * NPOOLS; @/
        /@ assert fp: arena_fp(x.arenas[a], y.pools, x.pool_next, a); @/
        /@ assert but_a: arena_pools_but(x.arenas[a], x.pools, a, p); @/
        /@ assert but_y: arena_pools_but(y.arenas[a], y.pools, a, -1); @/
        lemma_pools_k(y, a);
        /@ assert pools: arena_pools(x.arenas[a], y.pools, a); @/
      }
    }
  }
*/

/* lemma_used_fresh (obmalloc_lemma.c) over Y's pools: pool P, not on a
 * used list in X, changed, and Y's pools are X's at every other index:
 * the used lists are well formed over Y's pools and nothing links to P. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires 0 <= p < CAP * NPOOLS;
     requires !listed(x.arenas, x.pools, x.maxarenas, p);
     requires \forall integer q; listed(x.arenas, x.pools, x.maxarenas, q)
                ==> 0 <= x.pools[q].szidx;
     requires same: \forall integer q; 0 <= q < CAP * NPOOLS && q != p ==>
                y.pools[q] == x.pools[q];
     requires used_heads(x.arenas, x.pools, x.maxarenas, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     requires used_links(x.arenas, x.pools, x.maxarenas, -1, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     assigns \nothing;
     ensures heads: used_heads(x.arenas, y.pools, x.maxarenas, -1,
                               x.pool_next, x.pool_prev, x.used_next,
                               x.used_prev);
     ensures links: used_links(x.arenas, y.pools, x.maxarenas, -1, p,
                               x.pool_next, x.pool_prev, x.used_next,
                               x.used_prev);
     ensures unref: unref(x.arenas, y.pools, x.maxarenas, x.pool_next,
                          x.pool_prev, x.used_next, x.used_prev, p);
  @/
  void lemma_used_ext(pm_obm x, pm_obm y, int p)
  {
    /@ assert heads_not_p: \forall integer c; 0 <= c < MAXCLS ==>
         x.used_next[c] != p && x.used_prev[c] != p; @/
    /@ assert links_not_p: \forall integer q;
         listed(x.arenas, x.pools, x.maxarenas, q) ==>
         x.pool_next[q] != p && x.pool_prev[q] != p; @/
    /@ assert same_listed: \forall integer q; q != p ==>
         (listed(x.arenas, y.pools, x.maxarenas, q)
          <==> listed(x.arenas, x.pools, x.maxarenas, q)); @/
    /@ assert same_class: \forall integer q;
         listed(x.arenas, x.pools, x.maxarenas, q) ==>
         y.pools[q].szidx == x.pools[q].szidx; @/
  }
*/

/*@ ghost void lemma_pool_at(pm_obm x, int a, int k); */

/* A listed pool (the head of a used list) is well formed and has a free
 * block; its arena and its number in the arena are its quotient and
 * remainder. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires arenas_ok(x.arenas, x.pools, x.pool_next, x.maxarenas);
     requires listed(x.arenas, x.pools, x.maxarenas, p);
     assigns \nothing;
     ensures at: 0 <= p / NPOOLS < x.maxarenas
       && 0 <= p % NPOOLS < x.arenas[p / NPOOLS].ncarved
       && p == (p / NPOOLS) * NPOOLS + p % NPOOLS;
     ensures ok: pool_ok(x.pools[p]);
     ensures spelled: POOL_OK(x.pools[p]) && x.pools[p].nfree > 0;
  @/
  void lemma_listed_ok(pm_obm x, int p)
  {
    /@ assert div: p == (p / NPOOLS) * NPOOLS + p % NPOOLS
         && 0 <= p % NPOOLS < NPOOLS; @/
    /@ assert a_ok: arena_ok(x.arenas[p / NPOOLS], x.pools, x.pool_next,
                             p / NPOOLS); @/
    lemma_pool_at(x, p / PM_OBM_MAX_POOLS, p % PM_OBM_MAX_POOLS);
    /@ assert ok: pool_ok(x.pools[p]); @/
  }
*/
