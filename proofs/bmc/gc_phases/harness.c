/* gc_phases: the first phases of a collection of every generation, on
 * every heap heapgen.h builds (every class mix, slot and name
 * configuration, weak referent and generation layout), against a naive
 * specification written here and in common/spec.c (no code shared with
 * gc.c).  Young is the collected set: the objects of generations
 * 0..GEN, GEN chosen nondeterministically.  The collection runs through
 * the model's own entry, pm_gc_collect_main, and is observed at the
 * phase boundaries (the model's observer hook):
 *   - after update_refs: every young object is collecting, gc_refs = its
 *     reference count; nothing else collects;
 *   - after subtract_refs: gc_refs of each young object = the references
 *     from outside young: names of the namespace, and slots of objects of
 *     older generations (spec/gc.md's central property, issue #5);
 *   - after move_unreachable: the unreachable list holds exactly the young
 *     objects the naive reachability spec finds unreachable from the young
 *     objects with outside references, each once, flagged unreachable and
 *     still collecting; the young list holds exactly the others, no longer
 *     collecting; older generations are untouched.
 * The run is cut there (__CPROVER_assume(0) in the observer): the later
 * phases (weak references, finalizers, deallocation) are not covered by
 * this harness; spec/bounds.md says why (symbolic execution of the
 * deallocation cascade does not finish, wip/gc_full). */
#include "heapgen.h"
#include "spec.h"

#define N BMC_NOBJ
#ifndef BMC_CLASSES
#define BMC_CLASSES BMC_C_ALL
#endif

static bmc_heap h;
static int gen;                       /* the generation collected */
static bool young[SPEC_MAX];          /* object i is in the collected set */
static int32_t refs0[SPEC_MAX];       /* its reference count before */
static int32_t outside[SPEC_MAX];     /* references from outside the set */
static bool reach[SPEC_MAX];          /* reachable inside the set from outside */
static int phases_seen;

/* Whether HEAD's list, walked from the head, holds exactly the objects
 * with want[i], each once, with consistent back links (the walk is
 * bounded by N + 1 steps). */
static bool list_is(const pm_model *m, int32_t head, const bool want[SPEC_MAX])
{
    int seen[SPEC_MAX] = {0};
    bool ok = true;
    int32_t o = m->objs[head].gc_next;
    for (int step = 0; step <= N && o != head && ok; step++) {
        ok = o >= h.first && o < h.first + N && m->objs[m->objs[o].gc_next].gc_prev == o;
        if (ok) {
            seen[o - h.first]++;
            o = m->objs[o].gc_next;
        }
    }
    ok = ok && o == head;
    for (int i = 0; i < N; i++)
        ok = ok && seen[i] == (want[i] ? 1 : 0);
    return ok;
}

static void observer(void *ctx, const pm_model *m, pm_phase phase, int generation)
{
    (void)ctx;
    __CPROVER_assert(generation == gen, "the collection is of the generation asked");
    if (phase == PM_PHASE_UPDATE_REFS) {
        phases_seen |= 1;
        for (int i = 0; i < N; i++) {
            const pm_obj *p = &m->objs[bmc_obj(&h, i)];
            __CPROVER_assert(p->collecting == young[i], "update_refs: the young objects collect");
            if (young[i])
                __CPROVER_assert(p->gc_refs == refs0[i], "update_refs: gc_refs = refcount");
        }
    } else if (phase == PM_PHASE_SUBTRACT_REFS) {
        phases_seen |= 2;
        for (int i = 0; i < N; i++)
            if (young[i])
                __CPROVER_assert(m->objs[bmc_obj(&h, i)].gc_refs == outside[i],
                                 "subtract_refs: gc_refs = references from outside young");
    } else if (phase == PM_PHASE_MOVE_UNREACHABLE) {
        phases_seen |= 4;
        bool unr[SPEC_MAX] = {false}, kept[SPEC_MAX] = {false}, older[SPEC_MAX] = {false};
        for (int i = 0; i < N; i++) {
            const pm_obj *p = &m->objs[bmc_obj(&h, i)];
            unr[i] = young[i] && !reach[i];
            kept[i] = young[i] && reach[i];
            __CPROVER_assert(p->live && p->refcnt == refs0[i], "nothing is freed or counted yet");
            __CPROVER_assert(p->unreachable == unr[i] && p->collecting == unr[i],
                             "move_unreachable: flags of the unreachable objects");
        }
        __CPROVER_assert(list_is(m, PM_HEAD_SCRATCH0, unr),
                         "move_unreachable: the unreachable list holds the spec's unreachable set");
        __CPROVER_assert(list_is(m, gen, kept), "move_unreachable: young keeps the reachable objects");
        for (int g = gen + 1; g <= 2; g++) {
            for (int i = 0; i < N; i++)
                older[i] = h.gen[i] == g;
            __CPROVER_assert(list_is(m, g, older), "older generations are untouched");
        }
        __CPROVER_assert(phases_seen == 7, "the three phases were observed in order");
        /* the later phases are not part of this harness */
        __CPROVER_assume(0);
    }
}

int main(void)
{
    bmc_heap_build(&h, BMC_CLASSES, 7);
    pm_model *m = h.m;
    gen = bmc_range(0, 2);

    /* the specification: the collected set, its edges, its roots */
    bool adj[SPEC_MAX][SPEC_MAX] = {{false}}, root[SPEC_MAX] = {false};
    for (int i = 0; i < N; i++) {
        young[i] = h.gen[i] <= gen;
        refs0[i] = m->objs[bmc_obj(&h, i)].refcnt;
        outside[i] = 0;
    }
    for (int k = 0; k < BMC_NNAMES + 1; k++) {
        int32_t v = pm_slot_get(m, m->ns, k);
        if (v >= 0)
            outside[v - h.first]++;
    }
    for (int i = 0; i < N; i++) {
        int32_t o = bmc_obj(&h, i);
        for (int k = 0; k < m->objs[o].nslots; k++) {
            int32_t v = pm_slot_get(m, o, k);
            if (v < 0)
                continue;
            if (young[i])
                adj[i][v - h.first] = true;
            else
                outside[v - h.first]++;
        }
    }
    for (int i = 0; i < N; i++)
        root[i] = young[i] && outside[i] > 0;
    for (int i = 0; i < N; i++)      /* edges stay inside the set */
        for (int j = 0; j < N; j++)
            adj[i][j] = adj[i][j] && young[j];
    spec_reach(N, adj, root, reach);

    pm_model_set_observer(m, observer, NULL);
    m->collecting = true;             /* as op_collect runs it */
    pm_gc_collect_main(m, gen);
    __CPROVER_assert(0, "unreachable: the observer cuts the run after move_unreachable");
    return 0;
}
