/* heap_build: every heap the collector harnesses start from (heapgen.h:
 * up to BMC_NOBJ objects of every class mix, every slot and name
 * configuration, every referent, every generation) is well formed by
 * naive specifications written apart from model/heap_valid.c:
 *   - the reference count of each object is the number of slots and names
 *     that hold it (counted here, one reference at a time);
 *   - each generation list, walked from its head, holds exactly the
 *     objects whose generation the builder chose, in index order;
 *   - each weak reference to an object is on that object's list exactly
 *     once, the callback-less one first, and nothing else is.
 * The heap is constrained by pm_model_is_valid only; these facts are what
 * the collector harnesses rely on, so they are checked, not assumed. */
#include "heapgen.h"

#define N BMC_NOBJ

int main(void)
{
    bmc_heap h;
    bmc_heap_build(&h, BMC_C_ALL, 7);
    const pm_model *m = h.m;

    for (int32_t i = 0; i < N; i++) {
        int32_t o = bmc_obj(&h, i);
        int64_t refs = 0;
        for (int32_t p = 0; p < N; p++)
            for (int32_t k = 0; k < m->objs[bmc_obj(&h, p)].nslots; k++)
                refs += pm_slot_get(m, bmc_obj(&h, p), k) == o;
        for (int32_t k = 0; k <= BMC_NNAMES; k++)
            refs += pm_slot_get(m, m->ns, k) == o;
        __CPROVER_assert(m->objs[o].refcnt == refs,
                         "refcount = slots and names holding the object");
        __CPROVER_assert(refs >= 1, "every object is held");
    }
    for (int32_t g = PM_HEAD_GEN0; g <= PM_HEAD_GEN2; g++) {
        int32_t o = m->objs[g].gc_next;
        for (int32_t i = 0; i < N; i++) {
            if (h.gen[i] != g)
                continue;
            __CPROVER_assert(o == bmc_obj(&h, i), "generation lists in index order");
            o = m->objs[o].gc_next;
        }
        __CPROVER_assert(o == g, "generation lists hold nothing else");
    }
    for (int32_t i = 0; i < N; i++) {
        int32_t o = bmc_obj(&h, i), pos = 0, seen[N] = {0};
        for (int32_t w = m->objx[o].wr_list; w >= 0 && pos <= N; w = m->objx[w].wr_next, pos++) {
            __CPROVER_assert(w >= h.first && w < h.first + N && m->objx[w].wr_object == o,
                             "a referent's list holds its weak references");
            __CPROVER_assert(pos == 0 || m->objs[w].has_callback, "callback-less first");
            seen[w - h.first]++;
        }
        for (int32_t j = 0; j < N; j++)
            __CPROVER_assert(seen[j] == (m->objx[bmc_obj(&h, j)].wr_object == o &&
                                         m->objs[bmc_obj(&h, j)].kind == PM_KIND_WEAKREF),
                             "each weak reference to the object is listed once");
    }
    return 0;
}
