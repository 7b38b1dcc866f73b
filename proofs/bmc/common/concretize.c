/* concretize.c: make the object a deallocation works on a constant.
 *
 * The model links objects by index.  When a harness lets slot targets be
 * nondeterministic, the object whose count reaches zero is a symbolic index;
 * CBMC's symbolic execution cannot then tell its kind or class (a read
 * m->objs[v].kind with a symbolic v is a symbolic value), so every
 * deallocation would unfold every kind's code, every finalizer action and
 * every weak-reference path, recursively: a heap of one object with one
 * nondeterministic slot does not finish in ten minutes.
 *
 * The build (bmc.mk) redirects three calls of the model with
 * `goto-instrument --replace-calls` to the functions below: pm_decref's call
 * of pm_dealloc, delete_garbage's call of pm_tp_clear, and
 * finalize_garbage's call of pm_run_finalizer.  Each wrapper asserts that
 * the object lies in the range the harness declared and calls the model's
 * own function once per index of that range under `o == i`, with the
 * constant i: one specialised copy per object, whose kind and class are
 * known.  Nothing of the model is replaced; the split only renames the
 * argument.
 *
 * Two ghost facts prune copies that cannot run, each asserted before it is
 * assumed, so a wrong pruning is a reported failure, never a silent one:
 *   - an object is not deallocated again while its deallocation (or its
 *     tp_clear, during which delete_garbage holds it) is still running;
 *   - while the harness says so (bmc_nothing_dies: every object it built is
 *     bound to a name), no object is deallocated at all. */
#include "concretize.h"
#include "heap.h"

int32_t bmc_split_lo = PM_NHEADS, bmc_split_hi = PM_NHEADS;
bool bmc_nothing_dies;
static bool active[BMC_CAP_OBJS];   /* deallocation or tp_clear running */

void bmc_split_range(int32_t lo, int32_t hi)
{
    __CPROVER_assert(lo >= PM_NHEADS && lo <= hi && hi <= BMC_CAP_OBJS,
                     "harness: split range inside the object table");
    bmc_split_lo = lo;
    bmc_split_hi = hi;
}

static void enter(int32_t i, const char *what)
{
    (void)what;
    __CPROVER_assert(!active[i], "no object is deallocated or cleared twice at once");
    __CPROVER_assume(!active[i]);
    active[i] = true;
}

void bmc_dealloc(pm_model *m, int32_t o)
{
    __CPROVER_assert(!bmc_nothing_dies, "no object dies while every object is named");
    __CPROVER_assume(!bmc_nothing_dies);
    __CPROVER_assert(o >= bmc_split_lo && o < bmc_split_hi,
                     "harness: the object deallocated lies in the split range");
    for (int32_t i = bmc_split_lo; i < bmc_split_hi; i++) {
        if (o == i) {
            enter(i, "dealloc");
            pm_dealloc(m, i);
            active[i] = false;
            return;
        }
    }
    __CPROVER_assume(0);
}

void bmc_tp_clear(pm_model *m, int32_t o)
{
    __CPROVER_assert(o >= bmc_split_lo && o < bmc_split_hi,
                     "harness: the object cleared lies in the split range");
    for (int32_t i = bmc_split_lo; i < bmc_split_hi; i++) {
        if (o == i) {
            enter(i, "tp_clear");
            pm_tp_clear(m, i);
            active[i] = false;
            return;
        }
    }
    __CPROVER_assume(0);
}

void bmc_run_finalizer(pm_model *m, int32_t o)
{
    __CPROVER_assert(o >= bmc_split_lo && o < bmc_split_hi,
                     "harness: the object finalized lies in the split range");
    for (int32_t i = bmc_split_lo; i < bmc_split_hi; i++) {
        if (o == i) {
            pm_run_finalizer(m, i);
            return;
        }
    }
    __CPROVER_assume(0);
}
