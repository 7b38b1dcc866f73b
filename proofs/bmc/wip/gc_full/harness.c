/* gc_full: a full collection (gc.collect(2)) of every heap heapgen.h
 * builds -- every class mix (no finalizer, observing finalizer,
 * resurrecting finalizer, weak references with and without callback),
 * every slot configuration, every set of names -- frees exactly the
 * objects that the naive specification (common/spec.c) finds unreachable
 * from the names, less what a resurrecting finalizer makes reachable
 * again; runs each finalizer at most once; calls exactly the callbacks of
 * live weak references to garbage; leaves the heap valid (reference
 * counts included) and every survivor in generation 2. */
#include "heapgen.h"
#include "spec.h"

#define N BMC_NOBJ
#ifndef BMC_GENS
#define BMC_GENS 7               /* the generations objects may start in */
#endif
#ifndef BMC_CLASSES
#define BMC_CLASSES BMC_C_ALL   /* the classes the heap may use (heapgen.h) */
#endif

static bool is_weak(uint8_t k) { return k == BMC_C_WEAK_CB || k == BMC_C_WEAK; }
static bool has_del(uint8_t k) { return k == BMC_C_OBSERVE || k == BMC_C_RESURRECT; }

/* How many events of KIND name object I of the heap. */
static int count_events(const bmc_heap *h, int32_t first_event, pm_event_kind kind, int32_t i)
{
    const pm_model *m = h->m;
    int c = 0;
    for (int32_t e = first_event; e < m->nev; e++)
        if (m->ev[e].kind == kind && m->ev[e].obj == m->objx[bmc_obj(h, i)].uid)
            c++;
    return c;
}

int main(void)
{
    bmc_heap h;
    if (!bmc_heap_build(&h, BMC_CLASSES, BMC_GENS))
        return 0;
    pm_model *m = h.m;

    /* the heap as the specification sees it */
    bool adj[SPEC_MAX][SPEC_MAX] = {{false}}, root[SPEC_MAX] = {false}, reach[SPEC_MAX];
    bool finalized0[N];
    int32_t referent0[N];
    for (int i = 0; i < N; i++) {
        int32_t o = bmc_obj(&h, i);
        finalized0[i] = m->objs[o].finalized;
        referent0[i] = is_weak(h.kind[i]) ? m->objx[o].wr_object : -1;
        for (int k = 0; k < m->objs[o].nslots; k++) {
            int32_t v = pm_slot_get(m, o, k);
            if (v >= 0)
                adj[i][v - h.first] = true;
        }
    }
    for (int k = 0; k < BMC_NNAMES; k++) {
        int32_t v = pm_slot_get(m, m->ns, k);
        if (v >= 0)
            root[v - h.first] = true;
    }
    spec_reach(N, adj, root, reach);

    int32_t ev0 = m->nev;
    m->collecting = true;                 /* as op_collect runs it */
    int64_t found = pm_gc_collect_main(m, 2);
    m->collecting = false;
    __CPROVER_assert(!m->failed, "the collection does not fail");

    /* finalizers: each unreachable, unfinalized object with __del__ once */
    bool ran[N];
    bool any_resurrector = false;
    for (int i = 0; i < N; i++) {
        ran[i] = !reach[i] && has_del(h.kind[i]) && !finalized0[i];
        any_resurrector |= ran[i] && h.kind[i] == BMC_C_RESURRECT;
        __CPROVER_assert(count_events(&h, ev0, PM_EV_DEL, i) == (ran[i] ? 1 : 0),
                         "__del__ runs exactly once for unreachable unfinalized objects");
    }
    /* resurrection: R holds the last resurrector; what it reaches survives */
    int32_t r = pm_slot_get(m, m->ns, BMC_RNAME);
    bool rroot[SPEC_MAX] = {false}, revived[SPEC_MAX];
    if (any_resurrector) {
        __CPROVER_assert(r >= h.first && r < h.first + N && ran[r - h.first] &&
                         h.kind[r - h.first] == BMC_C_RESURRECT,
                         "R is bound to a resurrecting object whose finalizer ran");
        rroot[r - h.first] = true;
    } else {
        __CPROVER_assert(r == PM_NULL, "R stays unbound without a resurrector");
    }
    spec_reach(N, adj, rroot, revived);

    int64_t nfreed = 0;
    for (int i = 0; i < N; i++) {
        int32_t o = bmc_obj(&h, i);
        bool freed = !reach[i] && !revived[i];
        nfreed += freed;
        __CPROVER_assert(m->objs[o].live == !freed,
                         "exactly the unreachable, unrevived objects are freed");
        if (!freed) {
            __CPROVER_assert(m->objs[o].gc_next >= 0 && m->objs[o].list == PM_HEAD_GEN2,
                             "survivors are in generation 2");
            __CPROVER_assert(m->objs[o].finalized == (finalized0[i] || ran[i]),
                             "FINALIZED is set exactly on the objects finalized");
        }
        if (is_weak(h.kind[i])) {
            int32_t ref = referent0[i];
            bool to_garbage = ref >= 0 && !reach[ref - h.first];
            __CPROVER_assert(count_events(&h, ev0, PM_EV_CALLBACK, i) ==
                             (reach[i] && to_garbage && h.kind[i] == BMC_C_WEAK_CB ? 1 : 0),
                             "callbacks run exactly for live weakrefs to garbage");
            if (!freed)
                __CPROVER_assert(m->objx[o].wr_object == (to_garbage ? -1 : ref),
                                 "weakrefs to garbage are cleared, others kept");
        }
    }
    __CPROVER_assert(found == nfreed, "gc.collect() returns the number freed");
    __CPROVER_assert(pm_model_is_valid(m, NULL, 0),
                     "the heap stays valid (lists, reference counts, weakrefs)");
    return 0;
}
