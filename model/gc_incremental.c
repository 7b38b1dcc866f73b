/* gc_incremental.c: CPython 3.14.0-3.14.4's incremental cycle collector
 * (Python/gc.c: _PyGC_Collect, gc_collect_young, gc_collect_increment,
 * gc_collect_full, completed_scavenge, mark_stacks, mark_global_roots,
 * assess_work_to_do).  spec/gc.md, "The incremental collector", states it.
 *
 * Lists: gen0 is `young`; gen1 is the old space visited in the current
 * scavenge and gen2 the pending one (CPython's old[visited_space] and
 * old[visited_space ^ 1]); count[1] and count[2] are their counts.  An
 * object is "visited" when it is on gen1, on the permanent list, or on a
 * list the marking is building; young and pending objects are not.  The
 * phases of a collection (update_refs ... delete_garbage) are gc.c's,
 * through pm_gc_collect_region.
 *
 * Roots: CPython marks what the frames of the running Python stack hold
 * (mark_stacks) and, when a scavenge starts, what the interpreter's global
 * roots reach (mark_global_roots).  The driver's own objects are frozen,
 * so the model's roots are the temporaries its operations hold in the
 * trace's frame (m->roots, pushed by ops.c and refcount.c) and, once a
 * trace has unfrozen them, the namespace and gc.garbage. */
#include "heap.h"

#include <string.h>

/* 3.14's SCAN_RATE_DIVISOR: a full scavenge reads a tenth of the heap per
 * threshold1 young collections' worth of work. */
#define SCAN_RATE_DIVISOR 10

/* ------------------------------------------------------------ counting */

/* _PyObject_GC_TRACK: 3.14.1+ counts here and schedules a collection
 * (Include/internal/pycore_object.h; Python/gc.c _Py_TriggerGC). */
void pm_gc_track(pm_model *m, int32_t o)
{
    pm_track(m, o);
    if (m->prof->count_at_track) {
        m->count[0]++;
        pm_gc_maybe_collect(m);
    }
}

/* _PyObject_GC_UNTRACK: 3.14.1+ lowers count0 (not below 0). */
void pm_gc_untrack(pm_model *m, int32_t o)
{
    if (m->prof->count_at_track && pm_is_tracked(m, o) && m->count[0] > 0)
        m->count[0]--;
    pm_untrack(m, o);
}

void pm_root_push(pm_model *m, int32_t o)
{
    if (m->nroots < (int32_t)(sizeof m->roots / sizeof m->roots[0]))
        m->roots[m->nroots] = o;
    m->nroots++;
}

void pm_root_pop(pm_model *m, int32_t n)
{
    m->nroots -= n;
}

/* ------------------------------------------------------------- marking */

static bool is_visited(const pm_model *m, int32_t o)
{
    return m->objs[o].list != PM_HEAD_GEN0 && m->objs[o].list != PM_HEAD_GEN2;
}

/* move_to_reachable / visit_add_to_container: a tracked object of young or
 * pending moves to the end of LIST.  Returns 1 if it moved. */
static int64_t add_to(pm_model *m, int32_t v, int32_t list)
{
    if (v < 0 || !m->objs[v].live || !pm_is_tracked(m, v) || is_visited(m, v))
        return 0;
    gc_list_move(m, v, list);
    return 1;
}

/* Every reference tp_traverse of O visits, added to LIST. */
static int64_t traverse_add(pm_model *m, int32_t o, int32_t list)
{
    int64_t n = 0;
    for (int32_t k = 0; k < pm_traverse_count(m, o); k++)
        n += add_to(m, pm_traverse_item(m, o, k), list);
    return n;
}

/* mark_all_reachable: REACHABLE's objects, and everything not yet visited
 * that they reach, move to gen1 in breadth-first order. */
static int64_t mark_all_reachable(pm_model *m, int32_t reachable)
{
    int64_t n = 0;
    while (!gc_list_is_empty(m, reachable)) {
        int32_t o = m->objs[reachable].gc_next;
        gc_list_move(m, o, PM_HEAD_GEN1);
        n += traverse_add(m, o, reachable);
    }
    return n;
}

/* mark_stacks: the frames' objects, newest frame first and, in a frame,
 * the top of its stack first. */
static int64_t mark_stacks(pm_model *m, bool start)
{
    int32_t reachable = pm_scratch_head(m);
    int64_t n = 0;
    int32_t top = m->nroots < 16 ? m->nroots : 16;
    for (int32_t i = top - 1; i >= 0; i--)
        n += add_to(m, m->roots[i], reachable);
    /* the trace's namespace, once unfrozen: held by the driver's frames
     * (the frame of trace_exec.run holds the trace's globals) */
    if (start)
        n += add_to(m, m->ns, reachable);
    n += mark_all_reachable(m, reachable);
    pm_scratch_release(m, 1);
    return n;
}

/* mark_global_roots: sys.modules and the builtins reach gc.garbage (the gc
 * module) once the driver's objects are no longer frozen. */
static int64_t mark_global_roots(pm_model *m)
{
    int32_t reachable = pm_scratch_head(m);
    int64_t n = add_to(m, m->garbage, reachable);
    n += mark_all_reachable(m, reachable);
    pm_scratch_release(m, 1);
    return n;
}

/* ------------------------------------------------------------ bookkeeping */

/* The permanent generation is empty: neither the model's nor the driver's
 * frozen objects are in it. */
static bool permanent_empty(const pm_model *m)
{
    return gc_list_is_empty(m, PM_HEAD_PERMANENT) && m->opaque_permanent == 0;
}

/* completed_scavenge: what was visited is pending for the next scavenge.
 * With an empty permanent generation CPython flips which old space is
 * visited (the counts go with the spaces); otherwise it moves the visited
 * objects into the pending space. */
static void completed_scavenge(pm_model *m)
{
    if (permanent_empty(m)) {
        m->visited_space ^= 1;
        int64_t c = m->count[1];
        m->count[1] = m->count[2];
        m->count[2] = c;
    }
    gc_list_merge(m, PM_HEAD_GEN1, PM_HEAD_GEN2);
    m->work_to_do = 0;
    m->gc_collect_phase = false;
}

/* When the driver's frozen objects are not given (--frozen-base), the
 * number the Pyodide 3.14.2 driver freezes: 21,200 to 21,600 objects
 * (spec/differences.md, incremental-heap-size). */
#define DRIVER_HEAP 21000

/* gcstate->heap_size: every tracked object, the driver's frozen ones
 * included. */
static int64_t heap_size(const pm_model *m)
{
    int64_t n = m->opts.frozen_base > 2 ? m->opts.frozen_base - 2 : DRIVER_HEAP;
    for (int32_t h = PM_HEAD_GEN0; h <= PM_HEAD_PERMANENT; h++)
        n += gc_list_size(m, h);
    return n;
}

/* assess_work_to_do: the new objects plus a fraction of the heap, at most
 * work_heap_factor/2 times the new objects. */
static int64_t assess_work_to_do(pm_model *m)
{
    int64_t scale = m->threshold[1] < 2 ? 2 : m->threshold[1];
    int64_t fresh = m->count[0];
    int64_t cap = fresh * m->prof->work_heap_factor / 2;
    int64_t frac = heap_size(m) / SCAN_RATE_DIVISOR / scale;
    if (frac > cap)
        frac = cap;
    m->count[0] = 0;
    return fresh + frac;
}

static int64_t region(pm_model *m, int32_t from, int32_t to, int gen, int64_t *uncoll)
{
    return pm_gc_collect_region(m, from, to, gen, uncoll);
}

/* The untrack_tuples that starts each kind of collection (gc.c's own runs
 * inside the region): _PyTuple_MaybeUntrack on young. */
static void untrack_young_tuples(pm_model *m)
{
    for (int32_t o = m->objs[PM_HEAD_GEN0].gc_next; o != PM_HEAD_GEN0;) {
        int32_t next = m->objs[o].gc_next;
        if (pm_obj_kind(m, o) == PM_KIND_TUPLE && m->objs[o].label != PM_LABEL_HEAD) {
            bool untrack = true;
            for (int32_t k = 0; k < m->objs[o].nslots && untrack; k++) {
                int32_t v = pm_slot_get(m, o, k);
                untrack = v != PM_C_NULL && !pm_may_be_tracked(m, v);
            }
            if (untrack)
                pm_gc_untrack(m, o);
        }
        o = next;
    }
}

/* ----------------------------------------------------------- collections */

/* gc_collect_young: young alone; survivors to the visited space. */
static int64_t collect_young(pm_model *m, int64_t *uncoll)
{
    untrack_young_tuples(m);
    int32_t survivors = pm_scratch_head(m);
    int64_t r = region(m, PM_HEAD_GEN0, survivors, 0, uncoll);
    gc_list_merge(m, survivors, PM_HEAD_GEN1);
    pm_scratch_release(m, 1);
    m->count[0] = 0;
    m->count[1]++;
    return r;
}

/* gc_collect_increment: mark from the roots when a scavenge starts;
 * otherwise young plus pending objects (each with what it reaches) until
 * the work budget is spent. */
static int64_t collect_increment(pm_model *m, int64_t *uncoll, bool *counted)
{
    m->work_to_do += assess_work_to_do(m);
    *counted = false;           /* the early returns add no statistics */
    if (m->work_to_do < 0)
        return 0;
    untrack_young_tuples(m);
    if (!m->gc_collect_phase) {             /* mark_at_start */
        int64_t marked = mark_global_roots(m);
        marked += mark_stacks(m, true);
        m->work_to_do -= 2 * marked;        /* subtracted twice in 3.14 */
        m->gc_collect_phase = true;
        return 0;
    }
    *counted = true;
    m->work_to_do -= mark_stacks(m, false);
    int32_t increment = pm_scratch_head(m);
    gc_list_merge(m, PM_HEAD_GEN0, increment);
    int64_t size = gc_list_size(m, increment);
    while (size < m->work_to_do && !gc_list_is_empty(m, PM_HEAD_GEN2)) {
        int32_t o = m->objs[PM_HEAD_GEN2].gc_next;
        gc_list_move(m, o, increment);
        size++;
        /* expand_region_transitively_reachable, from o on */
        for (int32_t x = o; x != increment; x = m->objs[x].gc_next)
            size += traverse_add(m, x, increment);
    }
    int32_t survivors = pm_scratch_head(m);
    int64_t r = region(m, increment, survivors, 1, uncoll);
    gc_list_merge(m, survivors, PM_HEAD_GEN1);
    pm_scratch_release(m, 2);
    m->work_to_do -= size;
    if (gc_list_is_empty(m, PM_HEAD_GEN2))
        completed_scavenge(m);
    return r;
}

/* gc_collect_full: young, then pending, appended to visited; all of it
 * collected in place. */
static int64_t collect_full(pm_model *m, int64_t *uncoll)
{
    untrack_young_tuples(m);
    gc_list_merge(m, PM_HEAD_GEN0, PM_HEAD_GEN2);
    m->count[0] = 0;
    gc_list_merge(m, PM_HEAD_GEN2, PM_HEAD_GEN1);
    int64_t r = region(m, PM_HEAD_GEN1, PM_HEAD_GEN1, 2, uncoll);
    m->count[0] = m->count[1] = m->count[2] = 0;
    completed_scavenge(m);
    pm_clear_freelists(m);
    return r;
}

/* _PyGC_Collect: one collection of kind GENERATION (0 young, 1 increment,
 * 2 full); the caller holds m->collecting.  Returns collected plus
 * uncollectable. */
int64_t pm_gci_collect(pm_model *m, int generation)
{
    int64_t uncoll = 0, r;
    bool counted = true;
    if (m->observer)
        m->observer(m->observer_ctx, m, PM_PHASE_COLLECT_START, generation);
    switch (generation) {
    case 0:
        r = collect_young(m, &uncoll);
        break;
    case 1:
        r = collect_increment(m, &uncoll, &counted);
        break;
    default:
        generation = 2;
        r = collect_full(m, &uncoll);
        break;
    }
    if (counted) {
        m->stats[generation].collections++;
        m->stats[generation].collected += r;
        m->stats[generation].uncollectable += uncoll;
    }
    if (m->observer)
        m->observer(m->observer_ctx, m, PM_PHASE_COLLECT_END, generation);
    return r + uncoll;
}

/* _PyGC_Freeze: young, then old[0], then old[1] into the permanent
 * generation; all counts 0. */
void pm_gci_freeze(pm_model *m)
{
    gc_list_merge(m, PM_HEAD_GEN0, PM_HEAD_PERMANENT);
    int32_t first = m->visited_space == 0 ? PM_HEAD_GEN1 : PM_HEAD_GEN2;
    int32_t second = first == PM_HEAD_GEN1 ? PM_HEAD_GEN2 : PM_HEAD_GEN1;
    gc_list_merge(m, first, PM_HEAD_PERMANENT);
    gc_list_merge(m, second, PM_HEAD_PERMANENT);
    for (int g = 0; g < PM_NUM_GENERATIONS; g++)
        m->count[g] = 0;
    m->opaque_permanent += m->opaque_gen2;
    m->opaque_imm_permanent += m->opaque_imm_gen2;
    m->opaque_gen2 = m->opaque_imm_gen2 = 0;
}

/* _PyGC_Unfreeze: the permanent generation joins the visited space. */
void pm_gci_unfreeze(pm_model *m)
{
    gc_list_merge(m, PM_HEAD_PERMANENT, PM_HEAD_GEN1);
    m->opaque_gen2 += m->opaque_permanent;
    m->opaque_imm_gen2 += m->opaque_imm_permanent;
    m->opaque_permanent = m->opaque_imm_permanent = 0;
}
