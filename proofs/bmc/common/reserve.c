/* reserve.c: give a new model's growable tables their final size at once.
 *
 * CBMC's realloc copies an object with __CPROVER_array_copy, after which
 * symbolic execution no longer knows any value in the copy: every loop
 * bound and index read from a table that has grown becomes symbolic, and a
 * harness of five objects does not finish in an hour.  The model grows its
 * tables by doubling from 16 entries (heap.c, grow), so the heads and lists
 * of pm_model_new already fill most of the object table.  This function
 * moves each table into an allocation of BMC_CAP_* entries, copying the
 * entries one by one (a typed copy keeps their values known), and records
 * the new capacity where the model keeps it; the model then never calls
 * realloc for a bounded harness.  Capacity is invisible to the semantics:
 * the model reads it only to decide when to grow.  The copies have concrete
 * sizes no larger than CBMC's field-sensitivity limit (--max-field-
 * sensitivity-array-size, set in bmc.mk).
 *
 * This is the one place where a harness touches the model's internal
 * layout (model/heap.h); a model function that reserves capacity would
 * replace it (see spec/bounds.md). */
#include "bmc.h"
#include "heap.h"

#include <stdlib.h>

#ifndef BMC_CAP_OBJS
#define BMC_CAP_OBJS 40
#endif
#ifndef BMC_CAP_SLOTS
#define BMC_CAP_SLOTS 64
#endif
#ifndef BMC_CAP_EVENTS
#define BMC_CAP_EVENTS 48
#endif

bool bmc_reserve(pm_model *m)
{
    __CPROVER_assert(m->nobjs <= BMC_CAP_OBJS && m->nslotpool <= BMC_CAP_SLOTS &&
                     m->nev <= BMC_CAP_EVENTS && m->nevobjs <= BMC_CAP_EVENTS,
                     "harness: reserved tables hold the new model");
    pm_obj *objs = malloc(BMC_CAP_OBJS * sizeof *objs);
    pm_objx *objx = malloc(BMC_CAP_OBJS * sizeof *objx);
    int32_t *slots = malloc(BMC_CAP_SLOTS * sizeof *slots);
    pm_event *ev = malloc(BMC_CAP_EVENTS * sizeof *ev);
    int32_t *evobjs = malloc(BMC_CAP_EVENTS * sizeof *evobjs);
    if (!objs || !objx || !slots || !ev || !evobjs) {
        free(objs);
        free(objx);
        free(slots);
        free(ev);
        free(evobjs);
        return false;
    }
    for (int32_t i = 0; i < m->nobjs; i++) {
        objs[i] = m->objs[i];
        objx[i] = m->objx[i];
    }
    for (int64_t i = 0; i < m->nslotpool; i++)
        slots[i] = m->slots[i];
    for (int32_t i = 0; i < m->nev; i++)
        ev[i] = m->ev[i];
    for (int32_t i = 0; i < m->nevobjs; i++)
        evobjs[i] = m->evobjs[i];
    free(m->objs);
    free(m->objx);
    free(m->slots);
    free(m->ev);
    free(m->evobjs);
    m->objs = objs;
    m->objx = objx;
    m->capobjs = BMC_CAP_OBJS;
    m->slots = slots;
    m->capslotpool = BMC_CAP_SLOTS;
    m->ev = ev;
    m->capev = BMC_CAP_EVENTS;
    m->evobjs = evobjs;
    m->capevobjs = BMC_CAP_EVENTS;
    return true;
}
