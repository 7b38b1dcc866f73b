/* heapgen.c: bmc_heap_build (heapgen.h). */
#include "heapgen.h"

#include <string.h>

/* A nondeterministic reference: None or one of the heap's objects. */
static int32_t any_ref(const bmc_heap *h)
{
    int32_t v = nondet_int32();
    __CPROVER_assume(v == PM_NULL || (v >= h->first && v < h->first + h->n));
    return v;
}

static bool declare(pm_model *m, pm_del_action del, int32_t *cls)
{
    pm_class c;
    memset(&c, 0, sizeof c);
    c.kind = PM_KIND_INSTANCE;
    c.nslots = BMC_NSLOTS;
    c.weakrefable = true;
    c.del = del;
    c.del_name = del == PM_DEL_RESURRECT ? BMC_RNAME : -1;
    c.del_slot = c.del_class = -1;
    *cls = m->nclasses;
    return pm_model_declare(m, &c);
}

/* Link weak reference W to referent O as weakref___new__ does: a
 * callback-less reference first, one with a callback after it. */
static void link_weakref(pm_model *m, int32_t w, int32_t o)
{
    pm_objx *x = &m->objx[w];
    x->wr_object = o;
    int32_t head = m->objx[o].wr_list;
    if (m->objs[w].has_callback && head >= 0 && !m->objs[head].has_callback) {
        x->wr_prev = head;
        x->wr_next = m->objx[head].wr_next;
        if (x->wr_next >= 0)
            m->objx[x->wr_next].wr_prev = w;
        m->objx[head].wr_next = w;
    } else {
        x->wr_prev = -1;
        x->wr_next = head;
        if (head >= 0)
            m->objx[head].wr_prev = w;
        m->objx[o].wr_list = w;
    }
}

bool bmc_heap_build(bmc_heap *h, unsigned classes, unsigned gens)
{
    memset(h, 0, sizeof *h);
    pm_model *m = pm_model_new(pm_profile_find("3.11"), NULL);
    if (!m || !bmc_reserve(m))
        return false;
    h->m = m;
    /* gc.disable(): collections happen only where the harness asks */
    m->enabled = false;
    h->cls[BMC_C_WEAK_CB] = h->cls[BMC_C_WEAK] = PM_CLS_WEAKREF;
    if (!declare(m, PM_DEL_NONE, &h->cls[BMC_C_PLAIN]) ||
        !declare(m, PM_DEL_OBSERVE, &h->cls[BMC_C_OBSERVE]) ||
        !declare(m, PM_DEL_RESURRECT, &h->cls[BMC_C_RESURRECT]))
        return false;

    h->first = m->nobjs;
    h->n = BMC_NOBJ;
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        uint8_t k = (uint8_t)nondet_int32();
        __CPROVER_assume((k == BMC_C_PLAIN || k == BMC_C_OBSERVE || k == BMC_C_RESURRECT ||
                          k == BMC_C_WEAK_CB || k == BMC_C_WEAK) && (k & classes));
        h->kind[i] = k;
        bool weak = k == BMC_C_WEAK_CB || k == BMC_C_WEAK;
        int32_t o = pm_obj_new(m, h->cls[k], weak ? 0 : BMC_NSLOTS, PM_LABEL_NONE);
        __CPROVER_assert(o == bmc_obj(h, i), "harness: objects are numbered in order");
        pm_assign_uid(m, o);
        m->objs[o].refcnt = nondet_int32();
        __CPROVER_assume(m->objs[o].refcnt >= 1);
        m->objs[o].has_callback = k == BMC_C_WEAK_CB;
        m->objs[o].finalized = (k == BMC_C_OBSERVE || k == BMC_C_RESURRECT) && nondet_bool();
    }
    /* slots and weak referents, once every object exists */
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        int32_t o = bmc_obj(h, i);
        if (h->kind[i] == BMC_C_WEAK_CB || h->kind[i] == BMC_C_WEAK) {
            int32_t r = any_ref(h);
            if (r >= 0) {
                uint8_t rk = h->kind[r - h->first];
                __CPROVER_assume(rk == BMC_C_PLAIN || rk == BMC_C_OBSERVE || rk == BMC_C_RESURRECT);
                /* weakref___new__ reuses the one callback-less reference */
                if (h->kind[i] == BMC_C_WEAK) {
                    int32_t head = m->objx[r].wr_list;
                    __CPROVER_assume(head < 0 || m->objs[head].has_callback);
                }
                link_weakref(m, o, r);
            }
            continue;
        }
        for (int32_t k = 0; k < BMC_NSLOTS; k++)
            pm_slot_put(m, o, k, any_ref(h));
    }
    /* generations: each object on one list, in index order */
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        int32_t g = nondet_int32();
        __CPROVER_assume(g >= 0 && g <= 2 && ((gens >> g) & 1));
        h->gen[i] = (uint8_t)g;
        gc_list_append(m, bmc_obj(h, i), g);
    }
    /* the namespace: BMC_NNAMES names bound to anything, and the name the
     * resurrecting finalizer binds, unbound */
    if (!pm_slots_grow(m, m->ns, BMC_NNAMES + 1))
        return false;
    m->objs[m->ns].nslots = BMC_NNAMES + 1;
    for (int32_t k = 0; k < BMC_NNAMES; k++)
        pm_slot_put(m, m->ns, k, any_ref(h));
    pm_slot_put(m, m->ns, BMC_RNAME, PM_NULL);
    __CPROVER_assume(pm_model_is_valid(m, NULL, 0));
    return true;
}
