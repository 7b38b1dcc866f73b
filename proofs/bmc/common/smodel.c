/* smodel.c: bmc_model_init (smodel.h).  Each assignment mirrors a step of
 * pm_model_new / pm_obj_new (model/heap.c).  (A CBMC harness comparing
 * the two states does not finish: pm_model_new's untyped allocations are
 * what the static tables avoid; the comparison was made natively, see
 * spec/bounds.md.) */
#include "smodel.h"

#include <string.h>

static pm_model bmc_m;
static pm_class bmc_classes[BMC_CAP_CLASSES];
static pm_obj bmc_objs[BMC_CAP_OBJS];
static pm_objx bmc_objx[BMC_CAP_OBJS];
static int32_t bmc_slots[BMC_CAP_SLOTS];
static pm_event bmc_ev[BMC_CAP_EVENTS];
static int32_t bmc_evobjs[BMC_CAP_EVENTS];
static int32_t bmc_tuple_free[32];

/* pm_obj_new's object O of class CLS, no slots, untracked, count 0. */
static void obj(pm_model *m, int32_t o, int32_t cls, uint8_t label)
{
    pm_obj *p = &m->objs[o];
    p->kind = (uint8_t)m->classes[cls].kind;
    p->slot0 = 0;
    p->nslots = 0;
    p->gc_next = p->gc_prev = -1;
    p->live = true;
    p->label = label;
    pm_objx *x = &m->objx[o];
    x->cls = cls;
    x->wr_list = x->wr_object = x->wr_prev = x->wr_next = -1;
}

pm_model *bmc_model_init(void)
{
    pm_model *m = &bmc_m;
    m->prof = pm_profile_find("3.11");
    __CPROVER_assert(m->prof != NULL && m->prof->tuple_freelist_sizes < 32,
                     "harness: the 3.11 profile exists");
    m->tuple_free = bmc_tuple_free;
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

    /* the built-in classes (pm_model_new's table `builtin`) */
    m->classes[PM_CLS_WEAKREF].kind = PM_KIND_WEAKREF;
    m->classes[PM_CLS_TUPLE].kind = PM_KIND_TUPLE;
    m->classes[PM_CLS_LIST].kind = PM_KIND_LIST;
    m->classes[PM_CLS_DICT].kind = PM_KIND_DICT;
    m->classes[PM_CLS_HEAD].kind = PM_KIND_LIST;
    m->nclasses = PM_NBUILTIN_CLASSES;

    /* the list heads, each an empty circular list */
    for (int32_t h = 0; h < PM_NHEADS; h++) {
        obj(m, h, PM_CLS_HEAD, PM_LABEL_HEAD);
        m->objs[h].gc_next = m->objs[h].gc_prev = h;
    }
    m->next_scratch = PM_HEAD_SCRATCH0;
    for (int g = 0; g < PM_NUM_GENERATIONS; g++)
        m->threshold[g] = m->prof->threshold[g];
    m->enabled = true;

    /* gc.garbage and the namespace, frozen: on the permanent list */
    m->garbage = PM_NHEADS;
    m->ns = PM_NHEADS + 1;
    obj(m, m->garbage, PM_CLS_LIST, PM_LABEL_GARBAGE);
    obj(m, m->ns, PM_CLS_LIST, PM_LABEL_NAMESPACE);
    m->nobjs = m->nbase = PM_NHEADS + 2;
    m->objs[m->garbage].refcnt = 1;
    m->objs[m->ns].refcnt = 1;
    gc_list_append(m, m->garbage, PM_HEAD_PERMANENT);
    gc_list_append(m, m->ns, PM_HEAD_PERMANENT);
    return m;
}
