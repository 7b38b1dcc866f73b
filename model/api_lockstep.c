/* api_lockstep.c: a model fed one trace line at a time (pm_session), for
 * lockstep co-simulation (`pymemref serve`, spec/trace.md "The lockstep
 * protocol").
 *
 * The session keeps the parser's state between lines (trace_lex.h), so that
 * binding names, classes and the static analysis grow as they do in one
 * pm_trace_parse of the same lines.  A refused line changes nothing:
 *  - static errors: the parser appends no operation; the initial values it
 *    read are dropped here; binding names it interned stay, which nothing
 *    can observe (an interned name is unbound until an operation binds it);
 *  - dynamic errors: checked here before the model runs the operation, with
 *    the model's own rules and messages (ops.c: value_of, op_set,
 *    op_weakref, op_query); the parser's static class of the target name is
 *    put back from a copy kept after each good line (`shadow`).
 * Anything else that fails inside pm_model_step (out of memory, an internal
 * error, a dynamic rule this file does not know) leaves the model half-way
 * through an operation: the session is then broken until a reset. */
#include "trace_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pm_session {
    const pm_profile *profile;
    pm_options opts;
    char *file;
    parser *P;
    pm_model *m;
    pm_diag pdiag;          /* the parser's target between lines          */
    int32_t *shadow;        /* per name: parser's name_cls after the last
                               good line                                   */
    int32_t nshadow, capshadow;
    int32_t first_event;
    bool broken;
    char why[256];          /* what broke it                              */
};

static void session_clear(pm_session *s)
{
    if (s->P) {
        tp_release(s->P);
        free(s->P);
        s->P = NULL;
    }
    pm_model_free(s->m);
    s->m = NULL;
    free(s->shadow);
    s->shadow = NULL;
    s->nshadow = s->capshadow = 0;
    s->first_event = 0;
}

static int session_start(pm_session *s)
{
    s->P = calloc(1, sizeof *s->P);
    if (s->P) {
        s->P->file = s->file;
        s->P->diag = &s->pdiag;
        s->P->t.file = strdup(s->file);
    }
    s->m = pm_model_new(s->profile, &s->opts);
    if (!s->P || !s->P->t.file || !s->m) {
        session_clear(s);
        s->broken = true;
        snprintf(s->why, sizeof s->why, "out of memory");
        return -1;
    }
    s->broken = false;
    s->why[0] = '\0';
    return 0;
}

pm_session *pm_session_new(const pm_profile *profile, const pm_options *opts,
                           const char *file)
{
    pm_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->profile = profile;
    if (opts)
        s->opts = *opts;
    s->file = strdup(file ? file : "<session>");
    if (!s->file || session_start(s)) {
        pm_session_free(s);
        return NULL;
    }
    return s;
}

void pm_session_free(pm_session *s)
{
    if (!s)
        return;
    session_clear(s);
    free(s->file);
    free(s);
}

int pm_session_reset(pm_session *s, const pm_profile *profile)
{
    if (profile)
        s->profile = profile;
    session_clear(s);
    return session_start(s);
}

int pm_session_line(const pm_session *s) { return s->P ? s->P->line : 0; }
int32_t pm_session_first_event(const pm_session *s) { return s->first_event; }
bool pm_session_broken(const pm_session *s) { return s->broken; }
const pm_profile *pm_session_profile(const pm_session *s) { return s->profile; }
const pm_model *pm_session_model(const pm_session *s) { return s->m; }

const pm_trace *pm_session_trace(const pm_session *s)
{
    static const pm_trace empty = { 0 };
    return s->P ? &s->P->t : &empty;
}

static int fail(pm_session *s, pm_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(pm_session *s, pm_diag *d, const char *fmt, ...)
{
    va_list ap;
    snprintf(d->file, sizeof d->file, "%s", s->file);
    d->line = s->P ? s->P->line : 0;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------ the model's dynamic rules */

static const char *name_of(const pm_trace *t, int32_t i)
{
    return i >= 0 && i < t->nnames ? t->names[i] : "?";
}

/* ops.c, value_of: a value that must hold an object. */
static int bound(pm_session *s, pm_diag *d, int32_t name, int32_t *obj)
{
    *obj = -1;
    if (name == PM_NO_VALUE)
        return 0;
    *obj = pm_model_binding(s->m, name);
    if (*obj < 0)
        return fail(s, d, "name '%s' is not bound", name_of(&s->P->t, name));
    return 0;
}

/* The dynamic errors of pm_model_step, found before it runs (same order,
 * same messages as ops.c). */
static int precheck(pm_session *s, const pm_op *op, pm_diag *d)
{
    const pm_trace *t = &s->P->t;
    pm_object_info info;
    int32_t a, b;
    switch (op->kind) {
    case PM_OP_NEW:
        for (int32_t k = 0; k < op->nvalues; k++)
            if (bound(s, d, t->values[op->values0 + k], &a))
                return -1;
        return 0;
    case PM_OP_SET: {
        if (bound(s, d, op->name, &a) || bound(s, d, op->value, &b))
            return -1;
        pm_model_object(s->m, a, &info);
        static const char *const kinds[] = { "instance", "list", "tuple", "dict", "atom",
                                             "weakref" };
        if (info.kind != PM_KIND_INSTANCE && info.kind != PM_KIND_LIST &&
            info.kind != PM_KIND_DICT)
            return fail(s, d, "cannot set a slot of '%s': it is a %s", name_of(t, op->name),
                        kinds[info.kind]);
        if (op->slot >= info.nslots)
            return fail(s, d, "slot %d out of range for the object bound to '%s' (%d slots)",
                        (int)op->slot, name_of(t, op->name), (int)info.nslots);
        return 0;
    }
    case PM_OP_BIND:
        return bound(s, d, op->value, &a);
    case PM_OP_WEAKREF: {
        if (bound(s, d, op->value, &a))
            return -1;
        pm_model_object(s->m, a, &info);
        int32_t c = info.kind == PM_KIND_INSTANCE ? pm_model_trace_class(s->m, info.cls) : -1;
        if (c < 0 || c >= t->nclasses || !tp_decl_of(s->P, c)->weakrefable)
            return fail(s, d, "cannot create a weak reference to the object bound to '%s'",
                        name_of(t, op->value));
        return 0;
    }
    case PM_OP_QUERY:
        if (op->query == PM_Q_TRACKED || op->query == PM_Q_FINALIZED ||
            op->query == PM_Q_REFCOUNT)
            return bound(s, d, op->name, &a);
        return 0;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ apply */

/* Operations whose parse sets the static class of their target name. */
static bool sets_name_class(const pm_op *op)
{
    return op->kind == PM_OP_NEW || op->kind == PM_OP_BIND || op->kind == PM_OP_DEL ||
           op->kind == PM_OP_WEAKREF;
}

int pm_session_apply(pm_session *s, const char *text, size_t len, pm_diag *diag)
{
    memset(diag, 0, sizeof *diag);
    s->first_event = s->m ? pm_model_event_count(s->m) : 0;
    if (s->broken) {
        if (s->P && s->P->line < INT32_MAX)
            s->P->line++;
        fail(s, diag, "the session is broken (%s): it needs a reset", s->why);
        return -2;
    }
    parser *P = s->P;
    if (P->line == INT32_MAX)
        return fail(s, diag, "too many lines");
    P->line++;
    if (memchr(text, '\n', len))
        return fail(s, diag, "a line holds one operation (the text has a newline)");

    int32_t nops0 = P->t.nops, nvalues0 = P->t.nvalues;
    P->diag = diag;
    int rc = tp_parse_line(P, text, len);
    P->diag = &s->pdiag;
    if (rc) {
        P->t.nvalues = nvalues0;
        return -1;
    }
    if (P->t.nops == nops0)
        return 0;                       /* blank or comment */
    pm_op *op = &P->t.ops[nops0];

    /* Keep the static classes of all names, new ones included. */
    if (P->t.nnames > s->nshadow) {
        if (!tp_grow((void **)&s->shadow, &s->capshadow, P->t.nnames, sizeof(int32_t))) {
            if (sets_name_class(op) && op->name >= s->nshadow)
                P->name_cls[op->name] = TP_CLS_UNKNOWN;
            P->t.nops = nops0;
            P->t.nvalues = nvalues0;
            return fail(s, diag, "out of memory");
        }
        for (int32_t i = s->nshadow; i < P->t.nnames; i++)
            s->shadow[i] = TP_CLS_UNKNOWN;
        s->nshadow = P->t.nnames;
    }
    if (precheck(s, op, diag)) {
        if (sets_name_class(op))
            P->name_cls[op->name] = s->shadow[op->name];
        P->t.nops = nops0;
        P->t.nvalues = nvalues0;
        return -1;
    }
    if (pm_model_step(s->m, &P->t, op, diag)) {
        s->broken = true;
        snprintf(s->why, sizeof s->why, "line %d: %.200s", diag->line, diag->message);
        return -2;
    }
    if (sets_name_class(op))
        s->shadow[op->name] = P->name_cls[op->name];
    return 0;
}
