/* smodel.h: a 3.11 model in fixed-size static tables, for the harnesses.
 *
 * bmc_model_init builds, field by field, the state pm_model_new (heap.c)
 * leaves: the built-in classes, the PM_NHEADS empty list heads, gc.garbage
 * and the namespace on the permanent generation.  Only where the tables
 * live differs: typed static arrays of BMC_CAP_* entries, with those
 * capacities recorded where the model keeps them, so that the model never
 * calls realloc (stubs.c asserts that it does not) and CBMC knows the
 * type and the address of every table.  No pm_model_new, no copy, no
 * realloc: symbolic execution starts from constants.  The event log is a
 * static buffer of BMC_CAP_EVENTS entries (an overflow is a reported
 * failure: the model would call realloc).  Never pass the model to
 * pm_model_free. */
#ifndef PM_BMC_SMODEL_H
#define PM_BMC_SMODEL_H

#include "bmc.h"
#include "heap.h"

#ifndef BMC_CAP_OBJS
#define BMC_CAP_OBJS 24
#endif
#ifndef BMC_CAP_SLOTS
#define BMC_CAP_SLOTS 24
#endif
#ifndef BMC_CAP_EVENTS
#define BMC_CAP_EVENTS 24
#endif
#ifndef BMC_CAP_CLASSES
#define BMC_CAP_CLASSES 8
#endif

/* The model (one per harness run), empty as pm_model_new makes it. */
pm_model *bmc_model_init(void);

#endif
