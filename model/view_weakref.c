/* view_weakref.c: read-only view of a weak reference's referent, for the
 * pymemref command (declared in model/cli/cli.h).  pm_model_slot() shows
 * no slot for a weak reference: its referent is wr_object, not a slot. */
#include "heap.h"
#include "cli/cli.h"

int32_t pm_model_weakref_referent(const pm_model *m, int32_t i)
{
    if (i < 0 || i >= m->nobjs || !m->objs[i].live || pm_obj_kind(m, i) != PM_KIND_WEAKREF)
        return -1;
    return m->objs[i].wr_object >= 0 ? m->objs[i].wr_object : -1;
}
