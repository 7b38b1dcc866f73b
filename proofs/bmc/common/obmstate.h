/* obmstate.h: the pymalloc model's initial state for CBMC, in typed tables (the obmalloc counterpart of smodel.c).
 *
 * bmc_obm_init writes, field by field, the state pm_obm_init (model/
 * obmalloc.c) makes for a BITS-bit CPython (misalignment 0), with its
 * first pm_obm_grow(16) done: maxarenas 0, cap_arenas 16, every arena
 * link -1, every arena and pool zero.  Differences, all physical:
 *   - the pool table (and pool_next, pool_prev) has BMC_OBM_POOLS entries,
 *     not 16 * 64: the model reaches a pool only through a carved pool of
 *     an arena in use, and carves pools of arena 0 in order, so a run of
 *     N operations touches pools 0..N-1 of arena 0 only.  Any access
 *     beyond the table is a failed --pointer-check, never a silent cut;
 *   - the pool table is malloc'd, not static: its scalars are zeroed as
 *     calloc zeroes them, its per-block tables (next, stack, pos, ustack,
 *     upos, bstate: 6 * 1021 entries a pool) are left unconstrained (the
 *     model writes each entry before it reads it, so this is a larger set
 *     of starting states than calloc's);
 *   - the system-block table is reserved at BMC_OBM_SYS entries (the model
 *     grows it from 0 to 64 on first use); obmstubs.c's realloc asserts
 *     that it never has to grow. */
#ifndef BMC_OBMSTATE_H
#define BMC_OBMSTATE_H

#include "obmalloc.h"

#ifndef BMC_OBM_POOLS
# define BMC_OBM_POOLS 8
#endif
#ifndef BMC_OBM_SYS
# define BMC_OBM_SYS 8
#endif
#ifndef BMC_OBM_BITS
# define BMC_OBM_BITS 32
#endif

void bmc_obm_init(pm_obm *st);

#endif
