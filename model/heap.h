/* heap.h: the model's internal state, shared by heap.c, refcount.c, gc.c
 * and ops.c.  Not part of the public interface.
 *
 * Every object, including the sentinel heads of the generation lists, is an
 * index into one growing array; lists are doubly linked through indices, as
 * CPython links PyGC_Head structures (Include/internal/pycore_gc.h). */
#ifndef PM_HEAP_H
#define PM_HEAP_H

#include "pymemref.h"

/* Slot values that are not model objects. */
#define PM_NULL        (-1)   /* NULL or None                                */
#define PM_OPAQUE_GC   (-2)   /* a gc object outside the model (callback)    */
#define PM_OPAQUE_ATOM (-3)   /* a non-gc value outside the model (an int)   */
#define PM_C_NULL      (-4)   /* a tuple item not yet set (C NULL, not None) */

/* Sentinel list heads: the first PM_NHEADS objects. */
enum {
    PM_HEAD_GEN0 = 0, PM_HEAD_GEN1, PM_HEAD_GEN2, PM_HEAD_PERMANENT,
    PM_HEAD_SCRATCH0,               /* heads lent to one collection's lists */
    PM_NHEADS = 12
};

/* Built-in classes; the trace's classes follow them. */
enum {
    PM_CLS_WEAKREF = 0, PM_CLS_TUPLE, PM_CLS_LIST, PM_CLS_DICT, PM_CLS_HEAD,
    PM_NBUILTIN_CLASSES
};

/* The model's flags.  E-ACSL 25 never finishes translating an annotation
 * that reads a `bool` stored in memory (spec/refcount.md), so its build
 * (-DPM_EACSL) stores them as one-byte integers; every store writes 0 or 1,
 * so the two builds compute the same. */
#ifdef PM_EACSL
typedef unsigned char pm_flag;
#else
typedef bool pm_flag;
#endif

/* The fields the collector touches on every object, packed into 32 bytes
 * (two objects per cache line, as PyGC_Head and ob_refcnt sit together in
 * CPython), and the rest of each object beside it in pm_objx. */
typedef struct pm_obj {
    int32_t gc_next;      /* -1 when untracked                              */
    int32_t gc_prev;
    int32_t refcnt;       /* ob_refcnt                                      */
    int32_t gc_refs;      /* valid while collecting                         */
    int32_t slot0;        /* first slot in pm_model.slots                   */
    int32_t nslots;       /* slots in use (ob_size for lists and tuples)    */
    uint8_t kind;         /* pm_kind of the class                           */
    pm_flag live;         /* false once deallocated                         */
    pm_flag collecting;   /* PREV_MASK_COLLECTING                           */
    pm_flag unreachable;  /* NEXT_MASK_UNREACHABLE                          */
    pm_flag finalized;    /* _PyGC_FINALIZED                                */
    pm_flag has_callback; /* weakref: wr_callback is set (the shared CB)    */
    uint8_t label;        /* PM_LABEL_*                                     */
    uint8_t list;         /* the head of the list it is on, when tracked    */
} pm_obj;

typedef struct pm_objx {
    int32_t cls;          /* model class index                              */
    int32_t uid;          /* number printed in events; 0 if none            */
    int32_t capslots;     /* slots reserved at slot0                        */
    int32_t wr_list;      /* referent: head of its weakref list, or -1      */
    int32_t wr_object;    /* weakref: referent, or -1 once cleared          */
    int32_t wr_prev, wr_next;
} pm_objx;

enum { PM_LABEL_NONE = 0, PM_LABEL_NAMESPACE, PM_LABEL_GARBAGE,
       PM_LABEL_TEMPORARY, PM_LABEL_HEAD };

typedef struct pm_gen_stats { int64_t collections, collected, uncollectable; } pm_gen_stats;

/* The proof build (-DPM_PROOF, Frama-C/WP: proofs/wp/core/) declares the
 * four tables as arrays inside the structure, large enough for every
 * int32 index, so that WP sees the whole model as one value; the
 * executable build grows them (heap.c, grow).  Both builds index them
 * alike: m->objs[o].gc_next is the same text in each. */
#ifdef PM_PROOF
# define PM_PROOF_CAP 2147483647
# define PM_TABLE(T, name) T name[PM_PROOF_CAP]
#else
# define PM_TABLE(T, name) T *name
#endif

/* The state of the allocator operations (model/ops_alloc.c). */
typedef struct pm_alloc_state pm_alloc_state;
void pm_alloc_state_free(pm_alloc_state *c);

struct pm_model {
    const pm_profile *prof;
    pm_options opts;

    PM_TABLE(pm_class, classes);  int32_t nclasses, capclasses;
    PM_TABLE(pm_obj, objs);       int32_t nobjs, capobjs;
    PM_TABLE(pm_objx, objx);      /* parallel to objs */
    PM_TABLE(int32_t, slots);     int64_t nslotpool, capslotpool;
    int32_t next_uid;

    int32_t ns;           /* the namespace list (driver's R)                */
    int32_t garbage;      /* gc.garbage                                     */
    int32_t nbase;        /* objects of the model's own: list heads,
                             gc.garbage, the namespace (not in the limit)   */
    int32_t nnames;

    /* GCState (Include/internal/pycore_gc.h) */
    int64_t count[PM_NUM_GENERATIONS];
    int32_t threshold[PM_NUM_GENERATIONS];
    pm_flag enabled, collecting, saveall;
    pm_flag gc_scheduled;       /* 3.12+: a collection waits for the eval breaker */
    int64_t long_lived_pending, long_lived_total;
    pm_gen_stats stats[PM_NUM_GENERATIONS];
    /* The driver's frozen objects, outside the model: how many are in the
     * permanent generation and in gen2, and how many of those immortal. */
    int64_t opaque_permanent, opaque_gen2;
    int64_t opaque_imm_permanent, opaque_imm_gen2;
    int32_t next_scratch;       /* next free scratch head                      */
    /* 3.14's incremental collector (gc_incremental.c): gen1 is the visited
     * old space, gen2 the pending one; count[1], count[2] are theirs. */
    int64_t work_to_do;
    pm_flag gc_collect_phase;   /* false: GC_PHASE_MARK, the next increment
                                   only marks (as after the driver's setup)  */
    int visited_space;          /* which of CPython's old[0], old[1] is gen1 */
    int32_t roots[16];          /* objects the running frames hold (stack,
                                   locals) that mark_stacks would see       */
    int32_t nroots;

    /* free lists (Objects/listobject.c, dictobject.c, tupleobject.c) */
#define PM_TUPLE_NFREELISTS 20  /* PyTuple_NFREELISTS, 3.11 to 3.14       */
    int32_t list_free, dict_free;
    int32_t *tuple_free;        /* index size-1, for sizes 1..PM_TUPLE_NFREELISTS */

    /* trashcan (Objects/object.c: _PyTrash_begin/_PyTrash_end) */
    int32_t trash_nesting;
    int32_t *trash_later;  int32_t ntrash, captrash;

    /* events */
    pm_event *ev;          int32_t nev, capev;
    int32_t *evobjs;       int32_t nevobjs, capevobjs;
    int cur_line;

    pm_flag failed;        /* out of memory or a dynamic error              */
    pm_diag *diag;         /* where dynamic errors go during a step         */
    pm_observer_fn observer;
    void *observer_ctx;
    pm_alloc_state *alloc;        /* pymalloc of the allocator operations,
                                     made at the first (ops_alloc.c)        */
};

/* The ACSL predicates of these contracts (pm_heap_ok, ...) and the ghost
 * state they use: spec/acsl/heap.acsl.  Proved by Frama-C/WP: make proofs
 * (proofs/wp/core/). */
#ifdef __FRAMAC__
#include "../spec/acsl/heap.acsl"
#endif

/* ---- heap.c: objects, slots, lists, events */
int32_t pm_obj_new(pm_model *m, int32_t cls, int32_t nslots, int32_t label);
bool pm_slots_grow(pm_model *m, int32_t o, int32_t need);

/* Slot K of object O (list and tuple items, dict values, __slots__). */
/*@ requires PM_SIZES(m) && 0 <= o < m->nobjs && PM_OBJ_SHAPE(m, o);
    requires 0 <= k < m->objs[o].nslots;
    assigns \nothing;
    ensures \result == m->slots[m->objs[o].slot0 + k];
*/
static inline int32_t pm_slot_get(const pm_model *m, int32_t o, int32_t k)
{
    return m->slots[m->objs[o].slot0 + k];
}

/*@ requires PM_SIZES(m) && 0 <= o < m->nobjs && PM_OBJ_SHAPE(m, o);
    requires 0 <= k < m->objs[o].nslots;
    assigns m->slots[m->objs[o].slot0 + k];
    ensures m->slots[m->objs[o].slot0 + k] == v;
*/
static inline void pm_slot_put(pm_model *m, int32_t o, int32_t k, int32_t v)
{
    m->slots[m->objs[o].slot0 + k] = v;
}

static inline const pm_class *pm_cls(const pm_model *m, int32_t o)
{
    return &m->classes[m->objx[o].cls];
}

/*@ requires 0 <= o < m->nobjs && m->objs[o].kind <= PM_KIND_WEAKREF;
    assigns \nothing;
    ensures \result == m->objs[o].kind;
*/
static inline pm_kind pm_obj_kind(const pm_model *m, int32_t o)
{
    return m->objs[o].kind;
}

/* PyObject_IS_GC: every kind but atoms; PM_OPAQUE_GC stands for a gc
 * object outside the model. */
/*@ requires v < m->nobjs;
    assigns \nothing;
    ensures \result <==> PM_IS_GC(m, v);
*/
static inline bool pm_is_gc(const pm_model *m, int32_t v)
{
    if (v < 0)
        return v == PM_OPAQUE_GC;
    return m->objs[v].kind != PM_KIND_ATOM;
}

/*@ requires o < m->nobjs;
    assigns \nothing;
    ensures \result <==> (0 <= o && m->objs[o].gc_next >= 0);
*/
static inline bool pm_is_tracked(const pm_model *m, int32_t o)
{
    return o >= 0 && m->objs[o].gc_next >= 0;
}

/* _PyObject_GC_MAY_BE_TRACKED (Include/internal/pycore_object.h): a gc
 * object that is not an exact tuple, or a tuple that is tracked. */
/*@ requires v < m->nobjs;
    assigns \nothing;
    ensures \result <==> PM_MAY_BE_TRACKED(m, v);
*/
static inline bool pm_may_be_tracked(const pm_model *m, int32_t v)
{
    if (!pm_is_gc(m, v))
        return false;
    if (v >= 0 && m->objs[v].kind == PM_KIND_TUPLE)
        return pm_is_tracked(m, v);
    return true;
}

/* The list primitives keep PM_HEAP_OK and say exactly how the ghost
 * state moves (the real links follow from PM_HEAP_OK).  Their assigns
 * clauses name whole link fields, so that a caller's own assigns clause
 * covers them as written.  Lists are those of Modules/gcmodule.c
 * (gc_list_*), with indices for links. */

/*@ requires 0 <= head < PM_NHEADS;
    assigns m->objs[head].gc_next, m->objs[head].gc_prev;
    ensures m->objs[head].gc_next == head && m->objs[head].gc_prev == head;
*/
void gc_list_init(pm_model *m, int32_t head);

/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    assigns \nothing;
    ensures \result <==> pm_glen[head] == 0;
*/
bool gc_list_is_empty(const pm_model *m, int32_t head);

/* Append the untracked NODE at the end of HEAD's list. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    requires PM_NHEADS <= node < m->nobjs && pm_glist[node] < 0;
    assigns PM_LINKS(m);
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer j; 0 <= j < PM_GHOST_CAP(m) ==>
              pm_glist[j] == (j == node ? head : \old(pm_glist[j]))
              && pm_gpos[j] == (j == node ? \old(pm_glen[head]) + 1 : \old(pm_gpos[j]));
    ensures \forall integer g; 0 <= g < PM_NHEADS ==>
              pm_glen[g] == (g == head ? \old(pm_glen[g]) + 1 : \old(pm_glen[g]));
*/
void gc_list_append(pm_model *m, int32_t node, int32_t head);

/* Unlink the tracked NODE; the objects after it move one position down. */
/*@ requires PM_HEAP_OK(m);
    requires PM_NHEADS <= node < m->nobjs && pm_glist[node] >= 0;
    assigns PM_LINKS(m);
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer j; 0 <= j < PM_GHOST_CAP(m) ==>
              pm_glist[j] == (j == node ? -1 : \old(pm_glist[j]));
    ensures PM_SHIFTED(m, node);
    ensures \forall integer g; 0 <= g < PM_NHEADS ==>
              pm_glen[g] == (g == \old(pm_glist[node]) ? \old(pm_glen[g]) - 1 : \old(pm_glen[g]));
*/
void gc_list_remove(pm_model *m, int32_t node);

/* Move the tracked NODE to the end of another list HEAD. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    requires PM_NHEADS <= node < m->nobjs && pm_glist[node] >= 0;
    requires pm_glist[node] != head;
    assigns PM_LINKS(m);
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures PM_MOVED(m, node, head);
*/
void gc_list_move(pm_model *m, int32_t node, int32_t head);

/* Append FROM's objects to TO, leaving FROM empty. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, from) && PM_ACTIVE(m, to) && from != to;
    assigns PM_LINKS(m);
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer j; 0 <= j < PM_GHOST_CAP(m) ==>
              (\old(pm_glist[j]) == from && PM_NHEADS <= j < m->nobjs
               ==> pm_glist[j] == to && pm_gpos[j] == \old(pm_gpos[j]) + \old(pm_glen[to]))
              && (!(\old(pm_glist[j]) == from && PM_NHEADS <= j < m->nobjs)
               ==> pm_glist[j] == \old(pm_glist[j]) && pm_gpos[j] == \old(pm_gpos[j]));
    ensures \forall integer g; 0 <= g < PM_NHEADS ==>
              pm_glen[g] == (g == to ? \old(pm_glen[to]) + \old(pm_glen[from])
                             : g == from ? 0 : \old(pm_glen[g]));
*/
void gc_list_merge(pm_model *m, int32_t from, int32_t to);

/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    assigns \nothing;
    ensures \result == pm_glen[head];
*/
int64_t gc_list_size(const pm_model *m, int32_t head);
int32_t pm_scratch_head(pm_model *m);
void pm_scratch_release(pm_model *m, int32_t n);

/*@ requires PM_HEAP_OK(m);
    requires PM_NHEADS <= o < m->nobjs && pm_glist[o] < 0;
    assigns PM_LINKS(m);
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer j; 0 <= j < PM_GHOST_CAP(m) ==>
              pm_glist[j] == (j == o ? PM_HEAD_GEN0 : \old(pm_glist[j]))
              && pm_gpos[j] == (j == o ? \old(pm_glen[PM_HEAD_GEN0]) + 1 : \old(pm_gpos[j]));
    ensures \forall integer g; 0 <= g < PM_NHEADS ==>
              pm_glen[g] == (g == PM_HEAD_GEN0 ? \old(pm_glen[g]) + 1 : \old(pm_glen[g]));
*/
void pm_track(pm_model *m, int32_t o);      /* _PyObject_GC_TRACK   */

/*@ requires PM_HEAP_OK(m) && PM_NHEADS <= o < m->nobjs;
    assigns PM_LINKS(m), m->objs[o].collecting, m->objs[o].unreachable;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer j; 0 <= j < PM_GHOST_CAP(m) ==>
              pm_glist[j] == (j == o ? -1 : \old(pm_glist[j]));
    behavior tracked:
      assumes pm_glist[o] >= 0;
      ensures !m->objs[o].collecting && !m->objs[o].unreachable;
      ensures PM_SHIFTED(m, o);
      ensures \forall integer g; 0 <= g < PM_NHEADS ==>
                pm_glen[g] == (g == \old(pm_glist[o]) ? \old(pm_glen[g]) - 1 : \old(pm_glen[g]));
    behavior untracked:
      assumes pm_glist[o] < 0;
      assigns \nothing;
    complete behaviors;
    disjoint behaviors;
*/
void pm_untrack(pm_model *m, int32_t o);    /* _PyObject_GC_UNTRACK */

void pm_emit(pm_model *m, pm_event_kind k, int32_t obj);
pm_event *pm_emit_raw(pm_model *m, pm_event_kind k);
bool pm_emit_obj(pm_model *m, int32_t uid);
void pm_oom(pm_model *m);
bool pm_model_declare(pm_model *m, const pm_class *c);
void pm_fail(pm_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- refcount.c: references, deallocation, finalizers, weak references
 * These contracts are neither proved by WP nor checked by the E-ACSL
 * build yet (spec/refcount.md, "Proof status"). */

/* Py_INCREF on a slot value: out-of-model values are not counted; a count
 * at INT32_MAX is a dynamic error, never an overflow. */
/*@ requires in_model: v < m->nobjs;
    behavior outside:
      assumes v < 0;
      ensures unchanged: v < 0;
    behavior saturated:
      assumes v >= 0 && m->objs[v].refcnt == INT32_MAX;
      ensures failed: m->failed && m->objs[v].refcnt == INT32_MAX;
    behavior counted:
      assumes v >= 0 && m->objs[v].refcnt < INT32_MAX;
      ensures one_more: m->objs[v].refcnt == \old(m->objs[v].refcnt) + 1;
    complete behaviors;
    disjoint behaviors;
*/
void pm_incref(pm_model *m, int32_t v);

/* Py_DECREF: a count never goes below zero (the one that reaches zero
 * deallocates). */
/*@ requires in_model: v < m->nobjs;
    requires never_negative: v < 0 || m->failed || m->objs[v].refcnt > 0;
*/
void pm_decref(pm_model *m, int32_t v);
int32_t pm_alloc(pm_model *m, int32_t cls, int32_t nslots);  /* may collect */
void pm_store_slot(pm_model *m, int32_t o, int32_t k, int32_t v);
void pm_bind(pm_model *m, int32_t name, int32_t v);
void pm_assign_uid(pm_model *m, int32_t o);
/*@ requires dead: 0 <= o < m->nobjs && m->objs[o].live && m->objs[o].refcnt == 0; */
void pm_dealloc(pm_model *m, int32_t o);

/* finalize_garbage's tp_finalize: at most once per object (FINALIZED). */
/*@ requires once: 0 <= o < m->nobjs && m->objs[o].live && !m->objs[o].finalized;
    ensures marked: m->objs[o].finalized;
*/
void pm_run_finalizer(pm_model *m, int32_t o);            /* tp_finalize */
void pm_weakref_clear_ref(pm_model *m, int32_t wr);       /* _PyWeakref_ClearRef */
void pm_weakref_clear(pm_model *m, int32_t wr);           /* clear_weakref */
void pm_call_callback(pm_model *m, int32_t wr);           /* CB(wr) */
void pm_tp_clear(pm_model *m, int32_t o);                 /* tp_clear */
void pm_list_append(pm_model *m, int32_t list, int32_t v);
void pm_clear_freelists(pm_model *m);
int32_t pm_new_weakref(pm_model *m, int32_t referent, bool callback, bool *is_new);

/* ---- gc.c: the collector (Modules/gcmodule.c) */
/* The K-th reference that tp_traverse visits in object O (see gc.c). */
/*@ requires PM_SIZES(m) && 0 <= o < m->nobjs && PM_OBJ_SHAPE(m, o);
    requires 0 <= k < m->objs[o].nslots;
    assigns \nothing;
    ensures \result == m->slots[PM_TITEM(m, o, k)];
*/
static inline int32_t pm_traverse_item(const pm_model *m, int32_t o, int32_t k)
{
    bool backwards = m->objs[o].kind == PM_KIND_LIST || m->objs[o].kind == PM_KIND_TUPLE;
    return m->slots[m->objs[o].slot0 + (backwards ? m->objs[o].nslots - 1 - k : k)];
}
/* How many references tp_traverse visits in O: none in a weak reference
 * (its callback is outside the model) or an atom, which have no slots. */
/*@ requires 0 <= o < m->nobjs && PM_OBJ_SHAPE(m, o);
    assigns \nothing;
    ensures \result == m->objs[o].nslots;
*/
static inline int32_t pm_traverse_count(const pm_model *m, int32_t o)
{
    pm_kind k = m->objs[o].kind;
    return k == PM_KIND_WEAKREF || k == PM_KIND_ATOM ? 0 : m->objs[o].nslots;
}
int64_t pm_gc_collect_main(pm_model *m, int generation);
/* gc_reach.c: gcmodule.c's move_unreachable, called by gc.c. */
void move_unreachable(pm_model *m, int32_t young, int32_t unreachable);
#ifdef PM_EACSL
/* heap.c: the run-time check build's copy of the model at the start of
 * move_unreachable (its contracts' PRE), and its release. */
pm_model pm_ghost_copy(const pm_model *m);
void pm_ghost_copy_free(pm_model *s);
#endif
void pm_gc_maybe_collect(pm_model *m);   /* after count0 was raised */
void pm_eval_breaker(pm_model *m);       /* a point where 3.12+ checks it */
int64_t pm_gc_collect_generations(pm_model *m);
/* 3.14's gc_collect_region: FROM collected, survivors to TO. */
int64_t pm_gc_collect_region(pm_model *m, int32_t from, int32_t to, int gen,
                             int64_t *uncollectable);

/* ---- gc_incremental.c: 3.14.0-3.14.4 (Python/gc.c) */
int64_t pm_gci_collect(pm_model *m, int generation);
void pm_gci_freeze(pm_model *m);
void pm_gci_unfreeze(pm_model *m);
void pm_gc_track(pm_model *m, int32_t o);    /* with 3.14.1+'s counting */
void pm_gc_untrack(pm_model *m, int32_t o);
void pm_root_push(pm_model *m, int32_t o);
void pm_root_pop(pm_model *m, int32_t n);

#endif /* PM_HEAP_H */
