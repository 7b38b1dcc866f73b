/* ops.c: the trace operations, each as the Python statement the driver runs
 * for it (spec/trace.md), with the temporaries CPython allocates for it.
 *
 * Sources: Python/ceval.c (BUILD_LIST, BUILD_TUPLE, BUILD_CONST_KEY_MAP,
 * STORE_ATTR, STORE_SUBSCR, CALL), Objects/call.c (_PyObject_MakeTpCall),
 * Modules/gcmodule.c (gc_collect_impl, gc_set_threshold, gc_get_count_impl,
 * gc_get_stats_impl, gc_freeze_impl, gc_unfreeze_impl). */
#include "heap.h"
#include "ops_alloc.h"

#include <stdio.h>
#include <string.h>

static const char *name_of(const pm_trace *t, int32_t i)
{
    return (i >= 0 && i < t->nnames) ? t->names[i] : "?";
}

/* The object bound to binding I, PM_NULL for '_'; fails if unbound. */
static bool value_of(pm_model *m, const pm_trace *t, int32_t i, int32_t *out)
{
    if (i == PM_NO_VALUE) {
        *out = PM_NULL;
        return true;
    }
    int32_t v = pm_model_binding(m, i);
    if (v < 0) {
        pm_fail(m, "name '%s' is not bound", name_of(t, i));
        return false;
    }
    *out = v;
    return true;
}

/* A temporary tuple of N items that are not model objects (ints). */
static int32_t temp_tuple(pm_model *m, int32_t n, int32_t item)
{
    int32_t t = pm_alloc(m, PM_CLS_TUPLE, n);
    if (t < 0)
        return -1;
    m->objs[t].label = PM_LABEL_TEMPORARY;
    for (int32_t k = 0; k < n; k++)
        pm_slot_put(m, t, k, item);
    /* 3.14.1+: _PyTuple_FromArray tracks only if an item may be tracked */
    if (!m->prof->tuple_track_if_needed || pm_is_gc(m, item))
        pm_gc_track(m, t);
    return t;
}

/* 3.14.1+: a tuple display is tracked only if one of its items may be
 * (Objects/tupleobject.c, _PyTuple_FromStackRefStealOnSuccess). */
static bool display_tracked(pm_model *m, int32_t o)
{
    if (!m->prof->tuple_track_if_needed || pm_obj_kind(m, o) != PM_KIND_TUPLE)
        return true;
    for (int32_t k = 0; k < m->objs[o].nslots; k++)
        if (pm_is_gc(m, pm_slot_get(m, o, k)))
            return true;
    return false;
}

static void op_new(pm_model *m, const pm_trace *t, const pm_op *op)
{
    int32_t cls = op->cls + PM_NBUILTIN_CLASSES;
    const pm_class c = m->classes[cls];
    int32_t vals[PM_MAX_SLOTS];
    for (int32_t k = 0; k < c.nslots; k++) {
        vals[k] = PM_NULL;
        if (op->nvalues && !value_of(m, t, t->values[op->values0 + k], &vals[k]))
            return;
    }
    int32_t o;
    if (c.kind == PM_KIND_INSTANCE) {
        /* o = C(); o.s000 = v0; ...; R[x] = o; o = None */
        o = pm_alloc(m, cls, c.nslots);
        if (o < 0)
            return;
        pm_gc_track(m, o);
        pm_root_push(m, o);       /* the local o, until o = None */
        pm_eval_breaker(m);       /* after the call C() */
        pm_assign_uid(m, o);
        for (int32_t k = 0; k < c.nslots; k++)
            if (vals[k] != PM_NULL)
                pm_store_slot(m, o, k, vals[k]);
    } else if (c.kind == PM_KIND_ATOM) {
        o = pm_alloc(m, cls, 0);
        if (o < 0)
            return;
        pm_eval_breaker(m);       /* the driver's logging call */
        pm_assign_uid(m, o);
    } else {
        /* a display: the items are on the stack before the container exists */
        for (int32_t k = 0; k < c.nslots; k++)
            pm_incref(m, vals[k]);
        o = pm_alloc(m, cls, c.nslots);
        if (o < 0)
            return;
        if (c.kind == PM_KIND_DICT && m->prof->dicts_always_tracked)
            pm_gc_track(m, o);    /* 3.14: new_dict tracks at once */
        if (c.kind == PM_KIND_DICT) {
            for (int32_t k = 0; k < c.nslots; k++)
                pm_store_slot(m, o, k, vals[k]);
            for (int32_t k = 0; k < c.nslots; k++)
                pm_decref(m, vals[k]);
        } else {
            for (int32_t k = 0; k < c.nslots; k++)
                pm_slot_put(m, o, k, vals[k]);     /* the stack's references move in */
            if (display_tracked(m, o))
                pm_gc_track(m, o);
        }
        pm_root_push(m, o);       /* the local t */
        pm_eval_breaker(m);       /* the driver's logging call */
        pm_assign_uid(m, o);
    }
    pm_bind(m, op->name, o);
    if (c.kind != PM_KIND_ATOM)
        pm_root_pop(m, 1);
    pm_decref(m, o);              /* the local (or the stack) lets go */
}

static void op_set(pm_model *m, const pm_trace *t, const pm_op *op)
{
    int32_t owner, v;
    if (!value_of(m, t, op->name, &owner) || !value_of(m, t, op->value, &v))
        return;
    pm_kind kind = pm_obj_kind(m, owner);
    if (kind != PM_KIND_INSTANCE && kind != PM_KIND_LIST && kind != PM_KIND_DICT) {
        static const char *const kinds[] = { "instance", "list", "tuple", "dict", "atom", "weakref" };
        pm_fail(m, "cannot set a slot of '%s': it is a %s", name_of(t, op->name), kinds[kind]);
        return;
    }
    if (op->slot >= m->objs[owner].nslots) {
        pm_fail(m, "slot %d out of range for the object bound to '%s' (%d slots)",
                op->slot, name_of(t, op->name), m->objs[owner].nslots);
        return;
    }
    pm_incref(m, v);              /* STORE_ATTR / STORE_SUBSCR: both on the stack */
    pm_incref(m, owner);
    pm_root_push(m, v);
    pm_root_push(m, owner);
    pm_store_slot(m, owner, op->slot, v);
    pm_root_pop(m, 2);
    pm_decref(m, v);
    pm_decref(m, owner);
}

static void op_weakref(pm_model *m, const pm_trace *t, const pm_op *op)
{
    int32_t ob;
    if (!value_of(m, t, op->value, &ob))
        return;
    if (ob == PM_NULL || pm_obj_kind(m, ob) != PM_KIND_INSTANCE || !pm_cls(m, ob)->weakrefable) {
        pm_fail(m, "cannot create a weak reference to the object bound to '%s'",
                op->value == PM_NO_VALUE ? "_" : name_of(t, op->value));
        return;
    }
    /* R[w] = ref(v[, CB]): CALL pushes the arguments, _PyObject_MakeTpCall
     * packs them into a tuple, weakref___new__ runs, the tuple goes. */
    pm_incref(m, ob);
    int32_t args = temp_tuple(m, op->callback ? 2 : 1, PM_OPAQUE_GC);
    if (args < 0)
        return;
    pm_slot_put(m, args, 0, ob);
    pm_incref(m, ob);
    bool is_new;
    int32_t w = pm_new_weakref(m, ob, op->callback, &is_new);
    pm_decref(m, args);
    pm_decref(m, ob);
    if (w < 0)
        return;
    pm_root_push(m, w);           /* the local t */
    pm_eval_breaker(m);           /* after the call ref(...) */
    if (is_new)
        pm_assign_uid(m, w);
    pm_bind(m, op->name, w);
    pm_root_pop(m, 1);
    pm_decref(m, w);
}

static void op_collect(pm_model *m, int generation)
{
    int64_t r = 0;
    if (!m->collecting) {
        m->collecting = true;
        r = pm_gc_collect_main(m, generation);
        m->collecting = false;
    }
    pm_event *e = pm_emit_raw(m, PM_EV_COLLECTED);
    if (e) {
        e->generation = generation;
        e->result = r;
    }
}

static void op_threshold(pm_model *m, const pm_op *op)
{
    /* gc.set_threshold is METH_VARARGS: its arguments come in a new tuple */
    int32_t args = temp_tuple(m, op->nargs, PM_OPAQUE_ATOM);
    if (args < 0)
        return;
    for (int i = 0; i < op->nargs; i++)
        m->threshold[i] = op->args[i];
    pm_decref(m, args);
    pm_eval_breaker(m);
}

static void op_freeze(pm_model *m)
{
    if (m->prof->incremental) {
        pm_gci_freeze(m);
        return;
    }
    for (int g = 0; g < PM_NUM_GENERATIONS; g++) {
        gc_list_merge(m, g, PM_HEAD_PERMANENT);
        m->count[g] = 0;
    }
    m->opaque_permanent += m->opaque_gen2;
    m->opaque_imm_permanent += m->opaque_imm_gen2;
    m->opaque_gen2 = m->opaque_imm_gen2 = 0;
}

static void op_unfreeze(pm_model *m)
{
    if (m->prof->incremental) {
        pm_gci_unfreeze(m);
        return;
    }
    gc_list_merge(m, PM_HEAD_PERMANENT, PM_HEAD_GEN2);
    m->opaque_gen2 += m->opaque_permanent;
    m->opaque_imm_gen2 += m->opaque_imm_permanent;
    m->opaque_permanent = m->opaque_imm_permanent = 0;
}

static void op_garbage_clear(pm_model *m)
{
    int32_t g = m->garbage, n = m->objs[g].nslots;
    m->objs[g].nslots = 0;
    for (int32_t k = n - 1; k >= 0 && !m->failed; k--)
        pm_decref(m, pm_slot_get(m, g, k));
}

/* gc.get_count() / gc.get_threshold(): read, then build a 3-tuple. */
static void query_triple(pm_model *m, pm_event_kind kind)
{
    int64_t v[3];
    for (int g = 0; g < 3; g++)
        v[g] = kind == PM_EV_COUNT ? m->count[g] : m->threshold[g];
    if (kind == PM_EV_THRESHOLD && m->prof->incremental)
        v[2] = 0;                 /* 3.14 gc_get_threshold_impl */
    int32_t tup = pm_alloc(m, PM_CLS_TUPLE, 3);   /* Py_BuildValue: PyTuple_New */
    if (tup < 0)
        return;
    m->objs[tup].label = PM_LABEL_TEMPORARY;
    for (int32_t k = 0; k < 3; k++)
        pm_slot_put(m, tup, k, PM_OPAQUE_ATOM);
    pm_gc_track(m, tup);
    pm_root_push(m, tup);         /* the local s */
    pm_eval_breaker(m);           /* after the call; the result is held */
    pm_event *e = pm_emit_raw(m, kind);
    if (e)
        memcpy(e->v, v, sizeof v);
    pm_root_pop(m, 1);
    pm_decref(m, tup);
}

/* gc.get_stats(): a snapshot, then a list of three dicts. */
static void query_stats(pm_model *m)
{
    int64_t v[9];
    for (int g = 0; g < 3; g++) {
        v[3 * g] = m->stats[g].collections;
        v[3 * g + 1] = m->stats[g].collected;
        v[3 * g + 2] = m->stats[g].uncollectable;
    }
    int32_t list = pm_alloc(m, PM_CLS_LIST, 0);
    if (list < 0)
        return;
    m->objs[list].label = PM_LABEL_TEMPORARY;
    pm_gc_track(m, list);
    for (int g = 0; g < 3 && !m->failed; g++) {
        int32_t d = pm_alloc(m, PM_CLS_DICT, 0);
        if (d < 0)
            return;
        m->objs[d].label = PM_LABEL_TEMPORARY;
        if (m->prof->dicts_always_tracked)
            pm_gc_track(m, d);
        pm_list_append(m, list, d);
        pm_decref(m, d);
    }
    pm_root_push(m, list);        /* the local s */
    pm_eval_breaker(m);           /* after the call; the result is held */
    pm_event *e = pm_emit_raw(m, PM_EV_STATS);
    if (e)
        memcpy(e->v, v, sizeof v);
    pm_root_pop(m, 1);
    pm_decref(m, list);
}

/* The trace's own objects in the permanent generation, plus the driver's
 * while they are not frozen as a block (the driver reports its count
 * relative to that block while it is frozen). */
static int64_t freeze_count(const pm_model *m)
{
    int64_t n = 0;
    bool block_frozen = false;
    for (int32_t o = m->objs[PM_HEAD_PERMANENT].gc_next; o != PM_HEAD_PERMANENT;
         o = m->objs[o].gc_next) {
        if (o == m->ns)
            block_frozen = true;
        else if (o != m->garbage)
            n++;
    }
    return block_frozen ? n : n + m->opaque_permanent;
}

static void op_query(pm_model *m, const pm_trace *t, const pm_op *op)
{
    pm_event *e;
    int32_t o;
    switch (op->query) {
    case PM_Q_COUNT:
        query_triple(m, PM_EV_COUNT);
        return;
    case PM_Q_THRESHOLD:
        query_triple(m, PM_EV_THRESHOLD);
        return;
    case PM_Q_STATS:
        query_stats(m);
        return;
    case PM_Q_FREEZE_COUNT:
        if ((e = pm_emit_raw(m, PM_EV_FREEZE_COUNT)))
            e->result = freeze_count(m);
        return;
    case PM_Q_GARBAGE: {
        pm_eval_breaker(m);       /* RESUME of the driver's QG() */
        int32_t first = m->nevobjs, n = m->objs[m->garbage].nslots;
        for (int32_t k = 0; k < n; k++) {
            int32_t v = pm_slot_get(m, m->garbage, k);
            if (!pm_emit_obj(m, v >= 0 ? m->objx[v].uid : 0))
                return;
        }
        if ((e = pm_emit_raw(m, PM_EV_GARBAGE))) {
            e->objs0 = first;
            e->nobjs = n;
        }
        return;
    }
    case PM_Q_TRACKED:
    case PM_Q_FINALIZED:
    case PM_Q_REFCOUNT:
        if (!value_of(m, t, op->name, &o))
            return;
        e = pm_emit_raw(m, op->query == PM_Q_TRACKED ? PM_EV_TRACKED
                         : op->query == PM_Q_FINALIZED ? PM_EV_FINALIZED : PM_EV_REFCOUNT);
        if (!e)
            return;
        e->name = op->name;
        if (op->query == PM_Q_TRACKED)
            e->result = pm_is_gc(m, o) && pm_is_tracked(m, o);
        else if (op->query == PM_Q_FINALIZED)
            e->result = pm_is_gc(m, o) && m->objs[o].finalized;
        else
            e->result = m->objs[o].refcnt + 1;   /* the argument's own reference */
        return;
    }
}

int pm_model_step(pm_model *m, const pm_trace *t, const pm_op *op, pm_diag *diag)
{
    if (m->failed)
        return -1;
    memset(diag, 0, sizeof *diag);
    snprintf(diag->file, sizeof diag->file, "%s", t->file ? t->file : "<trace>");
    diag->line = op->line;
    m->diag = diag;
    m->cur_line = op->line;
    if (op->kind != PM_OP_CLASS && op->kind != PM_OP_PYMALLOC)
        pm_eval_breaker(m);       /* the driver's call marking the operation */
    switch (op->kind) {
    case PM_OP_CLASS:
        pm_model_declare(m, &op->decl);
        break;
    case PM_OP_NEW:
        op_new(m, t, op);
        break;
    case PM_OP_SET:
        op_set(m, t, op);
        break;
    case PM_OP_BIND: {
        int32_t v;
        if (value_of(m, t, op->value, &v)) {
            pm_root_push(m, v);   /* STORE_SUBSCR: the value is on the stack */
            pm_bind(m, op->name, v);
            pm_root_pop(m, 1);
        }
        break;
    }
    case PM_OP_DEL:
        pm_bind(m, op->name, PM_NULL);
        break;
    case PM_OP_WEAKREF:
        op_weakref(m, t, op);
        break;
    case PM_OP_COLLECT:
        op_collect(m, op->args[0]);
        break;
    case PM_OP_THRESHOLD:
        op_threshold(m, op);
        break;
    case PM_OP_ENABLE:
        m->enabled = true;
        break;
    case PM_OP_DISABLE:
        m->enabled = false;
        break;
    case PM_OP_DEBUG:
        m->saveall = op->saveall;
        break;
    case PM_OP_FREEZE:
        op_freeze(m);
        break;
    case PM_OP_UNFREEZE:
        op_unfreeze(m);
        break;
    case PM_OP_GARBAGE_CLEAR:
        op_garbage_clear(m);
        break;
    case PM_OP_QUERY:
        op_query(m, t, op);
        break;
    case PM_OP_PYMALLOC:
    case PM_OP_MALLOC:
    case PM_OP_FREE:
    case PM_OP_REALLOC:
        pm_model_alloc_op(m, t, op);
        break;
    }
    m->diag = NULL;
    return m->failed ? -1 : 0;
}

int pm_model_run(pm_model *m, const pm_trace *t, pm_diag *diag)
{
    for (int32_t i = 0; i < t->nops; i++)
        if (pm_model_step(m, t, &t->ops[i], diag) < 0)
            return -1;
    return 0;
}
