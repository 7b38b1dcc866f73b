/* obmalloc_core.c: pymalloc's small-block allocator, following CPython's
 * Objects/obmalloc.c (3.11): pymalloc_alloc, pymalloc_pool_extend,
 * allocate_from_new_pool, new_arena, pymalloc_free, insert_to_usedpool,
 * insert_to_freepool, pymalloc_realloc.
 *
 * Every function carries an ACSL contract, proved by Frama-C/WP
 * (proofs/wp/run-wp.sh).  In the proof build (-DPM_PROOF) the state is the
 * global pm_g and S names it; in the executable build S is *st.  Shared
 * predicates: spec/acsl/obmalloc.acsl; PM_INV is the whole invariant. */
#include "obmalloc.h"

#ifdef PM_PROOF
pm_obm pm_g;
# define S pm_g
#else
# define S (*st)
#endif

#ifdef __FRAMAC__
#include "../spec/acsl/obmalloc.acsl"
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

/* ------------------------------------------------------- blocks of a pool */

/* Pop the head of pool P's free list ("bp = pool->freeblock;
 * pool->freeblock = *(block **)bp") and count the block as used. */
/*@ requires 0 <= p < CAP * NPOOLS;
    requires POOL_OK(pm_g.pools[p]) && pm_g.pools[p].nfree > 0;
    assigns pm_g.pools[p].freeblock, pm_g.pools[p].nfree, pm_g.pools[p].count,
            pm_g.pools[p].bstate[pm_g.pools[p].freeblock],
            pm_g.pools[p].upos[pm_g.pools[p].freeblock],
            pm_g.pools[p].ustack[pm_g.pools[p].count];
    ensures took: \result == \old(pm_g.pools[p].freeblock);
    ensures was_free: 0 <= \result < pm_g.pools[p].ncarved
            && \old(pm_g.pools[p].bstate[\result]) == FREE;
    ensures now_used: pm_g.pools[p].bstate[\result] == USED;
    ensures counts: pm_g.pools[p].count == \old(pm_g.pools[p].count) + 1
            && pm_g.pools[p].nfree == \old(pm_g.pools[p].nfree) - 1;
    ensures ok: POOL_OK(pm_g.pools[p]);
*/
static int32_t block_take(pm_obm *st, int32_t p)
{
    int32_t b = S.pools[p].freeblock;
    S.pools[p].freeblock = S.pools[p].next[b];
    S.pools[p].nfree--;
    S.pools[p].bstate[b] = PM_OBM_B_USED;
    S.pools[p].ustack[S.pools[p].count] = (int16_t)b;
    S.pools[p].upos[b] = (int16_t)S.pools[p].count;
    S.pools[p].count++;
    return b;
}

/* Push block B on pool P's free list (pymalloc_free: "*(block **)p =
 * lastfree; pool->freeblock = p; pool->ref.count--"). */
/*@ requires 0 <= p < CAP * NPOOLS;
    requires POOL_OK(pm_g.pools[p]);
    requires 0 <= b < pm_g.pools[p].ncarved && pm_g.pools[p].bstate[b] == USED;
    assigns pm_g.pools[p].freeblock, pm_g.pools[p].nfree, pm_g.pools[p].count,
            pm_g.pools[p].bstate[b], pm_g.pools[p].pos[b], pm_g.pools[p].next[b],
            pm_g.pools[p].stack[pm_g.pools[p].nfree],
            pm_g.pools[p].ustack[pm_g.pools[p].upos[b]],
            pm_g.pools[p].upos[pm_g.pools[p].ustack[pm_g.pools[p].count - 1]];
    ensures now_free: pm_g.pools[p].bstate[b] == FREE
            && pm_g.pools[p].freeblock == b;
    ensures counts: pm_g.pools[p].count == \old(pm_g.pools[p].count) - 1
            && pm_g.pools[p].nfree == \old(pm_g.pools[p].nfree) + 1;
    ensures ok: POOL_OK(pm_g.pools[p]);
*/
static void block_give(pm_obm *st, int32_t p, int32_t b)
{
    /* out of the used set: the last one takes its place */
    int32_t i = S.pools[p].upos[b];
    int32_t last = S.pools[p].ustack[S.pools[p].count - 1];
    S.pools[p].ustack[i] = (int16_t)last;
    S.pools[p].upos[last] = (int16_t)i;
    S.pools[p].count--;
    /*@ assert used_rest: \forall integer x; 0 <= x < pm_g.pools[p].ncarved
          && x != b && pm_g.pools[p].bstate[x] == USED ==>
          0 <= pm_g.pools[p].upos[x] < pm_g.pools[p].count
          && pm_g.pools[p].ustack[pm_g.pools[p].upos[x]] == x; */
    /*@ assert used_stack: \forall integer j; 0 <= j < pm_g.pools[p].count ==>
          pm_g.pools[p].ustack[j] != b; */
    /* on the free list */
    S.pools[p].next[b] = (int16_t)S.pools[p].freeblock;
    S.pools[p].stack[S.pools[p].nfree] = (int16_t)b;
    S.pools[p].pos[b] = (int16_t)S.pools[p].nfree;
    S.pools[p].nfree++;
    S.pools[p].freeblock = b;
    S.pools[p].bstate[b] = PM_OBM_B_FREE;
}

/* pymalloc_pool_extend, first branch: the next virgin block becomes the
 * one-block free list. */
/*@ requires 0 <= p < CAP * NPOOLS;
    requires POOL_OK(pm_g.pools[p]) && pm_g.pools[p].nfree == 0;
    requires pm_g.pools[p].nextoffset <= pm_g.pools[p].maxnextoffset;
    assigns pm_g.pools[p].freeblock, pm_g.pools[p].nfree, pm_g.pools[p].ncarved,
            pm_g.pools[p].nextoffset,
            pm_g.pools[p].bstate[pm_g.pools[p].ncarved],
            pm_g.pools[p].pos[pm_g.pools[p].ncarved],
            pm_g.pools[p].next[pm_g.pools[p].ncarved], pm_g.pools[p].stack[0];
    ensures carved: pm_g.pools[p].ncarved == \old(pm_g.pools[p].ncarved) + 1;
    ensures listed: pm_g.pools[p].nfree == 1 && pm_g.pools[p].freeblock != -1;
    ensures ok: POOL_OK(pm_g.pools[p]);
*/
static void block_carve(pm_obm *st, int32_t p)
{
    int32_t b = S.pools[p].ncarved;
    //@ assert room: b + 1 <= pm_g.pools[p].nblocks;
    S.pools[p].ncarved++;
    S.pools[p].nextoffset += PMC_SIZE(st, S.pools[p].szidx);
    S.pools[p].next[b] = PM_OBM_NONE;
    S.pools[p].stack[0] = (int16_t)b;
    S.pools[p].pos[b] = 0;
    S.pools[p].nfree = 1;
    S.pools[p].freeblock = b;
    S.pools[p].bstate[b] = PM_OBM_B_FREE;
}

/* allocate_from_new_pool, a pool of another class: first block returned
 * (offset POOL_OVERHEAD), the second on the free list. */
/*@ requires 0 <= p < CAP * NPOOLS;
    requires 0 <= c < NCLS;
    assigns pm_g.pools[p].szidx, pm_g.pools[p].nblocks,
            pm_g.pools[p].maxnextoffset, pm_g.pools[p].nextoffset,
            pm_g.pools[p].ncarved, pm_g.pools[p].nfree, pm_g.pools[p].count,
            pm_g.pools[p].freeblock,
            pm_g.pools[p].bstate[0 .. 1], pm_g.pools[p].ustack[0],
            pm_g.pools[p].upos[0], pm_g.pools[p].next[1],
            pm_g.pools[p].stack[0], pm_g.pools[p].pos[1];
    ensures first: pm_g.pools[p].count == 1 && pm_g.pools[p].szidx == c
            && pm_g.pools[p].bstate[0] == USED && pm_g.pools[p].ncarved == 2
            && pm_g.pools[p].freeblock == 1;
    ensures ok: POOL_OK(pm_g.pools[p]);
*/
static void pool_init(pm_obm *st, int32_t p, int32_t c)
{
    int32_t size = PMC_SIZE(st, c);
    //@ assert bounds: 2 <= nblk(c) <= MAXB;
    S.pools[p].szidx = c;
    S.pools[p].nblocks = (PMC_POOL(st) - PMC_OVERHEAD(st)) / size;
    S.pools[p].maxnextoffset = PMC_POOL(st) - size;
    S.pools[p].nextoffset = PMC_OVERHEAD(st) + 2 * size;
    S.pools[p].ncarved = 2;
    S.pools[p].bstate[0] = PM_OBM_B_USED;
    S.pools[p].ustack[0] = 0;
    S.pools[p].upos[0] = 0;
    S.pools[p].count = 1;
    S.pools[p].bstate[1] = PM_OBM_B_FREE;
    S.pools[p].next[1] = PM_OBM_NONE;
    S.pools[p].stack[0] = 1;
    S.pools[p].pos[1] = 0;
    S.pools[p].nfree = 1;
    S.pools[p].freeblock = 1;
}

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
static void usable_remove(pm_obm *st, int32_t a)
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
static void usable_push_head(pm_obm *st, int32_t a)
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

/* ------------------------------------------------------------ usedpools */

/* Link pool P, partly used and not yet linked, at the front of
 * usedpools[C] (allocate_from_new_pool's "frontlink"; insert_to_usedpool). */
/*@ requires PM_INV_TABLE;
    requires 0 <= c < NCLS;
    requires PM_LISTED(p) && pm_g.pools[p].szidx == c;
    requires PM_USED_HEADS(-1) && PM_USED_LINKS(-1, p) && PM_UNREF(p);
    assigns pm_g.used_next[c], pm_g.used_prev[c],
            pm_g.pool_next[p], pm_g.pool_prev[p],
            pm_g.pool_prev[pm_g.used_next[c]];
    ensures used: PM_USED_HEADS(-1) && PM_USED_LINKS(-1, -1);
    ensures front: pm_g.used_next[c] == p;
*/
static void used_push_front(pm_obm *st, int32_t p, int32_t c)
{
    int32_t next = S.used_next[c];
    S.pool_next[p] = next;
    S.pool_prev[p] = PM_OBM_HDR(c);
    if (next < 0)
        S.used_prev[c] = p;
    else
        S.pool_prev[next] = p;
    S.used_next[c] = p;
}

/* Unlink pool P, no longer partly used, from its used list. */
/*@ requires PM_INV_TABLE;
    requires 0 <= p < pm_g.maxarenas * NPOOLS && !PM_LISTED(p);
    requires 0 <= pm_g.pools[p].szidx < NCLS;
    requires PM_USED_HEADS(p) && PM_USED_LINKS(p, -1);
    assigns pm_g.pool_prev[pm_g.pool_next[p]],
            pm_g.pool_next[pm_g.pool_prev[p]],
            pm_g.used_prev[-2 - pm_g.pool_next[p]],
            pm_g.used_next[-2 - pm_g.pool_prev[p]];
    ensures used: PM_USED_HEADS(-1) && PM_USED_LINKS(-1, -1);
*/
static void used_unlink(pm_obm *st, int32_t p)
{
    int32_t next = S.pool_next[p], prev = S.pool_prev[p];
    if (next < 0)
        S.used_prev[PM_OBM_HDR_CLASS(next)] = prev;
    else
        S.pool_prev[next] = prev;
    if (prev < 0)
        S.used_next[PM_OBM_HDR_CLASS(prev)] = next;
    else
        S.pool_next[prev] = next;
}

/* ------------------------------------------------------------- new_arena */

/* Environment (not proved here): the arena "mmap" and the radix-tree
 * bookkeeping, in obmalloc.c.  new_arena checks what the first returns. */
/*@ assigns \nothing; */
uint64_t pm_obm_arena_address(pm_obm *st);
/*@ assigns pm_g.map_mid_count, pm_g.map_bot_count, pm_g.map_nkeys,
            pm_g.map_capkeys, pm_g.map_keys; */
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

/* new_arena: take the head of unused_arena_objects (growing the table when
 * there is none) and give it a fresh arena.  Returns its index, or -1 when
 * the table cannot grow or the address source fails. */
/*@ requires PM_INV;
    assigns pm_g.maxarenas, pm_g.arenas[0 .. CAP - 1],
            pm_g.arena_rank[0 .. CAP - 1], pm_g.arena_next[0 .. CAP - 1],
            pm_g.unused[0 .. CAP - 1], pm_g.nunused, pm_g.unused_arena_objects,
            pm_g.narenas_currently_allocated, pm_g.ntimes_arena_allocated,
            pm_g.narenas_highwater, pm_g.map_mid_count, pm_g.map_bot_count,
            pm_g.map_nkeys, pm_g.map_capkeys, pm_g.map_keys;
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
static int32_t new_arena(pm_obm *st)
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
    S.narenas_currently_allocated++;
    S.ntimes_arena_allocated++;
    if (S.narenas_currently_allocated > S.narenas_highwater)
        S.narenas_highwater = S.narenas_currently_allocated;
    return a;
}

/* ------------------------------------------------- allocate_from_new_pool */

/* allocate_from_new_pool, up to the pool: from the head of usable_arenas
 * take a cached free pool (LIFO) or carve a new one, keeping nfp2lasta
 * and usable_arenas as CPython does.  The pool returned is empty. */
/*@ requires PM_INV && pm_g.usable_arenas != -1;
    assigns pm_g.nfp2lasta[0 .. NPOOLS], pm_g.arenas[0 .. CAP - 1],
            pm_g.pools[0 .. CAP * NPOOLS - 1].szidx,
            pm_g.pools[0 .. CAP * NPOOLS - 1].count,
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
    ensures grown: \forall integer i; 0 <= i < CAP ==>
      (pm_g.arenas[i].ncarved != \old(pm_g.arenas[i].ncarved) <==>
       (i == \old(pm_g.usable_arenas)
        && \result % NPOOLS == \old(pm_g.arenas[i].ncarved)));
*/
static int32_t take_pool(pm_obm *st)
{
    int32_t a = S.usable_arenas;
    int32_t nfp = S.arenas[a].nfreepools;
    if (S.nfp2lasta[nfp] == a)
        S.nfp2lasta[nfp] = PM_OBM_NONE;       /* the last with nfp */
    if (nfp > 1)
        S.nfp2lasta[nfp - 1] = a;             /* the new smallest */
    int32_t p;
    if (S.arenas[a].freepools != PM_OBM_NONE) {
        p = S.arenas[a].freepools;            /* a cached pool */
        S.arenas[a].freepools = S.pool_next[p];
        S.arenas[a].nfpcached--;
    } else {
        p = a * PM_OBM_MAX_POOLS + S.arenas[a].ncarved;   /* carve */
        S.pools[p].szidx = PM_OBM_DUMMY_SZIDX;
        S.pools[p].count = 0;
        S.arenas[a].ncarved++;
    }
    S.arenas[a].nfreepools--;
    if (S.arenas[a].nfreepools == 0)
        usable_remove(st, a);                 /* wholly allocated */
    return p;
}

/* The block B of pool K in arena A, as a call reports it. */
/*@ requires PM_INV_TABLE && 0 <= a < pm_g.maxarenas;
    requires arena_shape(pm_g.arenas[a]);
    requires 0 <= k < pm_g.arenas[a].ncarved;
    requires pool_shape(pm_g.pools[a * NPOOLS + k]);
    requires 0 <= b < pm_g.pools[a * NPOOLS + k].ncarved;
    requires \valid(out);
    assigns out->addr, out->small, out->arena, out->pool, out->block,
            out->szidx, out->offset;
    ensures addr: out->addr == block_addr(pm_g.arenas[a],
                                          pm_g.pools[a * NPOOLS + k], k, b);
    ensures fields: out->small == 1 && out->arena == a && out->pool == k
      && out->block == b && out->szidx == pm_g.pools[a * NPOOLS + k].szidx;
    ensures offset: out->offset
      == OVH + b * csize(pm_g.pools[a * NPOOLS + k].szidx)
      && out->offset + csize(pm_g.pools[a * NPOOLS + k].szidx) <= POOLSZ;
    ensures aligned: out->addr % ALIGN == 0;
    ensures inside: pool_addr(pm_g.arenas[a], k) + POOLSZ
      <= pm_g.arenas[a].address + ARENASZ;
*/
static void describe(const pm_obm *st, int32_t a, int32_t k, int32_t b,
                     pm_obm_block *out)
{
    int32_t p = a * PM_OBM_MAX_POOLS + k;
    int32_t c = S.pools[p].szidx;
    //@ assert fits: (b + 1) * csize(c) <= nblk(c) * csize(c) <= POOLSZ - OVH;
    uint32_t off = (uint32_t)(PMC_OVERHEAD(st) + b * PMC_SIZE(st, c));
    out->addr = S.arenas[a].first_pool
                + (uint64_t)k * (uint64_t)PMC_POOL(st) + off;
    out->small = 1;
    out->arena = a;
    out->pool = k;
    out->block = b;
    out->szidx = c;
    out->offset = off;
}

/* allocate_from_new_pool: no pool of class C is partly used. */
/*@ requires PM_INV && 0 <= c < NCLS && \valid(out);
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
        int32_t na = new_arena(st);
        if (na == PM_OBM_NONE)
            return PM_OBM_ENOMEM;
        usable_push_head(st, na);
        S.nfp2lasta[S.arenas[na].nfreepools] = na;
        out->new_arena = 1;
    }
    int32_t a = S.usable_arenas;
    int32_t p = take_pool(st);
    int32_t k = p - a * PM_OBM_MAX_POOLS;
    int32_t b;
    if (S.pools[p].szidx == c) {
        /* it last held blocks of this class: its free list is ready */
        b = block_take(st, p);
    } else {
        pool_init(st, p, c);
        b = 0;
    }
    used_push_front(st, p, c);
    describe(st, a, k, b, out);
    return PM_OBM_OK;
}

/* pymalloc_alloc for size class C. */
/*@ requires PM_INV && 0 <= c < NCLS && \valid(out);
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
    int32_t b = block_take(st, p);
    if (S.pools[p].freeblock == PM_OBM_NONE) {
        /* pymalloc_pool_extend */
        if (S.pools[p].nextoffset <= S.pools[p].maxnextoffset)
            block_carve(st, p);
        else
            used_unlink(st, p);             /* full */
    }
    describe(st, p / PM_OBM_MAX_POOLS, p % PM_OBM_MAX_POOLS, b, out);
    return PM_OBM_OK;
}

/* ---------------------------------------------------- insert_to_freepool */

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
static void release_arena(pm_obm *st, int32_t a)
{
    usable_remove(st, a);
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
}

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
    requires \valid(out);
    assigns pm_g, out->freed_arena;
    ensures inv: PM_INV;
*/
static void insert_to_freepool(pm_obm *st, int32_t a, int32_t p,
                               pm_obm_block *out)
{
    used_unlink(st, p);
    S.pool_next[p] = S.arenas[a].freepools;
    S.arenas[a].freepools = p;
    S.arenas[a].fpstack[S.arenas[a].nfpcached] = p;
    S.pools[p].fpos = S.arenas[a].nfpcached;
    S.arenas[a].nfpcached++;
    int32_t nf = S.arenas[a].nfreepools;
    int32_t lastnf = S.nfp2lasta[nf];
    if (lastnf == a) {
        /* the rightmost with nf: the one before it, if it has nf too */
        int32_t pv = S.arena_prev[a];
        S.nfp2lasta[nf] = (pv != PM_OBM_NONE && S.arenas[pv].nfreepools == nf)
                          ? pv : PM_OBM_NONE;
    }
    nf++;
    S.arenas[a].nfreepools = nf;
    if (nf == S.arenas[a].ntotalpools && S.arena_next[a] != PM_OBM_NONE) {
        /* case 1: wholly free and not last (bpo-37257) */
        release_arena(st, a);
        out->freed_arena = 1;
        return;
    }
    if (nf == 1) {
        /* case 2: back at the head */
        usable_push_head(st, a);
        if (S.nfp2lasta[1] == PM_OBM_NONE)
            S.nfp2lasta[1] = a;
        return;
    }
    if (S.nfp2lasta[nf] == PM_OBM_NONE)
        S.nfp2lasta[nf] = a;
    if (a == lastnf)
        return;                             /* case 4: still in order */
    usable_move_after(st, a, lastnf);       /* case 3: after lastnf */
}

/* ---------------------------------------------------------- pymalloc_free */

/* pymalloc_free for block B of pool K in arena A. */
/*@ requires PM_INV && \valid(out);
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
    if (S.pools[p].bstate[b] != PM_OBM_B_USED)
        return PM_OBM_EFREED;
    describe(st, a, k, b, out);
    int32_t lastfree = S.pools[p].freeblock;
    block_give(st, p, b);
    if (lastfree == PM_OBM_NONE) {
        /* it was full: insert_to_usedpool, at the front */
        used_push_front(st, p, S.pools[p].szidx);
        return PM_OBM_OK;
    }
    if (S.pools[p].count != 0)
        return PM_OBM_OK;
    insert_to_freepool(st, a, p, out);      /* now empty */
    return PM_OBM_OK;
}

/* ------------------------------------------------------ address_in_range */

/* address_in_range (the radix tree, arena_map_is_used) and POOL_ADDR: is
 * ADDR inside an arena in use?  Then *A is the arena, *K the carved pool
 * that holds ADDR or -1, *B the block that starts at ADDR or -1. */
/*@ requires PM_INV;
    requires \valid(a) && \valid(k) && \valid(b);
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
        *k = (int32_t)kk;
        int32_t p = i * PM_OBM_MAX_POOLS + (int32_t)kk;
        int32_t off = (int32_t)(rel % (uint64_t)PMC_POOL(st));
        if (off < PMC_OVERHEAD(st))
            return 1;
        int32_t size = PMC_SIZE(st, S.pools[p].szidx);
        if ((off - PMC_OVERHEAD(st)) % size != 0)
            return 1;
        int32_t bb = (off - PMC_OVERHEAD(st)) / size;
        if (bb < S.pools[p].ncarved)
            *b = bb;
        return 1;
    }
    return 0;
}

/* ------------------------------------------- PyObject_Malloc/Free/Realloc */

/* The raw allocator (obmalloc_sys.c; not part of these proofs): it only
 * touches its own fields and the block description. */
/*@ requires \valid(out);
    assigns pm_g.sys, pm_g.nsys, pm_g.capsys, pm_g.nsys_live, pm_g.sys_next,
            pm_g.raw_allocated_blocks, out->addr, out->small;
    ensures \result == PM_OBM_OK || \result == PM_OBM_ENOMEM; */
int pm_obm_sys_alloc(pm_obm *st, uint64_t n, pm_obm_block *out);
/*@ requires \valid(out);
    assigns pm_g.sys, pm_g.nsys, pm_g.capsys, pm_g.nsys_live, pm_g.sys_next,
            pm_g.raw_allocated_blocks, out->addr, out->small;
    ensures \result == PM_OBM_OK || \result == PM_OBM_ENOTALLOC
            || \result == PM_OBM_EFREED; */
int pm_obm_sys_free(pm_obm *st, uint64_t addr, pm_obm_block *out);
/*@ requires \valid(out);
    assigns pm_g.sys, pm_g.nsys, pm_g.capsys, pm_g.nsys_live, pm_g.sys_next,
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
/*@ requires PM_INV && \valid(out);
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
/*@ requires PM_INV && (out == \null || \valid(out));
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
/*@ requires PM_INV && \valid(out);
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
    if (S.pools[p].bstate[b] != PM_OBM_B_USED)
        return PM_OBM_EFREED;
    uint64_t size = (uint64_t)PMC_SIZE(st, S.pools[p].szidx);
    if (n <= size && 4 * n > 3 * size) {
        describe(st, a, k, b, out);          /* it stays where it is */
        return PM_OBM_OK;
    }
    int r = pm_pymalloc_alloc(st, n, out);
    if (r != PM_OBM_OK)
        return r;
    /* the old block is still in use, so a, k, b still name it */
    pm_obm_block freed;
    r = pm_obm_free_small(st, a, k, b, &freed);
    out->freed_arena = freed.freed_arena;
    return r;
}
