/* trace_parse.c: the trace language of spec/trace.md, text to pm_trace.
 *
 * One pass over the lines.  Lexical checks (NUL, UTF-8, control bytes, line
 * length) come first on each line, then the operation's grammar and the
 * static rules.  Binding names get indices in order of first appearance,
 * class names in declaration order.  On failure everything built so far is
 * released and *out is not touched. */
#include "trace_lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- operations */

static int op_class(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a class name") ||
        tp_need(P, 2, "a kind (instance, list, tuple, dict or atom)"))
        return -1;
    tok name = P->tk[1];
    const char *why = tp_name_problem(name);
    if (why)
        return tp_fail(P, "bad class name `%s`: %s", tp_show(P, name), why);
    int32_t prev = tp_find_class(P, name);
    if (prev >= 0)
        return tp_fail(P, "duplicate class `%s` (first declared on line %d)", tp_show(P, name),
                       P->t.ops[P->class_op[prev]].line);
    if (P->t.nclasses >= PM_MAX_CLASSES)
        return tp_fail(P, "too many classes (limit %d)", PM_MAX_CLASSES);

    pm_class *d = &op->decl;
    static const char *const kinds[] = { "instance", "list", "tuple", "dict", "atom" };
    int k;
    for (k = 0; k < 5 && !tp_tok_is(P->tk[2], kinds[k]); k++)
        ;
    if (k == 5)
        return tp_fail(P, "unknown kind `%s` (expected instance, list, tuple, dict or atom)",
                       tp_show(P, P->tk[2]));
    d->kind = (pm_kind)k;

    bool seen_slots = false, seen_weakref = false, seen_del = false;
    for (int i = 3; i < P->ntok; i++) {
        tok a = P->tk[i];
        if (a.n >= 6 && memcmp(a.p, "slots=", 6) == 0) {
            if (seen_slots)
                return tp_fail(P, "`slots=` given twice");
            seen_slots = true;
            tok n = { a.p + 6, a.n - 6 };
            if (tp_number(P, n, "after `slots=`", &d->nslots))
                return -1;
            if (d->nslots > PM_MAX_SLOTS)
                return tp_fail(P, "slots=%d out of range (0 to %d)", (int)d->nslots, PM_MAX_SLOTS);
        } else if (tp_tok_is(a, "weakref")) {
            if (seen_weakref)
                return tp_fail(P, "`weakref` given twice");
            seen_weakref = true;
            if (d->kind != PM_KIND_INSTANCE)
                return tp_fail(P, "only instance classes take `weakref` (`%s` is %s class)",
                               tp_show(P, name), tp_kind_name(d->kind));
            d->weakrefable = true;
        } else if (a.n >= 4 && memcmp(a.p, "del=", 4) == 0) {
            if (seen_del)
                return tp_fail(P, "`del=` given twice");
            seen_del = true;
            if (d->kind != PM_KIND_INSTANCE)
                return tp_fail(P, "only instance classes take `del=` (`%s` is %s class)",
                               tp_show(P, name), tp_kind_name(d->kind));
            tok act = { a.p + 4, a.n - 4 };
            if (tp_tok_is(act, "observe")) {
                d->del = PM_DEL_OBSERVE;
            } else if (tp_tok_is(act, "legacy")) {
                d->del = PM_DEL_LEGACY;
            } else if (act.n >= 10 && memcmp(act.p, "resurrect:", 10) == 0) {
                d->del = PM_DEL_RESURRECT;
                tok n = { act.p + 10, act.n - 10 };
                if (tp_binding(P, n, &d->del_name))
                    return -1;
            } else if (act.n >= 6 && memcmp(act.p, "clear:", 6) == 0) {
                d->del = PM_DEL_CLEAR;
                tok n = { act.p + 6, act.n - 6 };
                if (tp_number(P, n, "after `clear:`", &d->del_slot))
                    return -1;
            } else if (act.n >= 7 && memcmp(act.p, "create:", 7) == 0) {
                d->del = PM_DEL_CREATE;
                tok c = { act.p + 7, act.n - 7 };
                const char *colon = memchr(c.p, ':', c.n);
                if (!colon)
                    return tp_fail(P, "expected `create:CLASS:NAME`, got `%s`", tp_show(P, a));
                tok n = { colon + 1, (size_t)(c.p + c.n - colon - 1) };
                c.n = (size_t)(colon - c.p);
                if (tp_class_ref(P, c, &d->del_class))
                    return -1;
                const pm_class *cd = tp_decl_of(P, d->del_class);
                if (cd->kind != PM_KIND_INSTANCE)
                    return tp_fail(P, "`create:` needs an instance class, `%s` is %s class",
                                   tp_show(P, c), tp_kind_name(cd->kind));
                if (tp_binding(P, n, &d->del_name))
                    return -1;
            } else {
                return tp_fail(P, "unknown finalizer action `%s` (expected observe, "
                               "resurrect:NAME, clear:SLOT, create:CLASS:NAME or legacy)",
                               tp_show(P, act));
            }
        } else {
            return tp_fail(P, "unknown class attribute `%s` "
                           "(expected slots=N, weakref or del=ACTION)",
                           tp_show(P, a));
        }
    }
    if (d->kind == PM_KIND_ATOM && d->nslots > 0)
        return tp_fail(P, "an atom class has no slots (`%s` has slots=%d)", tp_show(P, name),
                       (int)d->nslots);
    if ((d->kind == PM_KIND_LIST || d->kind == PM_KIND_TUPLE || d->kind == PM_KIND_DICT) &&
        d->nslots > PM_MAX_DISPLAY_SLOTS)
        return tp_fail(P, "a %s class has at most %d slots (`%s` has slots=%d): longer "
                       "displays compile differently (spec/differences.md)",
                       d->kind == PM_KIND_LIST ? "list" : d->kind == PM_KIND_TUPLE ? "tuple" : "dict",
                       PM_MAX_DISPLAY_SLOTS, tp_show(P, name), (int)d->nslots);
    if (d->kind == PM_KIND_TUPLE && d->nslots == 0)
        return tp_fail(P, "a tuple class needs at least one slot (`%s` has slots=0)",
                       tp_show(P, name));
    if (d->del == PM_DEL_CLEAR && d->del_slot >= d->nslots)
        return tp_fail(P, "`clear:%d` out of range for class `%s` (%d slots)", (int)d->del_slot,
                       tp_show(P, name), (int)d->nslots);

    if (tp_declare_class(P, name, &op->cls))
        return -1;
    /* From now on a finalizer may rebind its target at any time. */
    if (d->del == PM_DEL_RESURRECT || d->del == PM_DEL_CREATE)
        P->name_volatile[d->del_name] = true;
    return 0;
}

/* The class binding I surely holds now, or TP_CLS_UNKNOWN.  A name that a
 * finalizer may rebind is never sure: finalizers run at any decref. */
static int32_t static_class(const parser *P, int32_t i)
{
    return i == PM_NO_VALUE || P->name_volatile[i] ? TP_CLS_UNKNOWN : P->name_cls[i];
}

static int op_new(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a binding name") || tp_need(P, 2, "a class name"))
        return -1;
    if (tp_binding(P, P->tk[1], &op->name) || tp_class_ref(P, P->tk[2], &op->cls))
        return -1;
    const pm_class *d = tp_decl_of(P, op->cls);
    int32_t nv = P->ntok - 3;
    if (nv != 0 && nv != d->nslots) {
        if (d->nslots == 0)
            return tp_fail(P, "wrong number of initial values for class `%s`: %d given, "
                           "none expected", tp_show(P, P->tk[2]), (int)nv);
        return tp_fail(P, "wrong number of initial values for class `%s`: %d given, "
                       "0 or %d expected", tp_show(P, P->tk[2]), (int)nv, (int)d->nslots);
    }
    op->nvalues = nv;
    op->values0 = P->t.nvalues;
    for (int i = 0; i < nv; i++) {
        int32_t v;
        if (tp_value(P, P->tk[3 + i], &v))
            return -1;
        if (!tp_grow((void **)&P->t.values, &P->cap_values, P->t.nvalues + 1, sizeof(int32_t)))
            return tp_oom(P);
        P->t.values[P->t.nvalues++] = v;
    }
    P->name_cls[op->name] = op->cls;
    return 0;
}

static int op_set(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "`NAME.SLOT`") || tp_need(P, 2, "a value"))
        return -1;
    tok target = P->tk[1];
    const char *dot = memchr(target.p, '.', target.n);
    if (!dot)
        return tp_fail(P, "expected `NAME.SLOT` after `set`, got `%s`", tp_show(P, target));
    tok name = { target.p, (size_t)(dot - target.p) };
    tok slot = { dot + 1, (size_t)(target.p + target.n - dot - 1) };
    if (tp_binding(P, name, &op->name) || tp_number(P, slot, "after `.` in `set`", &op->slot) ||
        tp_value(P, P->tk[2], &op->value) || tp_no_more(P, 2))
        return -1;
    if (op->slot >= PM_MAX_SLOTS)
        return tp_fail(P, "slot %d out of range (a class has at most %d slots)", (int)op->slot,
                       PM_MAX_SLOTS);
    int32_t c = static_class(P, op->name);
    if (c != TP_CLS_UNKNOWN) {
        /* Tuples and atoms are refused when the operation runs. */
        const pm_class *d = tp_decl_of(P, c);
        if (d->kind != PM_KIND_TUPLE && d->kind != PM_KIND_ATOM && op->slot >= d->nslots)
            return tp_fail(P, "slot %d out of range for class `%s` (%d slots)", (int)op->slot,
                           P->t.class_names[c], (int)d->nslots);
    }
    return 0;
}

static int op_bind(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a binding name") || tp_need(P, 2, "a value") ||
        tp_binding(P, P->tk[1], &op->name) || tp_value(P, P->tk[2], &op->value) ||
        tp_no_more(P, 2))
        return -1;
    P->name_cls[op->name] = static_class(P, op->value);
    return 0;
}

static int op_del(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a binding name") || tp_binding(P, P->tk[1], &op->name) ||
        tp_no_more(P, 1))
        return -1;
    P->name_cls[op->name] = TP_CLS_UNKNOWN;
    return 0;
}

static int op_weakref(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a binding name") || tp_need(P, 2, "a value") ||
        tp_binding(P, P->tk[1], &op->name) || tp_value(P, P->tk[2], &op->value))
        return -1;
    if (op->value == PM_NO_VALUE)
        return tp_fail(P, "cannot make a weak reference to `_` (None)");
    if (P->ntok > 3) {
        if (!tp_tok_is(P->tk[3], "callback"))
            return tp_fail(P, "expected `callback` or nothing after the value, got `%s`",
                           tp_show(P, P->tk[3]));
        op->callback = true;
        if (tp_no_more(P, 3))
            return -1;
    }
    P->name_cls[op->name] = TP_CLS_UNKNOWN;
    return 0;
}

static int op_collect(parser *P, pm_op *op)
{
    op->nargs = 1;
    op->args[0] = 2;
    if (P->ntok > 1) {
        if (tp_number(P, P->tk[1], "(a generation) after `collect`", &op->args[0]) ||
            tp_no_more(P, 1))
            return -1;
        if (op->args[0] > 2)
            return tp_fail(P, "generation %d out of range (0, 1 or 2)", (int)op->args[0]);
    }
    return 0;
}

static int op_threshold(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a number"))
        return -1;
    if (P->ntok > 4)
        return tp_fail(P, "`threshold` takes at most 3 numbers, got %d", P->ntok - 1);
    op->nargs = P->ntok - 1;
    for (int i = 0; i < op->nargs; i++)
        if (tp_number(P, P->tk[1 + i], "after `threshold`", &op->args[i]))
            return -1;
    return 0;
}

static int op_query(parser *P, pm_op *op)
{
    static const char *const kw[] = {
        "count", "stats", "threshold", "freeze_count", "garbage",
        "tracked", "finalized", "refcount"
    };
    if (tp_need(P, 1, "what to query (count, stats, threshold, freeze_count, garbage, "
                      "tracked, finalized or refcount)"))
        return -1;
    int k;
    for (k = 0; k < 8 && !tp_tok_is(P->tk[1], kw[k]); k++)
        ;
    if (k == 8)
        return tp_fail(P, "unknown query `%s` (expected count, stats, threshold, freeze_count, "
                       "garbage, tracked, finalized or refcount)", tp_show(P, P->tk[1]));
    op->query = (pm_query_kind)k;
    if (op->query >= PM_Q_TRACKED) {
        if (tp_need(P, 2, "a binding name") || tp_binding(P, P->tk[2], &op->name) ||
            tp_no_more(P, 2))
            return -1;
        return 0;
    }
    return tp_no_more(P, 1);
}

/* `debug saveall|none` and `garbage clear`: one keyword out of A (and B). */
static int op_keyword(parser *P, const char *a, const char *b, bool *is_a)
{
    char want[48];
    if (b)
        snprintf(want, sizeof want, "`%s` or `%s`", a, b);
    else
        snprintf(want, sizeof want, "`%s`", a);
    if (tp_need(P, 1, want))
        return -1;
    tok t = P->tk[1];
    if (!tp_tok_is(t, a) && !(b && tp_tok_is(t, b)))
        return tp_fail(P, "expected %s after `%.*s`, got `%s`", want, (int)P->tk[0].n,
                       P->tk[0].p, tp_show(P, t));
    *is_a = tp_tok_is(t, a);
    return tp_no_more(P, 1);
}

/* ------------------------------------------------- allocator operations */

/* Where the allocator operations may go: after the `pymalloc` directive
 * (if any) is settled.  Records the first one. */
static void alloc_seen(parser *P)
{
    if (P->alloc_line == 0)
        P->alloc_line = P->line;
}

/* `pymalloc pools=63|64 [bits=64|32]`: once, before any allocator
 * operation. */
static int op_pymalloc(parser *P, pm_op *op)
{
    if (P->pymalloc_line)
        return tp_fail(P, "a second `pymalloc` directive (the first is on line %d)",
                       P->pymalloc_line);
    if (P->alloc_line)
        return tp_fail(P, "the `pymalloc` directive must come before the first allocator "
                       "operation (line %d)", P->alloc_line);
    if (tp_need(P, 1, "`pools=63` or `pools=64`"))
        return -1;
    int32_t pools = 0, bits = 0;
    for (int i = 1; i < P->ntok; i++) {
        tok a = P->tk[i];
        int32_t *dst = NULL;
        tok v = a;
        if (a.n >= 6 && memcmp(a.p, "pools=", 6) == 0) {
            dst = &pools;
            v = (tok){ a.p + 6, a.n - 6 };
        } else if (a.n >= 5 && memcmp(a.p, "bits=", 5) == 0) {
            dst = &bits;
            v = (tok){ a.p + 5, a.n - 5 };
        } else {
            return tp_fail(P, "unknown `pymalloc` attribute `%s` (expected pools=N or bits=N)",
                           tp_show(P, a));
        }
        if (*dst)
            return tp_fail(P, "`%.*s` given twice", (int)(dst == &pools ? 5 : 4), a.p);
        if (tp_number(P, v, dst == &pools ? "after `pools=`" : "after `bits=`", dst))
            return -1;
        if (dst == &pools && *dst != 63 && *dst != 64)
            return tp_fail(P, "pools=%d: an arena has 63 or 64 usable pools", (int)*dst);
        if (dst == &bits && *dst != 64 && *dst != 32)
            return tp_fail(P, "bits=%d: pointers have 64 or 32 bits", (int)*dst);
    }
    if (!pools)
        return tp_fail(P, "the `pymalloc` directive needs `pools=63` or `pools=64`");
    if (!bits)
        bits = 64;
    if (bits == 32 && pools == 63)
        return tp_fail(P, "pools=63 with bits=32: a 32-bit arena holds 64 pools whatever "
                       "its alignment (POOL_SIZE is the page size)");
    op->args[0] = pools;
    op->args[1] = bits;
    P->t.alloc_pools = pools;
    P->t.alloc_bits = bits;
    P->pymalloc_line = P->line;
    return 0;
}

/* A pointer that must be bound: `P` or `P+K`. */
static int pointer_ref(parser *P, tok t, pm_op *op)
{
    const char *plus = memchr(t.p, '+', t.n);
    tok name = t;
    op->args[1] = 0;
    if (plus) {
        name.n = (size_t)(plus - t.p);
        tok k = { plus + 1, (size_t)(t.p + t.n - plus - 1) };
        if (tp_number(P, k, "after `+` in a pointer", &op->args[1]))
            return -1;
    }
    if (tp_pointer(P, name, &op->name))
        return -1;
    if (!P->pbound[op->name])
        return tp_fail(P, "pointer `%s` was never bound by `malloc`", P->t.pnames[op->name]);
    return 0;
}

static int op_malloc(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a pointer name") || tp_need(P, 2, "a size in bytes") ||
        tp_pointer(P, P->tk[1], &op->name) ||
        tp_number(P, P->tk[2], "(a size in bytes)", &op->args[0]) || tp_no_more(P, 2))
        return -1;
    P->pbound[op->name] = true;
    alloc_seen(P);
    return 0;
}

static int op_free(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a pointer (`P` or `P+K`)") || pointer_ref(P, P->tk[1], op) ||
        tp_no_more(P, 1))
        return -1;
    alloc_seen(P);
    return 0;
}

static int op_realloc(parser *P, pm_op *op)
{
    if (tp_need(P, 1, "a pointer (`P` or `P+K`)") || tp_need(P, 2, "a size in bytes") ||
        pointer_ref(P, P->tk[1], op) ||
        tp_number(P, P->tk[2], "(a size in bytes)", &op->args[0]) || tp_no_more(P, 2))
        return -1;
    alloc_seen(P);
    return 0;
}

/* ------------------------------------------------------------------ lines */

static int parse_line(parser *P, const char *s, size_t n)
{
    if (n > PM_MAX_LINE_BYTES)
        return tp_fail(P, "line longer than %d bytes", PM_MAX_LINE_BYTES);
    if (tp_check_bytes(P, (const unsigned char *)s, n))
        return -1;
    const char *hash_at = memchr(s, '#', n);
    if (hash_at)
        n = (size_t)(hash_at - s);
    P->ntok = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        if (i > b)
            P->tk[P->ntok++] = (tok){ s + b, i - b };
    }
    if (P->ntok == 0)
        return 0;

    if (P->t.nops >= PM_MAX_OPS)
        return tp_fail(P, "too many operations (limit %d)", PM_MAX_OPS);
    if (!tp_grow((void **)&P->t.ops, &P->cap_ops, P->t.nops + 1, sizeof(pm_op)))
        return tp_oom(P);
    pm_op *op = &P->t.ops[P->t.nops];
    memset(op, 0, sizeof *op);
    op->line = P->line;
    op->name = op->cls = op->slot = -1;
    op->value = PM_NO_VALUE;
    op->values0 = P->t.nvalues;
    op->decl.del_name = op->decl.del_slot = op->decl.del_class = -1;

    tok w = P->tk[0];
    int rc;
    bool flag = false;
    if (tp_tok_is(w, "class"))          { op->kind = PM_OP_CLASS; rc = op_class(P, op); }
    else if (tp_tok_is(w, "new"))       { op->kind = PM_OP_NEW; rc = op_new(P, op); }
    else if (tp_tok_is(w, "set"))       { op->kind = PM_OP_SET; rc = op_set(P, op); }
    else if (tp_tok_is(w, "bind"))      { op->kind = PM_OP_BIND; rc = op_bind(P, op); }
    else if (tp_tok_is(w, "del"))       { op->kind = PM_OP_DEL; rc = op_del(P, op); }
    else if (tp_tok_is(w, "weakref"))   { op->kind = PM_OP_WEAKREF; rc = op_weakref(P, op); }
    else if (tp_tok_is(w, "collect"))   { op->kind = PM_OP_COLLECT; rc = op_collect(P, op); }
    else if (tp_tok_is(w, "threshold")) { op->kind = PM_OP_THRESHOLD; rc = op_threshold(P, op); }
    else if (tp_tok_is(w, "enable"))    { op->kind = PM_OP_ENABLE; rc = tp_no_more(P, 0); }
    else if (tp_tok_is(w, "disable"))   { op->kind = PM_OP_DISABLE; rc = tp_no_more(P, 0); }
    else if (tp_tok_is(w, "freeze"))    { op->kind = PM_OP_FREEZE; rc = tp_no_more(P, 0); }
    else if (tp_tok_is(w, "unfreeze"))  { op->kind = PM_OP_UNFREEZE; rc = tp_no_more(P, 0); }
    else if (tp_tok_is(w, "debug")) {
        op->kind = PM_OP_DEBUG;
        rc = op_keyword(P, "saveall", "none", &flag);
        op->saveall = flag;
    } else if (tp_tok_is(w, "garbage")) {
        op->kind = PM_OP_GARBAGE_CLEAR;
        rc = op_keyword(P, "clear", NULL, &flag);
    } else if (tp_tok_is(w, "query"))   { op->kind = PM_OP_QUERY; rc = op_query(P, op); }
    else if (tp_tok_is(w, "pymalloc"))  { op->kind = PM_OP_PYMALLOC; rc = op_pymalloc(P, op); }
    else if (tp_tok_is(w, "malloc"))    { op->kind = PM_OP_MALLOC; rc = op_malloc(P, op); }
    else if (tp_tok_is(w, "free"))      { op->kind = PM_OP_FREE; rc = op_free(P, op); }
    else if (tp_tok_is(w, "realloc"))   { op->kind = PM_OP_REALLOC; rc = op_realloc(P, op); }
    else
        return tp_fail(P, "unknown operation `%s`", tp_show(P, w));
    if (rc)
        return -1;
    P->t.nops++;
    return 0;
}

/* One line of a trace built a line at a time (model/api_lockstep.c); the
 * caller has set P->line.  The checks of pm_trace_parse; on failure no
 * operation is appended, but binding names and initial values read before
 * the error stay in P->t. */
int tp_parse_line(parser *P, const char *s, size_t n)
{
    return parse_line(P, s, n);
}

int pm_trace_parse(const char *file, const char *text, size_t len,
                   pm_trace *out, pm_diag *diag)
{
    parser *P = calloc(1, sizeof *P);
    if (!P) {
        snprintf(diag->file, sizeof diag->file, "%s", file);
        diag->line = 0;
        snprintf(diag->message, sizeof diag->message, "out of memory");
        return -1;
    }
    P->file = file;
    P->diag = diag;
    int rc = 0;
    P->t.file = strdup(file);
    if (!P->t.file)
        rc = tp_oom(P);
    for (size_t pos = 0; rc == 0 && pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (P->line == INT32_MAX) {
            rc = tp_fail(P, "too many lines");
            break;
        }
        P->line++;
        rc = parse_line(P, text + pos, end - pos);
        pos = nl ? end + 1 : len;
    }
    if (rc == 0) {
        *out = P->t;
        P->t = (pm_trace){ 0 };
    }
    tp_release(P);
    free(P);
    return rc;
}

void pm_trace_free(pm_trace *t)
{
    if (!t)
        return;
    for (int32_t i = 0; i < t->nclasses; i++)
        free(t->class_names[i]);
    for (int32_t i = 0; i < t->nnames; i++)
        free(t->names[i]);
    for (int32_t i = 0; i < t->npnames; i++)
        free(t->pnames[i]);
    free(t->class_names);
    free(t->names);
    free(t->pnames);
    free(t->ops);
    free(t->values);
    free(t->file);
    *t = (pm_trace){ 0 };
}
