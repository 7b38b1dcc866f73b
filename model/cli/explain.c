/* explain.c: `pymemref explain`, one block per collection, phase by phase.
 *
 * The model reports each phase of gc_collect_main (Modules/gcmodule.c) to an
 * observer, which reads the objects through the model's read-only accessors
 * and compares what it sees with what it saw at the previous phase:
 *  - the collected set: the tracked objects of generations 0..G once the
 *    younger generations are merged;
 *  - gc_refs after update_refs and after subtract_refs;
 *  - move_unreachable's decision: the `unreachable` flag;
 *  - legacy finalizers: the unreachable objects whose class has `del=legacy`;
 *    what was made uncollectable: what the collection appended to gc.garbage
 *    after delete_garbage (handle_legacy_finalizers);
 *  - weak references cleared: referents that changed in handle_weakrefs;
 *  - the events recorded during each phase (callbacks, __del__, frees);
 *  - resurrection: unreachable objects that are back in a generation. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct member {
    int32_t obj;
    int64_t refs_update, refs_subtract;
    bool unreachable;          /* move_unreachable's decision               */
} member;

typedef struct weak_snap { int32_t obj, referent; } weak_snap;

typedef struct explain {
    const cli_input *in;
    pm_buf *out;
    const pm_op *op;
    cli_cursor cursor;
    const pm_class **decl;     /* per trace class: its declaration          */
    int32_t garbage_obj;       /* the gc.garbage list, or -1                */
    int collections;
    int generation;
    bool moved;                /* move_unreachable has been reported        */
    member *set;
    int32_t nset, cap_set;
    weak_snap *weak;
    int32_t nweak, cap_weak;
    int32_t garbage_len;       /* gc.garbage's length at the last look      */
    int32_t mark;              /* events seen up to the last phase          */
    bool result_pending;       /* the collected/auto event is still due     */
} explain;

static bool reserve(explain *E, void **p, int32_t *cap, int32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    int32_t nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, (size_t)nc * size);
    if (!q) {
        E->out->oom = true;
        return false;
    }
    *p = q;
    *cap = nc;
    return true;
}

static void name(explain *E, const pm_model *m, int32_t i)
{
    cli_object_name(E->out, m, &E->in->trace, i);
}

/* Print one event the way `run` does, after PREFIX. */
static void event(explain *E, const pm_model *m, const pm_event *e, const char *prefix)
{
    pm_buf_printf(E->out, "%s", prefix);
    pm_format_event(E->out, m, &E->in->trace, e, false);
}

/* Print the events recorded since the last phase under TITLE; the result of
 * the collection, when it is among them, on its own line. */
static void events_since_mark(explain *E, const pm_model *m, const char *title)
{
    int32_t n = pm_model_event_count(m);
    bool titled = false;
    for (int32_t i = E->mark; i < n; i++) {
        const pm_event *e = pm_model_event(m, i);
        if (e->kind == PM_EV_COLLECTED || e->kind == PM_EV_AUTO) {
            event(E, m, e, "  result: ");
            E->result_pending = false;
            continue;
        }
        if (!titled && title)
            pm_buf_printf(E->out, "  %s\n", title);
        titled = true;
        event(E, m, e, "    ");
    }
    E->mark = n;
}

/* The collected/auto event, when the model records it after COLLECT_END. */
static void flush_result(explain *E, const pm_model *m)
{
    if (!E->result_pending)
        return;
    int32_t n = pm_model_event_count(m);
    for (int32_t i = E->mark; i < n; i++) {
        const pm_event *e = pm_model_event(m, i);
        if (e->kind == PM_EV_COLLECTED || e->kind == PM_EV_AUTO) {
            event(E, m, e, "  result: ");
            break;
        }
    }
    E->result_pending = false;
}

/* The objects being collected: generations 0..G, merged into G when the
 * collection starts (or on a list of the collection's own). */
static void collect_set(explain *E, const pm_model *m, int generation)
{
    int32_t n = pm_model_object_count(m);
    E->nset = 0;
    for (int32_t i = 0; i < n; i++) {
        pm_object_info o;
        if (!pm_model_object(m, i, &o) ||
            !((o.where >= PM_WHERE_GEN0 && o.where <= generation) ||
              o.where == PM_WHERE_COLLECTING))
            continue;
        if (!reserve(E, (void **)&E->set, &E->cap_set, E->nset + 1, sizeof(member)))
            return;
        E->set[E->nset++] = (member){ .obj = i };
    }
}

static void snapshot_weakrefs(explain *E, const pm_model *m)
{
    int32_t n = pm_model_object_count(m);
    E->nweak = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t r = pm_model_weakref_referent(m, i);
        if (r >= 0 && reserve(E, (void **)&E->weak, &E->cap_weak, E->nweak + 1,
                              sizeof(weak_snap)))
            E->weak[E->nweak++] = (weak_snap){ i, r };
    }
}

static int32_t garbage_len(const explain *E, const pm_model *m)
{
    pm_object_info o;
    return E->garbage_obj >= 0 && pm_model_object(m, E->garbage_obj, &o) ? o.nslots : 0;
}

/* What was appended to gc.garbage since the last look, under TITLE. */
static void garbage_appended(explain *E, const pm_model *m, const char *title)
{
    int32_t len = garbage_len(E, m);
    for (int32_t k = E->garbage_len; k < len; k++) {
        pm_buf_printf(E->out, k == E->garbage_len ? "  %s: " : ", ", title);
        name(E, m, pm_model_slot(m, E->garbage_obj, k));
    }
    if (len > E->garbage_len)
        pm_buf_printf(E->out, "\n");
    E->garbage_len = len;
}

static void start(explain *E, const pm_model *m, int generation)
{
    flush_result(E, m);
    E->collections++;
    E->generation = generation;
    E->moved = false;
    int len;
    const char *src = cli_line_text(E->in, &E->cursor, E->op->line, 60, &len);
    pm_buf_printf(E->out, "\ncollection %d, line %d `%.*s`: ", E->collections, E->op->line,
                  len, src);
    if (E->op->kind == PM_OP_COLLECT)
        pm_buf_printf(E->out, "gc.collect(%d)\n", generation);
    else
        pm_buf_printf(E->out, "automatic collection of generation %d\n", generation);
    E->mark = pm_model_event_count(m);
    E->garbage_len = garbage_len(E, m);
    collect_set(E, m, generation);
}

/* The table of gc_refs and decisions, after move_unreachable. */
static void table(explain *E, const pm_model *m)
{
    pm_buf_printf(E->out, "  collected set: %d object%s (", (int)E->nset, E->nset == 1 ? "" : "s");
    if (E->generation == 0)
        pm_buf_printf(E->out, "generation 0)\n");
    else
        pm_buf_printf(E->out, "generations 0..%d merged)\n", E->generation);
    if (E->nset == 0)
        return;
    int width = 6;
    pm_buf tmp = { 0 };
    for (int32_t k = 0; k < E->nset; k++) {
        tmp.len = 0;
        cli_object_name(&tmp, m, &E->in->trace, E->set[k].obj);
        if ((int)tmp.len > width)
            width = (int)tmp.len;
    }
    pm_buf_printf(E->out, "    %-*s  %11s  %13s  %s\n", width, "object", "update_refs",
                  "subtract_refs", "move_unreachable");
    for (int32_t k = 0; k < E->nset; k++) {
        const member *s = &E->set[k];
        tmp.len = 0;
        cli_object_name(&tmp, m, &E->in->trace, s->obj);
        pm_buf_printf(E->out, "    %-*.*s  %11lld  %13lld  %s\n", width, (int)tmp.len,
                      tmp.data ? tmp.data : "", (long long)s->refs_update,
                      (long long)s->refs_subtract, s->unreachable ? "unreachable" : "reachable");
    }
    if (tmp.oom)
        E->out->oom = true;
    pm_buf_free(&tmp);
}

typedef bool member_pred(const explain *E, const member *s, const pm_object_info *o);

/* The members for which PRED holds, after TITLE; "none" if there are none. */
static void list_members(explain *E, const pm_model *m, const char *title, member_pred *pred)
{
    int32_t count = 0;
    for (int32_t k = 0; k < E->nset; k++) {
        pm_object_info o;
        if (!pm_model_object(m, E->set[k].obj, &o) || !pred(E, &E->set[k], &o))
            continue;
        pm_buf_printf(E->out, count ? ", " : "  %s: ", title);
        name(E, m, E->set[k].obj);
        count++;
    }
    pm_buf_printf(E->out, count ? "\n" : "  %s: none\n", title);
}

static bool p_resurrected(const explain *E, const member *s, const pm_object_info *o)
{
    (void)E;
    return s->unreachable && o->where != PM_WHERE_FREED && o->where != PM_WHERE_COLLECTING;
}

static bool p_freed(const explain *E, const member *s, const pm_object_info *o)
{
    (void)E;
    (void)s;
    return o->where == PM_WHERE_FREED;
}

static void legacy(explain *E, const pm_model *m)
{
    int32_t count = 0;
    const char *title = "unreachable objects with a legacy tp_del";
    for (int32_t k = 0; k < E->nset; k++) {
        pm_object_info o;
        if (!E->set[k].unreachable || !pm_model_object(m, E->set[k].obj, &o))
            continue;
        int32_t c = pm_model_trace_class(m, o.cls);
        if (c < 0 || c >= E->in->trace.nclasses || !E->decl[c] ||
            E->decl[c]->del != PM_DEL_LEGACY)
            continue;
        pm_buf_printf(E->out, count ? ", " : "  %s: ", title);
        name(E, m, E->set[k].obj);
        count++;
    }
    if (count)
        pm_buf_printf(E->out, "\n    (they and what they reach are set aside, uncollectable)\n");
    else
        pm_buf_printf(E->out, "  %s: none\n", title);
}

static void weakrefs(explain *E, const pm_model *m)
{
    int32_t cleared = 0;
    for (int32_t k = 0; k < E->nweak; k++) {
        const weak_snap *w = &E->weak[k];
        if (pm_model_weakref_referent(m, w->obj) == w->referent)
            continue;
        pm_buf_printf(E->out, cleared ? ", " : "  handle_weakrefs cleared: ");
        name(E, m, w->obj);
        pm_buf_printf(E->out, " (to ");
        name(E, m, w->referent);
        pm_buf_printf(E->out, ")");
        cleared++;
    }
    pm_buf_printf(E->out, cleared ? "\n" : "  handle_weakrefs cleared: none\n");
    events_since_mark(E, m, "callbacks (before any __del__):");
}

static void survivors(explain *E, const pm_model *m)
{
    int32_t count = 0;
    for (int32_t k = 0; k < E->nset; k++) {
        pm_object_info o;
        if (!pm_model_object(m, E->set[k].obj, &o) || o.where == PM_WHERE_FREED)
            continue;
        pm_buf_printf(E->out, count ? ", " : "  survivors: ");
        name(E, m, E->set[k].obj);
        pm_buf_printf(E->out, " -> %s", cli_where_name(o.where));
        count++;
    }
    pm_buf_printf(E->out, count ? "\n" : "  survivors: none\n");
}

static void observe(void *ctx, const pm_model *m, pm_phase phase, int generation)
{
    explain *E = ctx;
    pm_object_info o;
    switch (phase) {
    case PM_PHASE_COLLECT_START:
        start(E, m, generation);
        break;
    case PM_PHASE_UPDATE_REFS:
    case PM_PHASE_SUBTRACT_REFS:
        /* handle_resurrected_objects runs these again later: not shown. */
        if (E->moved)
            break;
        for (int32_t k = 0; k < E->nset; k++) {
            if (!pm_model_object(m, E->set[k].obj, &o))
                continue;
            if (phase == PM_PHASE_UPDATE_REFS)
                E->set[k].refs_update = o.gc_refs;
            else
                E->set[k].refs_subtract = o.gc_refs;
        }
        break;
    case PM_PHASE_MOVE_UNREACHABLE:
        for (int32_t k = 0; k < E->nset; k++)
            if (pm_model_object(m, E->set[k].obj, &o))
                E->set[k].unreachable = o.unreachable;
        E->moved = true;
        table(E, m);
        break;
    case PM_PHASE_LEGACY_FINALIZERS:
        legacy(E, m);
        snapshot_weakrefs(E, m);
        events_since_mark(E, m, "events:");
        break;
    case PM_PHASE_HANDLE_WEAKREFS:
        weakrefs(E, m);
        break;
    case PM_PHASE_FINALIZE_GARBAGE:
        if (pm_model_event_count(m) == E->mark)
            pm_buf_printf(E->out, "  finalize_garbage: no finalizer ran\n");
        events_since_mark(E, m, "finalize_garbage ran, in order:");
        break;
    case PM_PHASE_RESURRECTION:
        list_members(E, m, "resurrected (reachable again after the finalizers)",
                     p_resurrected);
        list_members(E, m, "freed while the finalizers ran", p_freed);
        events_since_mark(E, m, "events:");
        break;
    case PM_PHASE_DELETE_GARBAGE:
        garbage_appended(E, m, "DEBUG_SAVEALL: appended to gc.garbage instead of deleted");
        if (pm_model_event_count(m) == E->mark)
            pm_buf_printf(E->out, "  delete_garbage: nothing freed\n");
        events_since_mark(E, m, "delete_garbage (tp_clear, then what it frees):");
        break;
    case PM_PHASE_COLLECT_END:
        garbage_appended(E, m, "uncollectable, appended to gc.garbage");
        survivors(E, m);
        E->result_pending = true;
        events_since_mark(E, m, "events:");
        E->nset = 0;
        break;
    }
}

int cli_explain(const cli_input *in, pm_buf *out)
{
    const pm_trace *t = &in->trace;
    explain E = { .in = in, .out = out, .garbage_obj = -1 };
    E.decl = calloc((size_t)(t->nclasses ? t->nclasses : 1), sizeof *E.decl);
    pm_model *m = E.decl ? pm_model_new(in->profile, &in->options) : NULL;
    if (!m) {
        free(E.decl);
        fprintf(stderr, "pymemref: out of memory\n");
        return -1;
    }
    for (int32_t i = 0; i < t->nops; i++)
        if (t->ops[i].kind == PM_OP_CLASS && t->ops[i].cls >= 0 && t->ops[i].cls < t->nclasses)
            E.decl[t->ops[i].cls] = &t->ops[i].decl;
    for (int32_t i = 0, n = pm_model_object_count(m); i < n && E.garbage_obj < 0; i++) {
        pm_object_info o;
        if (pm_model_object(m, i, &o) && o.label && !strcmp(o.label, "gc.garbage"))
            E.garbage_obj = i;
    }
    pm_model_set_observer(m, observe, &E);
    pm_buf_printf(out, "Each block is one collection.  gc_refs after update_refs is the "
                       "reference count;\nafter subtract_refs, the references from outside "
                       "the collected set.\nmove_unreachable keeps what has gc_refs > 0 and "
                       "everything those reach.\n");
    int rc = 0;
    for (int32_t i = 0; i < t->nops && rc == 0; i++) {
        E.op = &t->ops[i];
        pm_diag d;
        rc = pm_model_step(m, t, E.op, &d);
        if (rc)
            cli_report(in, &d);
        else
            flush_result(&E, m);
        E.mark = pm_model_event_count(m);
    }
    if (rc == 0 && E.collections == 0)
        pm_buf_printf(out, "\nno collection happened\n");
    pm_model_free(m);
    free(E.set);
    free(E.weak);
    free(E.decl);
    return rc;
}
