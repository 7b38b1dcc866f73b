/* heapgen.c: bmc_heap_build (heapgen.h), on the static model of smodel.c.
 *
 * Everything whose position can be fixed is a constant: object I is at
 * index first + I, its slots at a fixed place of the pool (two per
 * object, a weak reference leaving them unused), the names first in the
 * pool.  What varies is chosen nondeterministically: the class of each
 * object, every slot value, every name, every referent, every generation,
 * every FINALIZED bit, and the reference counts, which only
 * pm_model_is_valid then pins down. */
#include "heapgen.h"
#include "smodel.h"

/* A nondeterministic reference: None or one of the heap's objects.  With
 * BMC_REF_CHAIN it is built as a chain of choices between constants, so
 * that symbolic execution sees every index it can take (an index made by
 * nondet_int32 and an assumption may, for symbolic execution, be any). */
static int32_t any_ref(const bmc_heap *h)
{
#ifdef BMC_REF_CHAIN
    int32_t v = PM_NULL;
    for (int32_t i = 0; i < BMC_NOBJ; i++)
        if (nondet_bool())
            v = h->first + i;
    return v;
#else
    int32_t v = nondet_int32();
    __CPROVER_assume(v == PM_NULL || (v >= h->first && v < h->first + h->n));
    return v;
#endif
}

#ifdef BMC_KINDS
/* The class of each object, fixed at compile time (one run per mix). */
static const uint8_t bmc_kinds[BMC_NOBJ] = BMC_KINDS;
#endif

/* Trace class C as pm_model_declare stores it (no PM_DEL_CREATE here). */
static int32_t declare(pm_model *m, pm_del_action del)
{
    pm_class *c = &m->classes[m->nclasses];
    c->kind = PM_KIND_INSTANCE;
    c->nslots = BMC_NSLOTS;
    c->weakrefable = true;
    c->del = del;
    c->del_name = del == PM_DEL_RESURRECT ? BMC_RNAME : -1;
    c->del_slot = c->del_class = -1;
    return m->nclasses++;
}

bool bmc_heap_build(bmc_heap *h, unsigned classes, unsigned gens)
{
    __CPROVER_assert(PM_NHEADS + 2 + BMC_NOBJ <= BMC_CAP_OBJS &&
                     BMC_NNAMES + 1 + BMC_NOBJ * BMC_NSLOTS <= BMC_CAP_SLOTS &&
                     PM_NBUILTIN_CLASSES + 3 <= BMC_CAP_CLASSES && BMC_NOBJ <= SPEC_MAX,
                     "harness: the static tables hold the heap");
    pm_model *m = bmc_model_init();
    h->m = m;
    /* gc.disable(): collections happen only where the harness asks */
    m->enabled = false;
    h->cls[BMC_C_WEAK_CB] = h->cls[BMC_C_WEAK] = PM_CLS_WEAKREF;
    h->cls[BMC_C_PLAIN] = declare(m, PM_DEL_NONE);
    h->cls[BMC_C_OBSERVE] = declare(m, PM_DEL_OBSERVE);
    h->cls[BMC_C_RESURRECT] = declare(m, PM_DEL_RESURRECT);

    /* the namespace: BMC_NNAMES names, then the one the resurrecting
     * class binds; its slots come first in the pool */
    int32_t nsl = BMC_NNAMES + 1;
    m->objs[m->ns].slot0 = 0;
    m->objs[m->ns].nslots = nsl;
    m->objx[m->ns].capslots = nsl;
    m->nslotpool = nsl + BMC_NOBJ * BMC_NSLOTS;

    h->first = m->nobjs;
    h->n = BMC_NOBJ;
    m->nobjs += BMC_NOBJ;
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
#ifdef BMC_KINDS
        uint8_t k = bmc_kinds[i];
        __CPROVER_assert((k == BMC_C_PLAIN || k == BMC_C_OBSERVE || k == BMC_C_RESURRECT ||
                          k == BMC_C_WEAK_CB || k == BMC_C_WEAK) && (k & classes),
                         "harness: BMC_KINDS names allowed classes");
#else
        uint8_t k = (uint8_t)bmc_range(0, BMC_C_ALL);
#endif
        __CPROVER_assume((k == BMC_C_PLAIN || k == BMC_C_OBSERVE || k == BMC_C_RESURRECT ||
                          k == BMC_C_WEAK_CB || k == BMC_C_WEAK) && (k & classes));
        h->kind[i] = k;
        bool weak = k == BMC_C_WEAK_CB || k == BMC_C_WEAK;
        int32_t o = bmc_obj(h, i);
        pm_obj *p = &m->objs[o];
        p->kind = weak ? PM_KIND_WEAKREF : PM_KIND_INSTANCE;
        p->slot0 = nsl + i * BMC_NSLOTS;
        p->nslots = weak ? 0 : BMC_NSLOTS;
        p->live = true;
        p->refcnt = nondet_int32();
        __CPROVER_assume(p->refcnt >= 1);
        p->has_callback = k == BMC_C_WEAK_CB;
        p->finalized = (k == BMC_C_OBSERVE || k == BMC_C_RESURRECT) && nondet_bool();
        pm_objx *x = &m->objx[o];
        x->cls = h->cls[k];
        x->uid = i + 1;
        x->capslots = BMC_NSLOTS;
        x->wr_list = x->wr_object = x->wr_prev = x->wr_next = -1;
        for (int32_t s = 0; s < BMC_NSLOTS; s++)
            m->slots[p->slot0 + s] = weak ? PM_NULL : any_ref(h);
    }
    m->next_uid = BMC_NOBJ;
    /* weak referents, once every object exists: any instance, or none */
    int32_t ref[BMC_NOBJ];
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        ref[i] = -1;
        if (h->kind[i] != BMC_C_WEAK_CB && h->kind[i] != BMC_C_WEAK)
            continue;
        int32_t r = any_ref(h);
        if (r >= 0) {
            uint8_t rk = h->kind[r - h->first];
            __CPROVER_assume(rk == BMC_C_PLAIN || rk == BMC_C_OBSERVE || rk == BMC_C_RESURRECT);
        }
        ref[i] = r;
    }
    /* Each referent's list as weakref___new__ leaves it (model/refcount.c,
     * pm_new_weakref): the one callback-less reference first (it is
     * reused, so there is at most one), then those with a callback, here
     * in index order.  Every link is computed for a fixed index: no write
     * at a symbolic index. */
    for (int32_t j = 0; j < BMC_NOBJ; j++) {
        bool basic = h->kind[j] == BMC_C_WEAK;
        for (int32_t i = 0; i < j; i++)
            __CPROVER_assume(!(basic && h->kind[i] == BMC_C_WEAK && ref[i] == ref[j] && ref[j] >= 0));
    }
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        int32_t o = bmc_obj(h, i), basic = -1, first_cb = -1;
        for (int32_t j = BMC_NOBJ - 1; j >= 0; j--) {
            if (ref[j] != o)
                continue;
            if (h->kind[j] == BMC_C_WEAK)
                basic = bmc_obj(h, j);
            else
                first_cb = bmc_obj(h, j);
        }
        m->objx[o].wr_list = basic >= 0 ? basic : first_cb;
    }
    for (int32_t j = 0; j < BMC_NOBJ; j++) {
        int32_t w = bmc_obj(h, j), r = ref[j];
        pm_objx *x = &m->objx[w];
        x->wr_object = r;
        if (r < 0)
            continue;
        int32_t prev = -1, next = -1;
        for (int32_t i = 0; i < BMC_NOBJ; i++) {
            if (i == j || ref[i] != r)
                continue;
            if (h->kind[j] == BMC_C_WEAK) {         /* first: next is the first cb */
                if (next < 0)
                    next = bmc_obj(h, i);
            } else if (h->kind[i] == BMC_C_WEAK) {  /* the basic one comes first */
                if (prev < 0)
                    prev = bmc_obj(h, i);
            } else if (i < j) {
                prev = bmc_obj(h, i);                /* the last cb before j */
            } else if (next < 0) {
                next = bmc_obj(h, i);                /* the first cb after j */
            }
        }
        x->wr_prev = prev;
        x->wr_next = next;
    }
    /* generations: nondecreasing in index order, each list in index
     * order.  No generality is lost: classes, slots and names are chosen
     * per object, so any other layout is this one with the objects
     * renumbered. */
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
#ifdef BMC_REF_CHAIN
        int32_t g = -1;         /* a chain of constants, as in any_ref */
        for (int32_t c = 0; c <= 2; c++)
            if (((gens >> c) & 1) && (g < 0 || nondet_bool()))
                g = c;
#else
        int32_t g = nondet_int32();
#endif
        __CPROVER_assume(g >= 0 && g <= 2 && ((gens >> g) & 1));
        __CPROVER_assume(i == 0 || g >= h->gen[i - 1]);
        h->gen[i] = (uint8_t)g;
    }
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        int32_t o = bmc_obj(h, i), g = h->gen[i];
        m->objs[o].list = (uint8_t)g;
        m->objs[o].gc_prev = i > 0 && h->gen[i - 1] == g ? o - 1 : g;
        m->objs[o].gc_next = i + 1 < BMC_NOBJ && h->gen[i + 1] == g ? o + 1 : g;
    }
    for (int32_t g = PM_HEAD_GEN0; g <= PM_HEAD_GEN2; g++) {
        int32_t first = g, last = g;
        for (int32_t i = BMC_NOBJ - 1; i >= 0; i--)
            if (h->gen[i] == g)
                first = bmc_obj(h, i);
        for (int32_t i = 0; i < BMC_NOBJ; i++)
            if (h->gen[i] == g)
                last = bmc_obj(h, i);
        m->objs[g].gc_next = first;
        m->objs[g].gc_prev = last;
    }
    /* the names: each bound to any object or unbound; R unbound */
    for (int32_t k = 0; k < BMC_NNAMES; k++)
        m->slots[k] = any_ref(h);
    m->slots[BMC_RNAME] = PM_NULL;
#ifdef BMC_REF_CHAIN
    /* each count computed from the slots and names that hold the object
     * (what heap_build proves pm_model_is_valid to force), so that it is
     * an expression over the choices, or a constant on one path */
    for (int32_t i = 0; i < BMC_NOBJ; i++) {
        int32_t o = bmc_obj(h, i), c = 0;
        for (int32_t s = 0; s < nsl + BMC_NOBJ * BMC_NSLOTS; s++)
            c += m->slots[s] == o;
        __CPROVER_assume(c >= 1);
        m->objs[o].refcnt = c;
    }
#endif
    __CPROVER_assume(pm_model_is_valid(m, NULL, 0));
    return true;
}
