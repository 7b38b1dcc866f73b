/* concretize.h: case splits on object indices (concretize.c). */
#ifndef PM_BMC_CONCRETIZE_H
#define PM_BMC_CONCRETIZE_H

#include "pymemref.h"

#ifndef BMC_CAP_OBJS
#define BMC_CAP_OBJS 40
#endif

/* The objects a case split may name: indices in [bmc_split_lo, bmc_split_hi). */
extern int32_t bmc_split_lo, bmc_split_hi;
/* While set, no object may be deallocated (asserted; see concretize.c). */
extern bool bmc_nothing_dies;

void bmc_split_range(int32_t lo, int32_t hi);

/* The wrappers installed with goto-instrument --replace-calls. */
void bmc_dealloc(pm_model *m, int32_t o);
void bmc_tp_clear(pm_model *m, int32_t o);
void bmc_run_finalizer(pm_model *m, int32_t o);

#endif
