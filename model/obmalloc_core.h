/* obmalloc_core.h: internal to the pymalloc model's allocator files
 * (obmalloc_pool.c, obmalloc_arena.c, obmalloc_usable.c, obmalloc_entry.c).
 * The public interface is obmalloc.h.
 *
 * In the proof build (-DPM_PROOF) the state is the global pm_g (defined in
 * obmalloc_arena.c) and S names it; in the executable build S is *st.
 * The contracts are at the definitions; shared predicates are in
 * spec/acsl/obmalloc.acsl (PM_INV is the whole invariant).  Frama-C reads
 * every allocator file at once (proofs/wp/run-wp.sh), so a call sees its
 * callee's contract across files. */
#ifndef PM_OBMALLOC_CORE_H
#define PM_OBMALLOC_CORE_H

#include "obmalloc.h"

#ifdef PM_PROOF
extern pm_obm pm_g;
# define S pm_g
#else
# define S (*st)
#endif

#ifdef __FRAMAC__
#include "../spec/acsl/obmalloc.acsl"
#endif

/* Lemma functions (ghost, obmalloc_arena.c): counting allocated and usable
 * arenas. */
/*@ ghost void lemma_alloc_bounds(pm_obm x, int k); */
/*@ ghost void lemma_alloc_except(pm_obm x, pm_obm y, int a, int k); */
/*@ ghost void lemma_alloc_tail(pm_obm x, int k1, int k2); */
/*@ ghost void lemma_rank_bounds(pm_obm x, int k); */
/*@ ghost void lemma_rank_except(pm_obm x, pm_obm y, int a, int k); */
/*@ ghost void lemma_rank_tail(pm_obm x, int k1, int k2); */
/* ... and one pool changed (obmalloc_lemma.c), a product, a quotient
 * (obmalloc_pool.c). */
/*@ ghost void lemma_arenas_restore(pm_obm x, pm_obm_pool v, int p); */
/*@ ghost void lemma_pools_q(pm_obm x, int a); */
/*@ ghost void lemma_used_fresh(pm_obm x, pm_obm_pool v, int p); */
/*@ ghost void lemma_used_keep(pm_obm x, pm_obm_pool v, int h); */
/*@ ghost void lemma_arenas_hold(pm_obm x, pm_obm_pool v, int p); */
/*@ ghost void lemma_div_exact(int x, int s); */
/*@ ghost void lemma_div_split(uint64_t x, uint64_t s); */

/* obmalloc_pool.c: blocks of a pool, usedpools, block descriptions. */
int32_t obm_block_take(pm_obm *st, int32_t p);
void obm_block_give(pm_obm *st, int32_t p, int32_t b);
void obm_block_carve(pm_obm *st, int32_t p);
void obm_pool_init(pm_obm *st, int32_t p, int32_t c);
void obm_used_push_front(pm_obm *st, int32_t p, int32_t c);
void obm_used_unlink(pm_obm *st, int32_t p);
void obm_describe(const pm_obm *st, int32_t a, int32_t k, int32_t b,
                  pm_obm_block *out);

/* obmalloc_arena.c: the arena table. */
int32_t obm_new_arena(pm_obm *st);
void obm_release_arena(pm_obm *st, int32_t a);

/* obmalloc_usable.c: usable_arenas. */
void obm_usable_remove(pm_obm *st, int32_t a);
void obm_usable_push_head(pm_obm *st, int32_t a);
int32_t obm_take_pool(pm_obm *st);
void obm_insert_to_freepool(pm_obm *st, int32_t a, int32_t p,
                            pm_obm_block *out);

#endif /* PM_OBMALLOC_CORE_H */
