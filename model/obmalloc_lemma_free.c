/* obmalloc_lemma_free.c: lemma functions (ghost code only) for the proof
 * of obm_new_arena (obmalloc_arena.c); pm_obm_free_small needs none beyond
 * obmalloc_lemma*.c.  As in obmalloc_lemma.c, each contract is proved once
 * by Frama-C/WP (proofs/wp/run-wp.sh); the executable build compiles
 * nothing from this file. */
#include "obmalloc_core.h"

/* obm_new_arena: arena A, unused in X (address 0), has an address in Y and
 * no carved pool; no other arena, pool or link changed.  No pool is listed
 * in A in either state, so the used lists are well formed in Y. */
/*@ ghost
  /@ requires 0 <= a < x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires x.arenas[a].address == 0 && y.arenas[a].ncarved == 0;
     requires \forall integer i; 0 <= i < CAP && i != a ==>
                y.arenas[i] == x.arenas[i];
     requires y.pools == x.pools && y.pool_next == x.pool_next
              && y.pool_prev == x.pool_prev && y.used_next == x.used_next
              && y.used_prev == x.used_prev;
     requires used_heads(x.arenas, x.pools, x.maxarenas, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     requires used_links(x.arenas, x.pools, x.maxarenas, -1, -1, x.pool_next,
                         x.pool_prev, x.used_next, x.used_prev);
     assigns \nothing;
     ensures heads: used_heads(y.arenas, y.pools, y.maxarenas, -1,
                               y.pool_next, y.pool_prev, y.used_next,
                               y.used_prev);
     ensures links: used_links(y.arenas, y.pools, y.maxarenas, -1, -1,
                               y.pool_next, y.pool_prev, y.used_next,
                               y.used_prev);
  @/
  void lemma_used_new_arena(pm_obm x, pm_obm y, int a)
  {
    /@ assert not_a: \forall integer q;
         listed(y.arenas, y.pools, y.maxarenas, q) ==> q / NPOOLS != a; @/
    /@ assert same_listed: \forall integer q;
         listed(y.arenas, y.pools, y.maxarenas, q)
         <==> listed(x.arenas, x.pools, x.maxarenas, q); @/
    /@ assert same_lx: \forall integer q;
         lx(y.arenas, y.pools, y.maxarenas, -1, q)
         <==> lx(x.arenas, x.pools, x.maxarenas, -1, q); @/
    /@ assert same_ulink: \forall integer c, v;
         ulink(y.arenas, y.pools, y.maxarenas, -1, c, v)
         <==> ulink(x.arenas, x.pools, x.maxarenas, -1, c, v); @/
  }
*/

/* obm_new_arena: as above, and A is well shaped with no pool carved or
 * cached: every arena is well formed in Y. */
/*@ ghost
  /@ requires 0 <= a < x.maxarenas <= CAP && y.maxarenas == x.maxarenas;
     requires \forall integer i; 0 <= i < CAP && i != a ==>
                y.arenas[i] == x.arenas[i];
     requires y.pools == x.pools && y.pool_next == x.pool_next;
     requires arenas_ok(x.arenas, x.pools, x.pool_next, x.maxarenas);
     requires arena_shape(y.arenas[a]);
     requires y.arenas[a].ncarved == 0 && y.arenas[a].nfpcached == 0
              && y.arenas[a].freepools == -1;
     assigns \nothing;
     ensures arenas_ok(y.arenas, y.pools, y.pool_next, y.maxarenas);
  @/
  void lemma_arenas_new_arena(pm_obm x, pm_obm y, int a)
  {
    /@ assert a_ok: arena_ok(y.arenas[a], y.pools, y.pool_next, a); @/
    /@ assert others: \forall integer i; 0 <= i < y.maxarenas && i != a
         && y.arenas[i].address != 0 ==>
         arena_ok(y.arenas[i], y.pools, y.pool_next, i); @/
  }
*/
