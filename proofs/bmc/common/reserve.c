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
#ifndef BMC_CAP_CLASSES
#define BMC_CAP_CLASSES 16
#endif

/* The reserved tables: typed static arrays, so that CBMC knows the type
 * of every entry (an allocation made through realloc's stub is an array
 * of bytes, and every access to it a byte extraction). */
static pm_class bmc_classes[BMC_CAP_CLASSES];
static pm_obj bmc_objs[BMC_CAP_OBJS];
static pm_objx bmc_objx[BMC_CAP_OBJS];
static int32_t bmc_slots[BMC_CAP_SLOTS];
static pm_event bmc_ev[BMC_CAP_EVENTS];
static int32_t bmc_evobjs[BMC_CAP_EVENTS];

bool bmc_reserve(pm_model *m)
{
    __CPROVER_assert(m->nobjs <= BMC_CAP_OBJS && m->nslotpool <= BMC_CAP_SLOTS &&
                     m->nev <= BMC_CAP_EVENTS && m->nevobjs <= BMC_CAP_EVENTS &&
                     m->nclasses <= BMC_CAP_CLASSES,
                     "harness: reserved tables hold the new model");
    for (int32_t i = 0; i < m->nclasses; i++)
        bmc_classes[i] = m->classes[i];
    for (int32_t i = 0; i < m->nobjs; i++) {
        bmc_objs[i] = m->objs[i];
        bmc_objx[i] = m->objx[i];
    }
    for (int64_t i = 0; i < m->nslotpool; i++)
        bmc_slots[i] = m->slots[i];
    for (int32_t i = 0; i < m->nev; i++)
        bmc_ev[i] = m->ev[i];
    for (int32_t i = 0; i < m->nevobjs; i++)
        bmc_evobjs[i] = m->evobjs[i];
    free(m->classes);
    free(m->objs);
    free(m->objx);
    free(m->slots);
    free(m->ev);
    free(m->evobjs);
    m->classes = bmc_classes;
    m->capclasses = BMC_CAP_CLASSES;
    m->objs = bmc_objs;
    m->objx = bmc_objx;
    m->capobjs = BMC_CAP_OBJS;
    m->slots = bmc_slots;
    m->capslotpool = BMC_CAP_SLOTS;
    m->ev = bmc_ev;
    m->capev = BMC_CAP_EVENTS;
    m->evobjs = bmc_evobjs;
    m->capevobjs = BMC_CAP_EVENTS;
    return true;
}

/* Give the tables back to the allocator's view before pm_model_free
 * (which frees them): fresh allocations it may free. */
void bmc_unreserve(pm_model *m)
{
    m->classes = malloc(sizeof *m->classes);
    m->objs = malloc(sizeof *m->objs);
    m->objx = malloc(sizeof *m->objx);
    m->slots = malloc(sizeof *m->slots);
    m->ev = malloc(sizeof *m->ev);
    m->evobjs = malloc(sizeof *m->evobjs);
}
