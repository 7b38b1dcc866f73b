/* refcount.c: reference counting, deallocation, the trashcan, free lists,
 * finalizers and weak references, as CPython 3.11 does them.
 *
 * Sources: Include/object.h (Py_DECREF), Objects/typeobject.c
 * (subtype_dealloc, subtype_clear, clear_slots, slot_tp_finalize),
 * Objects/object.c (PyObject_CallFinalizerFromDealloc, _PyTrash_begin,
 * _PyTrash_end, _PyTrash_thread_destroy_chain), Objects/listobject.c
 * (list_dealloc, _list_clear), Objects/tupleobject.c (tupledealloc,
 * maybe_freelist_push), Objects/dictobject.c (dict_dealloc, PyDict_Clear),
 * Objects/weakrefobject.c (clear_weakref, _PyWeakref_ClearRef,
 * PyObject_ClearWeakRefs, weakref___new__), Modules/gcmodule.c
 * (_PyObject_GC_Link, PyObject_GC_Del). */
#include "heap.h"

#include <stdint.h>
#include <stdlib.h>

void pm_incref(pm_model *m, int32_t v)
{
    if (v < 0)
        return;
    if (m->objs[v].refcnt == INT32_MAX) {
        pm_fail(m, "reference count overflow");
        return;
    }
    m->objs[v].refcnt++;
}

void pm_decref(pm_model *m, int32_t v)
{
    if (v < 0 || m->failed)
        return;
    if (--m->objs[v].refcnt == 0)
        pm_dealloc(m, v);
}

/* _PyObject_GC_Link: one more gc object; 3.11 collects right here. */
static void gc_link(pm_model *m)
{
    if (m->prof->count_at_track)    /* 3.14.1+: counted at track instead */
        return;
    m->count[0]++;
    pm_gc_maybe_collect(m);
}

/* PyObject_GC_Del, or a push on a free list: the object is gone either way.
 * Nothing that is alive and counted refers to it any more: its count is 0,
 * and the objects being deallocated (count 0) are the only ones whose
 * slots may still name it. */
/*@ requires dead: 0 <= o < m->nobjs && m->objs[o].live && m->objs[o].refcnt == 0;
    requires unreferenced: \forall integer p, k; 0 <= p < m->nobjs && p != o
               && m->objs[p].live && m->objs[p].refcnt > 0 && 0 <= k < m->objs[p].nslots
               ==> m->slots[m->objs[p].slot0 + k] != o;
    ensures gone: !m->objs[o].live && m->objs[o].gc_next < 0;
*/
static void free_object(pm_model *m, int32_t o, bool to_freelist)
{
    pm_obj *p = &m->objs[o];
    if (pm_is_tracked(m, o))
        gc_list_remove(m, o);
    p->live = false;
    if (m->objx[o].uid)
        pm_emit(m, PM_EV_FREE, o);
    if (!to_freelist && pm_is_gc(m, o) && m->count[0] > 0 && !m->prof->count_at_track)
        m->count[0]--;
}

/* Allocate a gc object of class CLS (refcount 1, untracked): from the free
 * list of its kind when one has an entry, else from the heap, which counts
 * it and may start a collection before the object exists. */
int32_t pm_alloc(pm_model *m, int32_t cls, int32_t nslots)
{
    const pm_profile *pr = m->prof;
    bool reuse = false;
    switch (m->classes[cls].kind) {
    case PM_KIND_LIST:
        if ((reuse = m->list_free > 0))
            m->list_free--;
        break;
    case PM_KIND_DICT:
        if ((reuse = m->dict_free > 0))
            m->dict_free--;
        break;
    case PM_KIND_TUPLE:
        /* Objects/tupleobject.c, maybe_freelist_pop: 3.11 and 3.12.0-3.12.4
         * take sizes 1..19 only, though 20 is parked (gh-121439) */
        if (nslots >= 1 && nslots <= pr->tuple_freelist_sizes &&
            (reuse = m->tuple_free[nslots - 1] > 0))
            m->tuple_free[nslots - 1]--;
        break;
    case PM_KIND_ATOM:
        reuse = true;           /* not a gc object: never counted */
        break;
    default:
        break;
    }
    if (!reuse)
        gc_link(m);
    int32_t o = pm_obj_new(m, cls, nslots, PM_LABEL_NONE);
    if (o >= 0)
        m->objs[o].refcnt = 1;
    return o;
}

void pm_assign_uid(pm_model *m, int32_t o)
{
    m->objx[o].uid = ++m->next_uid;
}

/* Store V into slot K of O: the new value is referenced first, then the old
 * one released (PyMember_SetOne, list_ass_item, insertdict). */
void pm_store_slot(pm_model *m, int32_t o, int32_t k, int32_t v)
{
    int32_t old = pm_slot_get(m, o, k);
    pm_incref(m, v);
    pm_slot_put(m, o, k, v);
    if (pm_obj_kind(m, o) == PM_KIND_DICT && !pm_is_tracked(m, o) &&
        pm_may_be_tracked(m, v))
        pm_gc_track(m, o);           /* MAINTAIN_TRACKING */
    pm_decref(m, old);
}

/* R[name] = v, as the generic STORE_SUBSCR does it: the value is held by the
 * evaluation stack while the old binding is released. */
void pm_bind(pm_model *m, int32_t name, int32_t v)
{
    if (name >= m->objs[m->ns].nslots) {
        if (!pm_slots_grow(m, m->ns, name + 1))
            return;
        m->objs[m->ns].nslots = name + 1;
    }
    pm_incref(m, v);
    pm_store_slot(m, m->ns, name, v);
    pm_decref(m, v);
}

/* PyList_Append onto a list that grows (gc.garbage). */
void pm_list_append(pm_model *m, int32_t list, int32_t v)
{
    int32_t n = m->objs[list].nslots;
    if (!pm_slots_grow(m, list, n + 1))
        return;
    pm_incref(m, v);
    m->objs[list].nslots = n + 1;
    pm_slot_put(m, list, n, v);
}

/* ---------------------------------------------------------------- trashcan */

static bool trash_begin(pm_model *m, int32_t o)
{
    if (m->trash_nesting >= m->prof->trashcan_limit) {
        if (m->ntrash == m->captrash) {
            int32_t cap = m->captrash ? 2 * m->captrash : 64;
            int32_t *p = realloc(m->trash_later, (size_t)cap * sizeof *p);
            if (!p) {
                pm_oom(m);
                return true;
            }
            m->trash_later = p;
            m->captrash = cap;
        }
        m->trash_later[m->ntrash++] = o;    /* _PyTrash_thread_deposit_object */
        return true;
    }
    m->trash_nesting++;
    return false;
}

static void dealloc_kind(pm_model *m, int32_t o);

static void trash_end(pm_model *m)
{
    m->trash_nesting--;
    /* 3.11/3.12: when the depth is back to 0; 3.13: as soon as there is
     * twice the headroom left (Include/cpython/object.h, Py_TRASHCAN_END) */
    int32_t below = m->prof->trashcan_headroom ? m->prof->trashcan_limit - 50 : 1;
    if (m->ntrash > 0 && m->trash_nesting < below) {
        /* _PyTrash_thread_destroy_chain: last deposited first. */
        m->trash_nesting++;
        while (m->ntrash > 0 && !m->failed)
            dealloc_kind(m, m->trash_later[--m->ntrash]);
        m->trash_nesting--;
    }
}

/* ------------------------------------------------------------- finalizers */

static bool has_tp_finalize(const pm_class *c)
{
    return c->del != PM_DEL_NONE && c->del != PM_DEL_LEGACY;
}

/* The body of __del__ (slot_tp_finalize calling the class's method): the
 * frame holds self while the action runs. */
static void run_del(pm_model *m, int32_t o)
{
    const pm_class *c = pm_cls(m, o);
    pm_incref(m, o);
    pm_root_push(m, o);           /* self, a local of __del__ */
    pm_eval_breaker(m);           /* RESUME of __del__ */
    pm_emit(m, PM_EV_DEL, o);
    switch (c->del) {
    case PM_DEL_RESURRECT:
        pm_bind(m, c->del_name, o);
        break;
    case PM_DEL_CLEAR:
        pm_store_slot(m, o, c->del_slot, PM_NULL);
        break;
    case PM_DEL_CREATE: {
        int32_t cls = c->del_class, name = c->del_name;
        int32_t n = pm_alloc(m, cls, m->classes[cls].nslots);
        if (n < 0)
            break;
        pm_gc_track(m, n);
        pm_root_push(m, n);       /* the local o */
        pm_eval_breaker(m);       /* after the call C() */
        pm_assign_uid(m, n);
        pm_bind(m, name, n);
        pm_root_pop(m, 1);
        pm_decref(m, n);          /* the evaluation stack lets go */
        break;
    }
    default:
        break;
    }
    pm_root_pop(m, 1);
    pm_decref(m, o);
}

/* finalize_garbage's call: FINALIZED is set before the finalizer runs. */
void pm_run_finalizer(pm_model *m, int32_t o)
{
    m->objs[o].finalized = true;
    pm_incref(m, o);
    run_del(m, o);
    pm_decref(m, o);
}

/* PyObject_CallFinalizerFromDealloc: 0 if the object stays dead, -1 if
 * the finalizer resurrected it. */
static int call_finalizer_from_dealloc(pm_model *m, int32_t o)
{
    pm_obj *p = &m->objs[o];
    p->refcnt = 1;
    if (!p->finalized) {          /* PyObject_CallFinalizer: once per object */
        run_del(m, o);
        m->objs[o].finalized = true;
    }
    p = &m->objs[o];
    p->refcnt -= 1;
    return p->refcnt == 0 ? 0 : -1;
}

/* -------------------------------------------------------- weak references */

static void wr_unlink(pm_model *m, int32_t wr)
{
    pm_objx *w = &m->objx[wr];
    int32_t ob = w->wr_object;
    if (ob < 0)
        return;
    if (m->objx[ob].wr_list == wr)
        m->objx[ob].wr_list = w->wr_next;
    if (w->wr_prev >= 0)
        m->objx[w->wr_prev].wr_next = w->wr_next;
    if (w->wr_next >= 0)
        m->objx[w->wr_next].wr_prev = w->wr_prev;
    w->wr_object = w->wr_prev = w->wr_next = -1;
}

void pm_weakref_clear(pm_model *m, int32_t wr)
{
    wr_unlink(m, wr);
    m->objs[wr].has_callback = false;   /* the callback is outside the model */
}

void pm_weakref_clear_ref(pm_model *m, int32_t wr)
{
    wr_unlink(m, wr);
}

/* The shared callback CB(wr): a Python function, so an eval-breaker check
 * at its entry. */
void pm_call_callback(pm_model *m, int32_t wr)
{
    pm_root_push(m, wr);          /* CB's argument */
    pm_eval_breaker(m);
    pm_emit(m, PM_EV_CALLBACK, wr);
    pm_root_pop(m, 1);
}

/* PyObject_ClearWeakRefs, for an object whose count reached zero. */
static void clear_weakrefs(pm_model *m, int32_t o)
{
    int32_t head = m->objx[o].wr_list;
    /* the callback-less basic ref (and proxy) go first, silently */
    if (head >= 0 && !m->objs[head].has_callback) {
        pm_weakref_clear(m, head);
        head = m->objx[o].wr_list;
        if (head >= 0 && !m->objs[head].has_callback)
            pm_weakref_clear(m, head);
    }
    head = m->objx[o].wr_list;
    if (head < 0)
        return;
    int32_t count = 0;
    for (int32_t w = head; w >= 0; w = m->objx[w].wr_next)
        count++;
    if (count == 1 && !m->prof->clear_weakrefs_tuple) {
        bool cb = m->objs[head].has_callback;
        m->objs[head].has_callback = false;
        pm_weakref_clear(m, head);
        if (cb && m->objs[head].refcnt > 0)
            pm_call_callback(m, head);
        return;
    }
    /* Several (3.13: any): the references and their callbacks are parked in
     * a tuple, which is an allocation.  CPython holds the list's head and
     * its length from before the allocation; a collection inside it (3.11)
     * that frees or unlinks one of those weak references leaves it walking
     * freed memory: no behaviour to model (spec/differences.md). */
    int32_t t = pm_alloc(m, PM_CLS_TUPLE, 2 * count);
    if (t < 0)
        return;
    int32_t after = 0;
    for (int32_t w = m->objx[o].wr_list; w >= 0; w = m->objx[w].wr_next)
        after++;
    if (m->objx[o].wr_list != head || after != count) {
        pm_fail(m, "CPython would crash here: a collection inside PyObject_ClearWeakRefs "
                   "freed a weak reference to o%d that it was clearing "
                   "(spec/differences.md, clear-weakrefs-collected)", (int)m->objx[o].uid);
        return;
    }
    m->objs[t].label = PM_LABEL_TEMPORARY;
    for (int32_t k = 0; k < 2 * count; k++)
        pm_slot_put(m, t, k, PM_C_NULL);
    pm_gc_track(m, t);
    int32_t cur = m->objx[o].wr_list;
    for (int32_t i = 0; i < count && cur >= 0; i++) {
        int32_t next = m->objx[cur].wr_next;
        if (m->objs[cur].refcnt > 0) {
            pm_incref(m, cur);
            pm_slot_put(m, t, 2 * i, cur);
            pm_slot_put(m, t, 2 * i + 1, m->objs[cur].has_callback ? PM_OPAQUE_GC : PM_C_NULL);
        }
        m->objs[cur].has_callback = false;
        pm_weakref_clear(m, cur);
        cur = next;
    }
    for (int32_t i = 0; i < count && !m->failed; i++)
        if (pm_slot_get(m, t, 2 * i + 1) == PM_OPAQUE_GC)
            pm_call_callback(m, pm_slot_get(m, t, 2 * i));
    pm_decref(m, t);
}

/* weakref.ref(referent[, callback]) after its argument tuple exists:
 * weakref___new__ reuses the basic ref, or allocates (may collect) and links
 * the new reference at the head or after the basic ref. */
int32_t pm_new_weakref(pm_model *m, int32_t ob, bool callback, bool *is_new)
{
    int32_t head = m->objx[ob].wr_list;
    *is_new = false;
    if (!callback && head >= 0 && !m->objs[head].has_callback) {
        pm_incref(m, head);
        return head;
    }
    *is_new = true;
    int32_t w = pm_alloc(m, PM_CLS_WEAKREF, 0);
    if (w < 0)
        return -1;
    pm_gc_track(m, w);               /* PyType_GenericAlloc tracks at once */
    pm_objx *p = &m->objx[w];
    p->wr_object = ob;
    m->objs[w].has_callback = callback;
    head = m->objx[ob].wr_list;   /* recomputed: the allocation may collect */
    int32_t prev = -1;
    if (callback && head >= 0 && !m->objs[head].has_callback)
        prev = head;
    if (prev < 0) {
        p->wr_prev = -1;
        p->wr_next = head;
        if (head >= 0)
            m->objx[head].wr_prev = w;
        m->objx[ob].wr_list = w;
    } else {
        p->wr_prev = prev;
        p->wr_next = m->objx[prev].wr_next;
        if (p->wr_next >= 0)
            m->objx[p->wr_next].wr_prev = w;
        m->objx[prev].wr_next = w;
    }
    return w;
}

/* ------------------------------------------------------------ deallocation */

static void subtype_dealloc(pm_model *m, int32_t o)
{
    const pm_class *c = pm_cls(m, o);
    pm_gc_untrack(m, o);
    if (trash_begin(m, o))
        return;
    if (has_tp_finalize(c)) {
        pm_gc_track(m, o);
        if (call_finalizer_from_dealloc(m, o) < 0)
            goto end;                       /* resurrected */
        pm_gc_untrack(m, o);
    }
    if (c->weakrefable)
        clear_weakrefs(m, o);
    if (c->del == PM_DEL_LEGACY) {
        /* _testcapi's slot_tp_del: temporarily alive while __tp_del__ runs */
        pm_gc_track(m, o);
        m->objs[o].refcnt = 1;
        pm_root_push(m, o);
        pm_eval_breaker(m);                 /* the Python code of __tp_del__ */
        pm_emit(m, PM_EV_TP_DEL, o);
        pm_root_pop(m, 1);
        if (--m->objs[o].refcnt > 0)
            goto end;
        pm_gc_untrack(m, o);
    }
    if (c->del != PM_DEL_NONE && c->weakrefable)
        while (m->objx[o].wr_list >= 0)     /* refs made by the finalizer */
            pm_weakref_clear_ref(m, m->objx[o].wr_list);
    for (int32_t k = 0; k < m->objs[o].nslots && !m->failed; k++) {   /* clear_slots */
        int32_t v = pm_slot_get(m, o, k);
        if (v != PM_NULL) {
            pm_slot_put(m, o, k, PM_NULL);
            pm_decref(m, v);
        }
    }
    free_object(m, o, false);               /* object_dealloc: PyObject_GC_Del */
end:
    trash_end(m);
}

static void sequence_dealloc(pm_model *m, int32_t o)
{
    pm_kind kind = pm_obj_kind(m, o);
    pm_gc_untrack(m, o);
    if (trash_begin(m, o))
        return;
    int32_t n = m->objs[o].nslots;
    if (kind == PM_KIND_DICT) {
        for (int32_t k = 0; k < n && !m->failed; k++)
            pm_decref(m, pm_slot_get(m, o, k));
    } else {
        for (int32_t k = n - 1; k >= 0 && !m->failed; k--)
            pm_decref(m, pm_slot_get(m, o, k));
    }
    const pm_profile *pr = m->prof;
    bool push = false;
    if (kind == PM_KIND_LIST && m->list_free < pr->list_freelist_max) {
        m->list_free++;
        push = true;
    } else if (kind == PM_KIND_DICT && m->dict_free < pr->dict_freelist_max) {
        m->dict_free++;
        push = true;
    } else if (kind == PM_KIND_TUPLE && n >= 1 && n <= PM_TUPLE_NFREELISTS &&
               m->tuple_free[n - 1] < pr->tuple_freelist_max) {
        m->tuple_free[n - 1]++;
        push = true;
    }
    free_object(m, o, push);
    trash_end(m);
}

/*@ requires dead: 0 <= o < m->nobjs && m->objs[o].live && m->objs[o].refcnt == 0; */
static void dealloc_kind(pm_model *m, int32_t o)
{
    switch (pm_obj_kind(m, o)) {
    case PM_KIND_INSTANCE:
        subtype_dealloc(m, o);
        break;
    case PM_KIND_LIST:
    case PM_KIND_TUPLE:
    case PM_KIND_DICT:
        sequence_dealloc(m, o);
        break;
    case PM_KIND_WEAKREF:                   /* weakref_dealloc */
        pm_gc_untrack(m, o);
        pm_weakref_clear(m, o);
        free_object(m, o, false);
        break;
    case PM_KIND_ATOM:
        free_object(m, o, false);
        break;
    }
}

void pm_dealloc(pm_model *m, int32_t o)
{
    dealloc_kind(m, o);
}

/* tp_clear, as delete_garbage calls it (which holds a reference). */
/*@ requires held: 0 <= o < m->nobjs && m->objs[o].live && m->objs[o].refcnt > 0; */
void pm_tp_clear(pm_model *m, int32_t o)
{
    int32_t n = m->objs[o].nslots;
    switch (pm_obj_kind(m, o)) {
    case PM_KIND_INSTANCE:                  /* subtype_clear -> clear_slots */
        for (int32_t k = 0; k < m->objs[o].nslots && !m->failed; k++) {
            int32_t v = pm_slot_get(m, o, k);
            if (v != PM_NULL) {
                pm_slot_put(m, o, k, PM_NULL);
                pm_decref(m, v);
            }
        }
        break;
    case PM_KIND_LIST:                      /* _list_clear: emptied, last first */
        m->objs[o].nslots = 0;
        for (int32_t k = n - 1; k >= 0 && !m->failed; k--)
            pm_decref(m, pm_slot_get(m, o, k));
        break;
    case PM_KIND_DICT:                      /* PyDict_Clear: emptied, in order */
        m->objs[o].nslots = 0;
        for (int32_t k = 0; k < n && !m->failed; k++)
            pm_decref(m, pm_slot_get(m, o, k));
        break;
    case PM_KIND_WEAKREF:                   /* gc_clear -> clear_weakref */
        pm_weakref_clear(m, o);
        break;
    case PM_KIND_TUPLE:                     /* tuples have no tp_clear */
    case PM_KIND_ATOM:
        break;
    }
}

/* clear_freelists: every parked object is released with PyObject_GC_Del. */
void pm_clear_freelists(pm_model *m)
{
    int64_t n = (int64_t)m->list_free + m->dict_free;
    for (int32_t s = 0; s < PM_TUPLE_NFREELISTS; s++) {
        n += m->tuple_free[s];
        m->tuple_free[s] = 0;
    }
    m->list_free = m->dict_free = 0;
    m->count[0] = m->count[0] > n ? m->count[0] - n : 0;
}
