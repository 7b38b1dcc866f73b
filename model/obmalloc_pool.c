/* obmalloc_pool.c: the blocks of one pool and the usedpools lists, after
 * CPython's Objects/obmalloc.c (3.11): the free-list pop of pymalloc_alloc,
 * pymalloc_pool_extend, the pool set-up of allocate_from_new_pool, the
 * free-list push of pymalloc_free, insert_to_usedpool and the unlinking of
 * a full pool; and how a block is reported (its address and offset).
 * Contracts proved by Frama-C/WP (proofs/wp/run-wp.sh). */
#include "obmalloc_core.h"

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
int32_t obm_block_take(pm_obm *st, int32_t p)
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
void obm_block_give(pm_obm *st, int32_t p, int32_t b)
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
void obm_block_carve(pm_obm *st, int32_t p)
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
void obm_pool_init(pm_obm *st, int32_t p, int32_t c)
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
    ensures arenas: \old(PM_ARENAS_OK) ==> PM_ARENAS_OK;
    ensures front: pm_g.used_next[c] == p;
*/
void obm_used_push_front(pm_obm *st, int32_t p, int32_t c)
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
    ensures arenas: \old(PM_ARENAS_OK) && pm_g.pools[p].count > 0
      ==> PM_ARENAS_OK;
*/
void obm_used_unlink(pm_obm *st, int32_t p)
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

/* ------------------------------------------------------------ describe */

/* Lemma function (ghost): a product grows with its first factor; the
 * solvers prove it alone but do not find it inside a larger goal. */
/*@ ghost
  /@ requires 0 <= x <= y && s > 0;
     assigns \nothing;
     ensures x * s <= y * s;
  @/
  void lemma_mul_mono(int x, int y, int s)
  {
  }
*/

/* Lemma function (ghost): an exact quotient gives back the dividend (a
 * block's address from its offset, pm_obm_lookup). */
/*@ ghost
  /@ requires x >= 0 && s > 0 && x % s == 0;
     assigns \nothing;
     ensures (x / s) * s == x;
  @/
  void lemma_div_exact(int x, int s)
  {
  }
*/

/* Lemma function (ghost): a dividend is its quotient times the divisor
 * plus its remainder (a block's pool and offset, pm_obm_lookup). */
/*@ ghost
  /@ requires s > 0;
     assigns \nothing;
     ensures x == (x / s) * s + x % s;
  @/
  void lemma_div_split(uint64_t x, uint64_t s)
  {
  }
*/

/* Lemma function (ghost): the blocks of a class fit in a pool,
 * NUMBLOCKS(c) * size <= POOL_SIZE - POOL_OVERHEAD. */
/*@ ghost
  /@ requires n >= 0 && s > 0;
     assigns \nothing;
     ensures (n / s) * s <= n;
  @/
  void lemma_div_mul(int n, int s)
  {
  }
*/

/* The block B of pool K in arena A, as a call reports it. */
/*@ requires PM_INV_TABLE && 0 <= a < pm_g.maxarenas;
    requires arena_shape(pm_g.arenas[a]);
    requires 0 <= k < pm_g.arenas[a].ncarved;
    requires pool_shape(pm_g.pools[a * NPOOLS + k]);
    requires 0 <= b < pm_g.pools[a * NPOOLS + k].ncarved;
    requires \valid(out) && \separated(out, &pm_g);
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
void obm_describe(const pm_obm *st, int32_t a, int32_t k, int32_t b,
                  pm_obm_block *out)
{
    int32_t p = a * PM_OBM_MAX_POOLS + k;
    int32_t c = S.pools[p].szidx;
    //@ ghost lemma_mul_mono(b + 1, S.pools[p].nblocks, PMC_SIZE(st, c));
    //@ ghost lemma_div_mul(PMC_POOL(st) - PMC_OVERHEAD(st), PMC_SIZE(st, c));
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
