/* obmalloc_lemma.c: lemma functions (ghost code only) for the proofs of
 * the pymalloc model: each restores a part of the invariant
 * (spec/acsl/obmalloc.acsl) after an operation that changed one pool,
 * so that the callers' goals stay small.  Each takes the state before (X),
 * the pool P that changed and its new value V; the state after has the
 * pool table {X.pools \with [P] = V}, which is how WP writes the caller's
 * state after the change.  Each contract is proved once by Frama-C/WP
 * (proofs/wp/run-wp.sh); the solvers prove the implication alone but do
 * not find it inside a larger goal.  The
 * executable build compiles nothing from this file. */
#include "obmalloc_core.h"

/* Pool Q of arena A: its number in the arena is its remainder. */
/*@ ghost
  /@ requires 0 <= a && a * NPOOLS <= q < a * NPOOLS + NPOOLS;
     assigns \nothing;
     ensures q % NPOOLS == q - a * NPOOLS && q / NPOOLS == a;
  @/
  void lemma_pool_mod(int q, int a)
  {
  }
*/

/* One pool of arena A, from arena_pools: the solvers find this instance
 * alone (its index is a sum) but not inside a larger goal. */
/*@ ghost
  /@ requires arena_pools(x.arenas[a], x.pools, a);
     requires 0 <= k < x.arenas[a].ncarved;
     assigns \nothing;
     ensures pool_ok(x.pools[a * NPOOLS + k])
       && (x.pools[a * NPOOLS + k].count == 0 ==>
             0 <= x.pools[a * NPOOLS + k].fpos < x.arenas[a].nfpcached
             && x.arenas[a].fpstack[x.pools[a * NPOOLS + k].fpos]
                == a * NPOOLS + k);
  @/
  void lemma_pool_at(pm_obm x, int a, int k)
  {
  }
*/

/* arena_pools, indexed by the pool number in the arena, restated over the
 * pool's index in the table (arena_pools_but with no pool in hand), one
 * pool at a time. */
/*@ ghost
  /@ requires 0 <= a < CAP;
     requires 0 <= x.arenas[a].ncarved;
     requires arena_pools(x.arenas[a], x.pools, a);
     assigns \nothing;
     ensures arena_pools_but(x.arenas[a], x.pools, a, -1);
  @/
  void lemma_pools_q(pm_obm x, int a)
  {
    /@ loop invariant 0 <= k <= x.arenas[a].ncarved;
       loop invariant \forall integer q;
         a * NPOOLS <= q < a * NPOOLS + k ==>
         pool_ok(x.pools[q])
         && (x.pools[q].count == 0 ==>
               0 <= x.pools[q].fpos < x.arenas[a].nfpcached
               && x.arenas[a].fpstack[x.pools[q].fpos] == q);
       loop assigns k;
       loop variant x.arenas[a].ncarved - k; @/
    for (int k = 0; k < x.arenas[a].ncarved; k++) {
      lemma_pool_at(x, a, k);
    }
  }
*/

/* The pool in hand, P, is well formed again and in use (so not cached):
 * every arena is well formed. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires 0 <= p < CAP * NPOOLS;
     requires arenas_ok_but(x.arenas, x.pools, x.pool_next, x.maxarenas, p);
     requires \forall integer a, i; 0 <= a < x.maxarenas
                && x.arenas[a].address != 0
                && 0 <= i < x.arenas[a].nfpcached ==>
                x.arenas[a].fpstack[i] != p;
     requires pool_ok(v) && v.count > 0;
     assigns \nothing;
     ensures arenas_ok(x.arenas, {x.pools \with [p] = v}, x.pool_next,
                       x.maxarenas);
  @/
  void lemma_arenas_restore(pm_obm x, pm_obm_pool v, int p)
  {
    /@ loop invariant 0 <= a <= x.maxarenas;
       loop invariant \forall integer j; 0 <= j < a
         && x.arenas[j].address != 0 ==>
         arena_ok(x.arenas[j], {x.pools \with [p] = v}, x.pool_next, j);
       loop assigns a;
       loop variant x.maxarenas - a; @/
    for (int a = 0; a < x.maxarenas; a++) {
      if (x.arenas[a].address != 0) {
        /@ assert fp: arena_fp(x.arenas[a], {x.pools \with [p] = v},
                               x.pool_next, a); @/
        /@ assert but_a: arena_pools_but(x.arenas[a], x.pools, a, p); @/
        /@ assert pools: arena_pools(x.arenas[a], {x.pools \with [p] = v},
                                     a); @/
      }
    }
  }
*/

/* Pool P, not on a used list, changed: the used lists are still well
 * formed and nothing links to P. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires 0 <= p < CAP * NPOOLS;
     requires !listed(x.arenas, x.pools, x.maxarenas, p);
     requires \forall integer q; listed(x.arenas, x.pools, x.maxarenas, q)
                ==> 0 <= x.pools[q].szidx;
     requires used_heads(x.arenas, x.pools, x.maxarenas, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     requires used_links(x.arenas, x.pools, x.maxarenas, -1, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     assigns \nothing;
     ensures heads: used_heads(x.arenas, {x.pools \with [p] = v},
                               x.maxarenas, -1, x.pool_next, x.pool_prev,
                               x.used_next, x.used_prev);
     ensures links: used_links(x.arenas, {x.pools \with [p] = v},
                               x.maxarenas, -1, p, x.pool_next, x.pool_prev,
                               x.used_next, x.used_prev);
     ensures unref: unref(x.arenas, {x.pools \with [p] = v}, x.maxarenas,
                          x.pool_next, x.pool_prev, x.used_next, x.used_prev,
                          p);
  @/
  void lemma_used_fresh(pm_obm x, pm_obm_pool v, int p)
  {
    /@ assert heads_not_p: \forall integer c; 0 <= c < MAXCLS ==>
         x.used_next[c] != p && x.used_prev[c] != p; @/
    /@ assert links_not_p: \forall integer q;
         listed(x.arenas, x.pools, x.maxarenas, q) ==>
         x.pool_next[q] != p && x.pool_prev[q] != p; @/
    /@ assert same_listed: \forall integer q; q != p ==>
         (listed(x.arenas, {x.pools \with [p] = v}, x.maxarenas, q)
          <==> listed(x.arenas, x.pools, x.maxarenas, q)); @/
  }
*/

/* Pool H, on its used list, changed and kept its class: the used lists
 * are well formed with H in hand, and with no pool in hand if H is still
 * partly used. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires 0 <= h < CAP * NPOOLS;
     requires v.szidx == x.pools[h].szidx;
     requires listed(x.arenas, x.pools, x.maxarenas, h);
     requires used_heads(x.arenas, x.pools, x.maxarenas, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     requires used_links(x.arenas, x.pools, x.maxarenas, -1, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     assigns \nothing;
     ensures held_heads: used_heads(x.arenas, {x.pools \with [h] = v},
                                    x.maxarenas, h, x.pool_next, x.pool_prev,
                                    x.used_next, x.used_prev);
     ensures held_links: used_links(x.arenas, {x.pools \with [h] = v},
                                    x.maxarenas, h, -1, x.pool_next,
                                    x.pool_prev, x.used_next, x.used_prev);
     ensures kept_heads: v.count > 0 && v.freeblock != -1 ==>
       used_heads(x.arenas, {x.pools \with [h] = v}, x.maxarenas, -1,
                  x.pool_next, x.pool_prev, x.used_next, x.used_prev);
     ensures kept_links: v.count > 0 && v.freeblock != -1 ==>
       used_links(x.arenas, {x.pools \with [h] = v}, x.maxarenas, -1, -1,
                  x.pool_next, x.pool_prev, x.used_next, x.used_prev);
  @/
  void lemma_used_keep(pm_obm x, pm_obm_pool v, int h)
  {
  }
*/

/* With no pool in hand, arenas_ok_but is arenas_ok weakened; with pool P
 * in hand and P not cached, changing P keeps arenas_ok_but. */
/*@ ghost
  /@ requires 0 <= x.maxarenas <= CAP;
     requires arenas_ok(x.arenas, x.pools, x.pool_next, x.maxarenas);
     requires \forall integer a, i; 0 <= a < x.maxarenas
                && x.arenas[a].address != 0
                && 0 <= i < x.arenas[a].nfpcached ==>
                x.arenas[a].fpstack[i] != p;
     assigns \nothing;
     ensures but: arenas_ok_but(x.arenas, x.pools, x.pool_next, x.maxarenas, p);
     ensures changed: arenas_ok_but(x.arenas, {x.pools \with [p] = v},
                                    x.pool_next, x.maxarenas, p);
  @/
  void lemma_arenas_hold(pm_obm x, pm_obm_pool v, int p)
  {
    /@ loop invariant 0 <= a <= x.maxarenas;
       loop invariant \forall integer j; 0 <= j < a
         && x.arenas[j].address != 0 ==>
         arena_shape(x.arenas[j])
         && arena_fp(x.arenas[j], x.pools, x.pool_next, j)
         && arena_pools_but(x.arenas[j], x.pools, j, p)
         && arena_fp(x.arenas[j], {x.pools \with [p] = v}, x.pool_next, j)
         && arena_pools_but(x.arenas[j], {x.pools \with [p] = v}, j, p);
       loop assigns a;
       loop variant x.maxarenas - a; @/
    for (int a = 0; a < x.maxarenas; a++) {
      if (x.arenas[a].address != 0) {
        /@ assert ok: arena_ok(x.arenas[a], x.pools, x.pool_next, a); @/
        lemma_pools_q(x, a);
        /@ assert but: arena_pools_but(x.arenas[a], x.pools, a, p); @/
        /@ assert fp: arena_fp(x.arenas[a], {x.pools \with [p] = v},
                               x.pool_next, a); @/
        /@ assert pools: arena_pools_but(x.arenas[a],
                                         {x.pools \with [p] = v}, a, p); @/
      }
    }
  }
*/


/* Allocated arenas do not overlap (arenas_disjoint) in Y when every arena
 * of Y kept its address from X or was released (address 0): in
 * insert_to_freepool, whose goals are too large for the solvers to find
 * the instance of X's disjointness themselves. */
/*@ ghost
  /@ requires dk_max: y.maxarenas == x.maxarenas;
     requires dk_disj: arenas_disjoint(x.arenas, x.maxarenas);
     requires dk_addr: \forall integer i; 0 <= i < x.maxarenas ==>
                y.arenas[i].address == x.arenas[i].address
                || y.arenas[i].address == 0;
     assigns \nothing;
     ensures disjoint: arenas_disjoint(y.arenas, y.maxarenas);
  @/
  void lemma_disjoint_keep(pm_obm x, pm_obm y)
  {
  }
*/
