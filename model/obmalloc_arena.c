/* obmalloc_arena.c: the arena table, after CPython's Objects/obmalloc.c
 * (3.11): new_arena (table growth, unused_arena_objects, the arena's
 * address and pool count) and the release of a wholly free arena
 * (insert_to_freepool, case 1); and the ghost lemma functions that count
 * allocated and usable arenas.  Contracts proved by Frama-C/WP
 * (proofs/wp/run-wp.sh). */
#include "obmalloc_core.h"

#ifdef PM_PROOF
pm_obm pm_g;     /* the state under proof (S) */
#endif

/* ------------------------------------------------------- counting lemmas */
/* Lemma functions (ghost): each loop carries one induction over the arena
 * table that the SMT solvers cannot do alone. */

/*@ ghost
  /@ requires 0 <= k <= CAP;
     assigns \nothing;
     ensures 0 <= acount_alloc(x.arenas, k) <= k;
  @/
  void lemma_alloc_bounds(pm_obm x, int k)
  {
    /@ loop invariant 0 <= i <= k;
       loop invariant 0 <= acount_alloc(x.arenas, i) <= i;
       loop assigns i;
       loop variant k - i; @/
    for (int i = 0; i < k; i++) ;
  }
*/

/*@ ghost
  /@ requires 0 <= k <= CAP;
     requires \forall integer i; 0 <= i < k && i != a ==>
                (x.arenas[i].address != 0 <==> y.arenas[i].address != 0);
     assigns \nothing;
     ensures acount_alloc(y.arenas, k) == acount_alloc(x.arenas, k)
             + (0 <= a < k ? (y.arenas[a].address != 0 ? 1 : 0) - (x.arenas[a].address != 0 ? 1 : 0) : 0);
  @/
  void lemma_alloc_except(pm_obm x, pm_obm y, int a, int k)
  {
    /@ loop invariant 0 <= i <= k;
       loop invariant acount_alloc(y.arenas, i) == acount_alloc(x.arenas, i)
             + (0 <= a < i ? (y.arenas[a].address != 0 ? 1 : 0) - (x.arenas[a].address != 0 ? 1 : 0) : 0);
       loop assigns i;
       loop variant k - i; @/
    for (int i = 0; i < k; i++) ;
  }
*/

/*@ ghost
  /@ requires 0 <= k1 <= k2 <= CAP;
     requires \forall integer i; k1 <= i < k2 ==> !(x.arenas[i].address != 0);
     assigns \nothing;
     ensures acount_alloc(x.arenas, k2) == acount_alloc(x.arenas, k1);
  @/
  void lemma_alloc_tail(pm_obm x, int k1, int k2)
  {
    /@ loop invariant k1 <= i <= k2;
       loop invariant acount_alloc(x.arenas, i) == acount_alloc(x.arenas, k1);
       loop assigns i;
       loop variant k2 - i; @/
    for (int i = k1; i < k2; i++) ;
  }
*/

/*@ ghost
  /@ requires 0 <= k <= CAP;
     assigns \nothing;
     ensures 0 <= acount_rank(x.arena_rank, k) <= k;
  @/
  void lemma_rank_bounds(pm_obm x, int k)
  {
    /@ loop invariant 0 <= i <= k;
       loop invariant 0 <= acount_rank(x.arena_rank, i) <= i;
       loop assigns i;
       loop variant k - i; @/
    for (int i = 0; i < k; i++) ;
  }
*/

/*@ ghost
  /@ requires 0 <= k <= CAP;
     requires \forall integer i; 0 <= i < k && i != a ==>
                (x.arena_rank[i] >= 0 <==> y.arena_rank[i] >= 0);
     assigns \nothing;
     ensures acount_rank(y.arena_rank, k) == acount_rank(x.arena_rank, k)
             + (0 <= a < k ? (y.arena_rank[a] >= 0 ? 1 : 0) - (x.arena_rank[a] >= 0 ? 1 : 0) : 0);
  @/
  void lemma_rank_except(pm_obm x, pm_obm y, int a, int k)
  {
    /@ loop invariant 0 <= i <= k;
       loop invariant acount_rank(y.arena_rank, i) == acount_rank(x.arena_rank, i)
             + (0 <= a < i ? (y.arena_rank[a] >= 0 ? 1 : 0) - (x.arena_rank[a] >= 0 ? 1 : 0) : 0);
       loop assigns i;
       loop variant k - i; @/
    for (int i = 0; i < k; i++) ;
  }
*/

/*@ ghost
  /@ requires 0 <= k1 <= k2 <= CAP;
     requires \forall integer i; k1 <= i < k2 ==> !(x.arena_rank[i] >= 0);
     assigns \nothing;
     ensures acount_rank(x.arena_rank, k2) == acount_rank(x.arena_rank, k1);
  @/
  void lemma_rank_tail(pm_obm x, int k1, int k2)
  {
    /@ loop invariant k1 <= i <= k2;
       loop invariant acount_rank(x.arena_rank, i) == acount_rank(x.arena_rank, k1);
       loop assigns i;
       loop variant k2 - i; @/
    for (int i = k1; i < k2; i++) ;
  }
*/

/* ------------------------------------------------------------- new_arena */

/* Environment (not proved here): the arena "mmap" and the radix-tree
 * bookkeeping, in obmalloc_env.c.  new_arena checks what the first returns. */
/*@ assigns \nothing; */
uint64_t pm_obm_arena_address(pm_obm *st);
/*@ assigns pm_g.map_mid_count, pm_g.map_bot_count, pm_g.map_nkeys,
            pm_g.map_capkeys,
            pm_g.map_keys \from pm_g.map_keys, pm_g.map_capkeys, address; */
void pm_obm_note_arena(pm_obm *st, uint64_t address);

/* An arena at ADDRESS fits below the system allocator's addresses and
 * overlaps no arena in use. */
/*@ requires PM_INV_TABLE && PM_INV_ARENAS;
    assigns \nothing;
    ensures \result != 0 ==> 0 < address && address + ARENASZ <= SYSB
      && (\forall integer i; 0 <= i < pm_g.maxarenas
            && pm_g.arenas[i].address != 0 ==>
            address + ARENASZ <= pm_g.arenas[i].address
            || pm_g.arenas[i].address + ARENASZ <= address);
*/
static int arena_address_ok(const pm_obm *st, uint64_t address)
{
    if (address == 0 || address > (uint64_t)PMC_SYS_BASE(st)
        || (uint64_t)PMC_SYS_BASE(st) - address < (uint64_t)PMC_ARENA(st))
        return 0;
    /*@ loop invariant 0 <= i <= pm_g.maxarenas;
        loop invariant \forall integer j; 0 <= j < i
          && pm_g.arenas[j].address != 0 ==>
          address + ARENASZ <= pm_g.arenas[j].address
          || pm_g.arenas[j].address + ARENASZ <= address;
        loop assigns i;
        loop variant pm_g.maxarenas - i; */
    for (int32_t i = 0; i < S.maxarenas; i++) {
        uint64_t b = S.arenas[i].address;
        if (b != 0 && address < b + (uint64_t)PMC_ARENA(st)
            && b < address + (uint64_t)PMC_ARENA(st))
            return 0;
    }
    return 1;
}

/* new_arena, when unused_arena_objects is empty: the table doubles (16
 * at first) and the new objects are chained in index order. */
/*@ requires PM_INV;
    requires pm_g.nunused == 0;
    requires numarenas == (pm_g.maxarenas == 0 ? PM_OBM_INITIAL_ARENAS
                                               : 2 * pm_g.maxarenas);
    requires numarenas <= CAP;
    assigns pm_g.maxarenas, pm_g.arenas[0 .. CAP - 1],
            pm_g.arena_rank[0 .. CAP - 1], pm_g.arena_next[0 .. CAP - 1],
            pm_g.unused[0 .. CAP - 1], pm_g.nunused, pm_g.unused_arena_objects;
    ensures inv: PM_INV;
    ensures grown: pm_g.nunused > 0
      && pm_g.maxarenas == (\old(pm_g.maxarenas) == 0
                            ? PM_OBM_INITIAL_ARENAS : 2 * \old(pm_g.maxarenas));
    ensures same: \forall integer i; 0 <= i < \old(pm_g.maxarenas) ==>
      pm_g.arenas[i] == \old(pm_g.arenas[i]);
*/
static void grow_table(pm_obm *st, int32_t numarenas)
{
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_alloc_bounds(pm_g, pm_g.maxarenas); */
    /*@ loop invariant pm_g.maxarenas <= i + 1 <= numarenas;
        loop invariant pm_g.nunused == numarenas - 1 - i;
        loop invariant \forall integer j; i < j < numarenas ==>
          pm_g.arenas[j].address == 0 && pm_g.arena_rank[j] == -1
          && pm_g.arenas[j].unpos == numarenas - 1 - j
          && pm_g.unused[numarenas - 1 - j] == j
          && pm_g.arena_next[j] == (j == numarenas - 1 ? -1 : j + 1);
        loop invariant pm_g.unused_arena_objects
          == (i + 1 < numarenas ? i + 1 : -1);
        loop invariant \forall integer j; 0 <= j < pm_g.maxarenas ==>
          pm_g.arenas[j] == g0.arenas[j]
          && pm_g.arena_rank[j] == g0.arena_rank[j]
          && pm_g.arena_next[j] == g0.arena_next[j];
        loop assigns i, pm_g.arenas[0 .. CAP - 1],
          pm_g.arena_rank[0 .. CAP - 1], pm_g.arena_next[0 .. CAP - 1],
          pm_g.unused[0 .. CAP - 1], pm_g.nunused, pm_g.unused_arena_objects;
        loop variant i; */
    for (int32_t i = numarenas - 1; i >= S.maxarenas; i--) {
        S.arenas[i].address = 0;
        S.arena_rank[i] = PM_OBM_NONE;
        S.arena_next[i] = S.unused_arena_objects;
        S.unused_arena_objects = i;
        S.unused[S.nunused] = i;
        S.arenas[i].unpos = S.nunused;
        S.nunused++;
    }
    S.maxarenas = numarenas;
    /*@ assert fresh: \forall integer j; g0.maxarenas <= j < numarenas ==>
          pm_g.arenas[j].address == 0 && pm_g.arena_rank[j] == -1; */
    /*@ assert stack: \forall integer q; 0 <= q < pm_g.nunused ==>
          pm_g.unused[q] == numarenas - 1 - q; */
    /*@ assert stack_in: \forall integer q; 0 <= q < pm_g.nunused ==>
          g0.maxarenas <= pm_g.unused[q] < numarenas; */
    /*@ assert stack_ok: \forall integer q; 0 <= q < pm_g.nunused ==>
          pm_g.arenas[pm_g.unused[q]].address == 0
          && pm_g.arenas[pm_g.unused[q]].unpos == q; */
    /*@ assert chain: \forall integer q; 1 <= q < pm_g.nunused ==>
          pm_g.arena_next[pm_g.unused[q]] == pm_g.unused[q - 1]; */
    /*@ assert old_zero: \forall integer j; 0 <= j < pm_g.maxarenas
          && pm_g.arenas[j].address == 0 ==> pm_g.arena_rank[j] == -1; */
    /*@ ghost lemma_alloc_tail(pm_g, g0.maxarenas, pm_g.maxarenas); */
    /*@ ghost lemma_rank_tail(pm_g, g0.maxarenas, pm_g.maxarenas); */
    /*@ ghost lemma_alloc_except(g0, pm_g, -1, g0.maxarenas); */
    /*@ ghost lemma_rank_except(g0, pm_g, -1, g0.maxarenas); */
}

/*@ ghost void lemma_used_new_arena(pm_obm x, pm_obm y, int a); */
/*@ ghost void lemma_arenas_new_arena(pm_obm x, pm_obm y, int a); */

/* new_arena: take the head of unused_arena_objects (growing the table when
 * there is none) and give it a fresh arena.  Returns its index, or -1 when
 * the table cannot grow or the address source fails. */
/*@ requires PM_INV;
    assigns pm_g.maxarenas, pm_g.arenas[0 .. CAP - 1],
            pm_g.arena_rank[0 .. CAP - 1], pm_g.arena_next[0 .. CAP - 1],
            pm_g.unused[0 .. CAP - 1], pm_g.nunused, pm_g.unused_arena_objects,
            pm_g.narenas_currently_allocated, pm_g.ntimes_arena_allocated,
            pm_g.narenas_highwater, pm_g.map_mid_count, pm_g.map_bot_count,
            pm_g.map_nkeys, pm_g.map_capkeys,
            pm_g.map_keys \from pm_g.map_keys, pm_g.map_capkeys;
    ensures fail: \result == -1 ==> PM_INV;
    ensures made: \result != -1 ==>
      0 <= \result < pm_g.maxarenas && pm_g.arenas[\result].address != 0
      && pm_g.arenas[\result].ncarved == 0
      && pm_g.arenas[\result].nfpcached == 0
      && pm_g.arenas[\result].nfreepools == pm_g.arenas[\result].ntotalpools
      && pm_g.arena_rank[\result] == -1;
    ensures inv: \result != -1 ==>
      PM_INV_TABLE && PM_INV_ARENAS && PM_INV_USED && PM_RANKS && PM_SORTED
      && PM_NFP && PM_INV_UNUSED
      && (\forall integer i; 0 <= i < pm_g.maxarenas && i != \result ==>
            (pm_g.arena_rank[i] >= 0 <==> (pm_g.arenas[i].address != 0
                                           && pm_g.arenas[i].nfreepools > 0)));
    ensures same: \forall integer i; 0 <= i < \old(pm_g.maxarenas)
      && i != \result ==> pm_g.arenas[i] == \old(pm_g.arenas[i]);
    ensures fresh: \result != -1 && \result < \old(pm_g.maxarenas) ==>
      \old(pm_g.arenas[\result].address) == 0;
*/
int32_t obm_new_arena(pm_obm *st)
{
    /*@ ghost lemma_alloc_bounds(pm_g, pm_g.maxarenas); */
    if (S.unused_arena_objects == PM_OBM_NONE) {
        /*@ assert top: pm_g.nunused > 0 ==>
              0 <= pm_g.unused[pm_g.nunused - 1]; */
        /*@ assert none: pm_g.nunused == 0; */
        int32_t numarenas = S.maxarenas ? S.maxarenas * 2
                                        : PM_OBM_INITIAL_ARENAS;
#ifdef PM_PROOF
        if (numarenas > PM_PROOF_CAP_ARENAS)
            return PM_OBM_NONE;
#else
        if (numarenas > S.cap_arenas && pm_obm_grow(st, numarenas) != 0)
            return PM_OBM_NONE;
#endif
        grow_table(st, numarenas);
    }
    if (S.ntimes_arena_allocated == UINT64_MAX)
        return PM_OBM_NONE;      /* a counter about to wrap: never in practice */
    int32_t a = S.unused_arena_objects;
    uint64_t address = pm_obm_arena_address(st);
    if (!arena_address_ok(st, address))
        return PM_OBM_NONE;
    pm_obm_note_arena(st, address);
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_alloc_bounds(pm_g, pm_g.maxarenas); */
    S.unused_arena_objects = S.arena_next[a];
    S.nunused--;
    S.arenas[a].address = address;
    S.arenas[a].unpos = PM_OBM_NONE;
    S.arenas[a].freepools = PM_OBM_NONE;
    S.arenas[a].nfpcached = 0;
    S.arenas[a].ncarved = 0;
    uint64_t excess = address % (uint64_t)PMC_POOL(st);
    if (excess != 0) {
        S.arenas[a].nfreepools = PM_OBM_MAX_POOLS - 1;
        S.arenas[a].first_pool = address + ((uint64_t)PMC_POOL(st) - excess);
    } else {
        S.arenas[a].nfreepools = PM_OBM_MAX_POOLS;
        S.arenas[a].first_pool = address;
    }
    S.arenas[a].ntotalpools = S.arenas[a].nfreepools;
    /*@ ghost lemma_alloc_except(g0, pm_g, a, pm_g.maxarenas); */
    /* no pool of A is carved: the used lists are as they were, and every
     * arena is well formed (lemmas in obmalloc_lemma_free.c) */
    /*@ assert a_was_free: g0.arenas[a].address == 0; */
    /*@ ghost lemma_used_new_arena(g0, pm_g, a); */
    /*@ assert a_shape: arena_shape(pm_g.arenas[a]); */
    /*@ ghost lemma_arenas_new_arena(g0, pm_g, a); */
    S.narenas_currently_allocated++;
    S.ntimes_arena_allocated++;
    if (S.narenas_currently_allocated > S.narenas_highwater)
        S.narenas_highwater = S.narenas_currently_allocated;
    return a;
}

/* ------------------------------------------------------ release_arena */

/* insert_to_freepool case 1: arena A, wholly free and not the last of
 * usable_arenas, leaves the list and goes back to unused_arena_objects. */
/*@ requires PM_INV_TABLE && PM_RANKS && PM_INV_UNUSED;
    requires arenas_ok(pm_g.arenas, pm_g.pools, pm_g.pool_next, pm_g.maxarenas);
    requires 0 <= a < pm_g.maxarenas && pm_g.arenas[a].address != 0;
    requires pm_g.arena_rank[a] >= 0;
    requires \forall integer k; 0 <= k <= NPOOLS ==> pm_g.nfp2lasta[k] != a;
    assigns pm_g.usable_arenas, pm_g.nusable, pm_g.arena_rank[0 .. CAP - 1],
            pm_g.arena_next[0 .. CAP - 1], pm_g.arena_prev[0 .. CAP - 1],
            pm_g.unused[0 .. CAP - 1], pm_g.nunused, pm_g.unused_arena_objects,
            pm_g.arenas[a].address, pm_g.arenas[a].unpos,
            pm_g.narenas_currently_allocated;
    ensures ranks: PM_RANKS && PM_INV_UNUSED;
    ensures gone: pm_g.arenas[a].address == 0 && pm_g.arena_rank[a] == -1;
    ensures moved: \forall integer i; 0 <= i < pm_g.maxarenas && i != a ==>
      pm_g.arena_rank[i] ==
        (\old(pm_g.arena_rank[i]) > \old(pm_g.arena_rank[a])
         ? \old(pm_g.arena_rank[i]) - 1 : \old(pm_g.arena_rank[i]));
*/
void obm_release_arena(pm_obm *st, int32_t a)
{
    obm_usable_remove(st, a);
    /*@ ghost pm_obm g0 = pm_g; */
    /*@ ghost lemma_alloc_bounds(pm_g, pm_g.maxarenas); */
    S.arena_next[a] = S.unused_arena_objects;
    S.unused_arena_objects = a;
    S.arenas[a].address = 0;
    /*@ ghost lemma_alloc_except(g0, pm_g, a, pm_g.maxarenas); */
    /*@ ghost lemma_alloc_bounds(pm_g, pm_g.maxarenas); */
    S.unused[S.nunused] = a;
    S.arenas[a].unpos = S.nunused;
    S.nunused++;
    S.narenas_currently_allocated--;
    /* the count of allocated arenas, over the table as it is now (the
     * arena's unpos changed since the first call) */
    /*@ ghost lemma_alloc_except(g0, pm_g, a, pm_g.maxarenas); */
    /* unused_ok, one part at a time */
    /*@ assert u_count: pm_g.nunused
          == pm_g.maxarenas - acount_alloc(pm_g.arenas, pm_g.maxarenas); */
    /*@ assert u_head: pm_g.unused_arena_objects
          == pm_g.unused[pm_g.nunused - 1]; */
    /*@ assert u_stack: \forall integer i; 0 <= i < pm_g.nunused ==>
          0 <= pm_g.unused[i] < pm_g.maxarenas
          && pm_g.arenas[pm_g.unused[i]].address == 0
          && pm_g.arenas[pm_g.unused[i]].unpos == i; */
    /*@ assert u_links: \forall integer i; 1 <= i < pm_g.nunused ==>
          pm_g.arena_next[pm_g.unused[i]] == pm_g.unused[i - 1]; */
    /*@ assert u_bottom: pm_g.arena_next[pm_g.unused[0]] == -1; */
    /*@ assert u_rank: \forall integer j; 0 <= j < pm_g.maxarenas
          && pm_g.arenas[j].address == 0 ==> pm_g.arena_rank[j] == -1; */
}
