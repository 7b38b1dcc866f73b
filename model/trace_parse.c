/* trace_parse.c: the trace language of spec/trace.md, text to pm_trace.
 *
 * One pass over the lines.  Lexical checks (NUL, UTF-8, control bytes, line
 * length) come first on each line, then the operation's grammar and the
 * static rules.  Binding names get indices in order of first appearance,
 * class names in declaration order.  On failure everything built so far is
 * released and *out is not touched. */
#include "pymemref.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A line of at most PM_MAX_LINE_BYTES bytes holds at most this many tokens. */
#define MAX_TOKENS (PM_MAX_LINE_BYTES / 2 + 1)
#define SHOW_BYTES 40           /* bytes of a token quoted in a message */
#define CLS_UNKNOWN (-1)        /* static class of a binding: not known */

typedef struct tok { const char *p; size_t n; } tok;

/* Open-addressing table from a string to its index in a string array. */
typedef struct symtab { int32_t *slot; size_t mask; } symtab;

typedef struct parser {
    const char *file;
    pm_diag *diag;
    int line;
    pm_trace t;
    int32_t cap_ops, cap_values, cap_classes, cap_names;
    symtab classes, names;
    int32_t *class_op;        /* per class: index of its CLASS op        */
    int32_t *name_cls;        /* per name: class it surely holds, or -1  */
    bool *name_volatile;      /* per name: a finalizer may rebind it     */
    tok tk[MAX_TOKENS];
    int ntok;
    char show[2][SHOW_BYTES + 8];
    int show_next;
} parser;

/* ------------------------------------------------------------ diagnostics */

static int fail(parser *P, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(parser *P, const char *fmt, ...)
{
    va_list ap;
    snprintf(P->diag->file, sizeof P->diag->file, "%s", P->file);
    P->diag->line = P->line;
    va_start(ap, fmt);
    vsnprintf(P->diag->message, sizeof P->diag->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* A token as quoted text, shortened to SHOW_BYTES on a UTF-8 boundary. */
static const char *show(parser *P, tok t)
{
    char *buf = P->show[P->show_next];
    P->show_next ^= 1;
    size_t n = t.n;
    bool cut = false;
    if (n > SHOW_BYTES) {
        n = SHOW_BYTES;
        while (n > 0 && ((unsigned char)t.p[n] & 0xC0) == 0x80)
            n--;
        cut = true;
    }
    memcpy(buf, t.p, n);
    strcpy(buf + n, cut ? "..." : "");
    return buf;
}

/* "an instance", "a list", ...: the kind of a class with its article. */
static const char *kind_name(pm_kind k)
{
    static const char *const names[] = {
        "an instance", "a list", "a tuple", "a dict", "an atom", "a weakref"
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* ---------------------------------------------------------------- storage */

static bool grow(void **p, int32_t *cap, int32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    int32_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc = nc > INT32_MAX / 2 ? INT32_MAX : nc * 2;
    void *q = realloc(*p, (size_t)nc * size);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;            /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

/* The index of T in STRS, or -1; *AT receives the table slot to fill. */
static int32_t sym_find(const symtab *S, char *const *strs, tok t, size_t *at)
{
    size_t i = hash(t.p, t.n) & S->mask;
    while (S->slot[i] >= 0) {
        const char *s = strs[S->slot[i]];
        if (strlen(s) == t.n && memcmp(s, t.p, t.n) == 0)
            return S->slot[i];
        i = (i + 1) & S->mask;
    }
    *at = i;
    return -1;
}

/* Make room for one more entry (table kept at most half full). */
static bool sym_reserve(symtab *S, char *const *strs, int32_t count)
{
    if (S->slot && (size_t)count + 1 <= (S->mask + 1) / 2)
        return true;
    size_t size = S->slot ? (S->mask + 1) * 2 : 64;
    int32_t *ns = malloc(size * sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < size; i++)
        ns[i] = -1;
    for (int32_t k = 0; k < count; k++) {
        size_t i = hash(strs[k], strlen(strs[k])) & (size - 1);
        while (ns[i] >= 0)
            i = (i + 1) & (size - 1);
        ns[i] = k;
    }
    free(S->slot);
    S->slot = ns;
    S->mask = size - 1;
    return true;
}

static char *dup_tok(tok t)
{
    char *s = malloc(t.n + 1);
    if (s) {
        memcpy(s, t.p, t.n);
        s[t.n] = '\0';
    }
    return s;
}

static int oom(parser *P) { return fail(P, "out of memory"); }

/* --------------------------------------------------------------- lexemes */

static bool tok_is(tok t, const char *kw)
{
    size_t n = strlen(kw);
    return t.n == n && memcmp(t.p, kw, n) == 0;
}

static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* 0 when T is a name, else the reason it is not. */
static const char *name_problem(tok t)
{
    if (t.n == 1 && t.p[0] == '_')
        return "`_` (None) can only be a value";
    if (t.n == 0 || !is_alpha(t.p[0]))
        return "a name starts with a letter";
    for (size_t i = 1; i < t.n; i++)
        if (!is_alpha(t.p[i]) && !is_digit(t.p[i]) && t.p[i] != '_')
            return "a name has only letters, digits and `_`";
    if (t.n > PM_MAX_NAME_BYTES)
        return "a name is at most 64 bytes";
    return NULL;
}

/* Parse a number 0|[1-9][0-9]* below 2^31.  0 on success, -1 with a
 * diagnostic that says what the number was expected for (WHAT). */
static int number(parser *P, tok t, const char *what, int32_t *out)
{
    if (t.n == 0 || !is_digit(t.p[0]))
        return fail(P, "expected a number %s, got `%s`", what, show(P, t));
    for (size_t i = 0; i < t.n; i++)
        if (!is_digit(t.p[i]))
            return fail(P, "expected a number %s, got `%s`", what, show(P, t));
    if (t.p[0] == '0' && t.n > 1)
        return fail(P, "number `%s` has a leading zero", show(P, t));
    int64_t v = 0;
    for (size_t i = 0; i < t.n; i++) {
        v = v * 10 + (t.p[i] - '0');
        if (v > INT32_MAX)
            return fail(P, "number `%s` does not fit in 31 bits", show(P, t));
    }
    *out = (int32_t)v;
    return 0;
}

/* Check that the line has no token after index LAST. */
static int no_more(parser *P, int last)
{
    if (P->ntok > last + 1)
        return fail(P, "unexpected `%s` at the end of a `%.*s` operation", show(P, P->tk[last + 1]),
                    (int)P->tk[0].n, P->tk[0].p);
    return 0;
}

/* Token I, or a diagnostic "expected WHAT after `...`" when it is missing. */
static int need(parser *P, int i, const char *what)
{
    if (i < P->ntok)
        return 0;
    tok prev = P->tk[i - 1];
    return fail(P, "expected %s after `%s`", what, show(P, prev));
}

/* ---------------------------------------------------------------- symbols */

/* The binding index of name T, adding it on first appearance. */
static int binding(parser *P, tok t, int32_t *out)
{
    const char *why = name_problem(t);
    if (why)
        return fail(P, "bad binding name `%s`: %s", show(P, t), why);
    size_t at = 0;
    int32_t i = P->t.names ? sym_find(&P->names, P->t.names, t, &at) : -1;
    if (i >= 0) {
        *out = i;
        return 0;
    }
    int32_t n = P->t.nnames;
    if (n >= PM_MAX_NAMES)
        return fail(P, "too many binding names (limit %d)", PM_MAX_NAMES);
    int32_t cap = P->cap_names;
    if (!grow((void **)&P->t.names, &cap, n + 1, sizeof(char *)))
        return oom(P);
    cap = P->cap_names;
    if (!grow((void **)&P->name_cls, &cap, n + 1, sizeof(int32_t)))
        return oom(P);
    cap = P->cap_names;
    if (!grow((void **)&P->name_volatile, &cap, n + 1, sizeof(bool)))
        return oom(P);
    P->cap_names = cap;
    if (!sym_reserve(&P->names, P->t.names, n))
        return oom(P);
    sym_find(&P->names, P->t.names, t, &at);
    char *s = dup_tok(t);
    if (!s)
        return oom(P);
    P->t.names[n] = s;
    P->name_cls[n] = CLS_UNKNOWN;
    P->name_volatile[n] = false;
    P->names.slot[at] = n;
    P->t.nnames = n + 1;
    *out = n;
    return 0;
}

/* A value: a binding index or PM_NO_VALUE for `_`. */
static int value(parser *P, tok t, int32_t *out)
{
    if (t.n == 1 && t.p[0] == '_') {
        *out = PM_NO_VALUE;
        return 0;
    }
    return binding(P, t, out);
}

/* The index of the declared class T. */
static int class_ref(parser *P, tok t, int32_t *out)
{
    size_t at;
    int32_t i = P->t.class_names ? sym_find(&P->classes, P->t.class_names, t, &at) : -1;
    if (i < 0)
        return fail(P, "unknown class `%s`", show(P, t));
    *out = i;
    return 0;
}

static const pm_class *decl_of(const parser *P, int32_t cls)
{
    return &P->t.ops[P->class_op[cls]].decl;
}

/* ------------------------------------------------------------- operations */

static int op_class(parser *P, pm_op *op)
{
    if (need(P, 1, "a class name") || need(P, 2, "a kind (instance, list, tuple, dict or atom)"))
        return -1;
    tok name = P->tk[1];
    const char *why = name_problem(name);
    if (why)
        return fail(P, "bad class name `%s`: %s", show(P, name), why);
    size_t at = 0;
    int32_t prev = P->t.class_names ? sym_find(&P->classes, P->t.class_names, name, &at) : -1;
    if (prev >= 0)
        return fail(P, "duplicate class `%s` (first declared on line %d)", show(P, name),
                    P->t.ops[P->class_op[prev]].line);
    if (P->t.nclasses >= PM_MAX_CLASSES)
        return fail(P, "too many classes (limit %d)", PM_MAX_CLASSES);

    pm_class *d = &op->decl;
    static const char *const kinds[] = { "instance", "list", "tuple", "dict", "atom" };
    int k;
    for (k = 0; k < 5 && !tok_is(P->tk[2], kinds[k]); k++)
        ;
    if (k == 5)
        return fail(P, "unknown kind `%s` (expected instance, list, tuple, dict or atom)",
                    show(P, P->tk[2]));
    d->kind = (pm_kind)k;

    bool seen_slots = false, seen_weakref = false, seen_del = false;
    for (int i = 3; i < P->ntok; i++) {
        tok a = P->tk[i];
        if (a.n >= 6 && memcmp(a.p, "slots=", 6) == 0) {
            if (seen_slots)
                return fail(P, "`slots=` given twice");
            seen_slots = true;
            tok n = { a.p + 6, a.n - 6 };
            if (number(P, n, "after `slots=`", &d->nslots))
                return -1;
            if (d->nslots > PM_MAX_SLOTS)
                return fail(P, "slots=%d out of range (0 to %d)", (int)d->nslots, PM_MAX_SLOTS);
        } else if (tok_is(a, "weakref")) {
            if (seen_weakref)
                return fail(P, "`weakref` given twice");
            seen_weakref = true;
            if (d->kind != PM_KIND_INSTANCE)
                return fail(P, "only instance classes take `weakref` (`%s` is %s class)",
                            show(P, name), kind_name(d->kind));
            d->weakrefable = true;
        } else if (a.n >= 4 && memcmp(a.p, "del=", 4) == 0) {
            if (seen_del)
                return fail(P, "`del=` given twice");
            seen_del = true;
            if (d->kind != PM_KIND_INSTANCE)
                return fail(P, "only instance classes take `del=` (`%s` is %s class)",
                            show(P, name), kind_name(d->kind));
            tok act = { a.p + 4, a.n - 4 };
            if (tok_is(act, "observe")) {
                d->del = PM_DEL_OBSERVE;
            } else if (tok_is(act, "legacy")) {
                d->del = PM_DEL_LEGACY;
            } else if (act.n >= 10 && memcmp(act.p, "resurrect:", 10) == 0) {
                d->del = PM_DEL_RESURRECT;
                tok n = { act.p + 10, act.n - 10 };
                if (binding(P, n, &d->del_name))
                    return -1;
            } else if (act.n >= 6 && memcmp(act.p, "clear:", 6) == 0) {
                d->del = PM_DEL_CLEAR;
                tok n = { act.p + 6, act.n - 6 };
                if (number(P, n, "after `clear:`", &d->del_slot))
                    return -1;
            } else if (act.n >= 7 && memcmp(act.p, "create:", 7) == 0) {
                d->del = PM_DEL_CREATE;
                tok c = { act.p + 7, act.n - 7 };
                const char *colon = memchr(c.p, ':', c.n);
                if (!colon)
                    return fail(P, "expected `create:CLASS:NAME`, got `%s`", show(P, a));
                tok n = { colon + 1, (size_t)(c.p + c.n - colon - 1) };
                c.n = (size_t)(colon - c.p);
                if (class_ref(P, c, &d->del_class))
                    return -1;
                const pm_class *cd = decl_of(P, d->del_class);
                if (cd->kind != PM_KIND_INSTANCE)
                    return fail(P, "`create:` needs an instance class, `%s` is %s class",
                                show(P, c), kind_name(cd->kind));
                if (binding(P, n, &d->del_name))
                    return -1;
            } else {
                return fail(P, "unknown finalizer action `%s` (expected observe, "
                            "resurrect:NAME, clear:SLOT, create:CLASS:NAME or legacy)",
                            show(P, act));
            }
        } else {
            return fail(P, "unknown class attribute `%s` (expected slots=N, weakref or del=ACTION)",
                        show(P, a));
        }
    }
    if (d->kind == PM_KIND_ATOM && d->nslots > 0)
        return fail(P, "an atom class has no slots (`%s` has slots=%d)", show(P, name),
                    (int)d->nslots);
    if (d->kind == PM_KIND_TUPLE && d->nslots == 0)
        return fail(P, "a tuple class needs at least one slot (`%s` has slots=0)", show(P, name));
    if (d->del == PM_DEL_CLEAR && d->del_slot >= d->nslots)
        return fail(P, "`clear:%d` out of range for class `%s` (%d slots)", (int)d->del_slot,
                    show(P, name), (int)d->nslots);

    /* Declare it. */
    int32_t n = P->t.nclasses;
    int32_t cap = P->cap_classes;
    if (!grow((void **)&P->t.class_names, &cap, n + 1, sizeof(char *)))
        return oom(P);
    cap = P->cap_classes;
    if (!grow((void **)&P->class_op, &cap, n + 1, sizeof(int32_t)))
        return oom(P);
    P->cap_classes = cap;
    if (!sym_reserve(&P->classes, P->t.class_names, n))
        return oom(P);
    sym_find(&P->classes, P->t.class_names, name, &at);
    char *s = dup_tok(name);
    if (!s)
        return oom(P);
    P->t.class_names[n] = s;
    P->classes.slot[at] = n;
    P->class_op[n] = P->t.nops;       /* this op is appended next */
    P->t.nclasses = n + 1;
    op->cls = n;
    /* From now on a finalizer may rebind its target at any time. */
    if (d->del == PM_DEL_RESURRECT || d->del == PM_DEL_CREATE) {
        P->name_volatile[d->del_name] = true;
        P->name_cls[d->del_name] = CLS_UNKNOWN;
    }
    return 0;
}

/* The class a binding surely holds after an assignment of VALUE to it. */
static int32_t static_class_of(const parser *P, int32_t target, int32_t value)
{
    if (P->name_volatile[target] || value == PM_NO_VALUE || P->name_volatile[value])
        return CLS_UNKNOWN;
    return P->name_cls[value];
}

static int op_new(parser *P, pm_op *op)
{
    if (need(P, 1, "a binding name") || need(P, 2, "a class name"))
        return -1;
    if (binding(P, P->tk[1], &op->name) || class_ref(P, P->tk[2], &op->cls))
        return -1;
    const pm_class *d = decl_of(P, op->cls);
    int32_t nv = P->ntok - 3;
    if (nv != 0 && nv != d->nslots) {
        if (d->nslots == 0)
            return fail(P, "wrong number of initial values for class `%s`: %d given, "
                        "none expected", show(P, P->tk[2]), (int)nv);
        return fail(P, "wrong number of initial values for class `%s`: %d given, "
                    "0 or %d expected", show(P, P->tk[2]), (int)nv, (int)d->nslots);
    }
    op->nvalues = nv;
    op->values0 = P->t.nvalues;
    for (int i = 0; i < nv; i++) {
        int32_t v;
        if (value(P, P->tk[3 + i], &v))
            return -1;
        if (!grow((void **)&P->t.values, &P->cap_values, P->t.nvalues + 1, sizeof(int32_t)))
            return oom(P);
        P->t.values[P->t.nvalues++] = v;
    }
    P->name_cls[op->name] = P->name_volatile[op->name] ? CLS_UNKNOWN : op->cls;
    return 0;
}

static int op_set(parser *P, pm_op *op)
{
    if (need(P, 1, "`NAME.SLOT`") || need(P, 2, "a value"))
        return -1;
    tok target = P->tk[1];
    const char *dot = memchr(target.p, '.', target.n);
    if (!dot)
        return fail(P, "expected `NAME.SLOT` after `set`, got `%s`", show(P, target));
    tok name = { target.p, (size_t)(dot - target.p) };
    tok slot = { dot + 1, (size_t)(target.p + target.n - dot - 1) };
    if (binding(P, name, &op->name) || number(P, slot, "after `.` in `set`", &op->slot) ||
        value(P, P->tk[2], &op->value) || no_more(P, 2))
        return -1;
    if (op->slot >= PM_MAX_SLOTS)
        return fail(P, "slot %d out of range (a class has at most %d slots)", (int)op->slot,
                    PM_MAX_SLOTS);
    int32_t c = P->name_volatile[op->name] ? CLS_UNKNOWN : P->name_cls[op->name];
    if (c != CLS_UNKNOWN) {
        /* Tuples and atoms are refused when the operation runs. */
        const pm_class *d = decl_of(P, c);
        if (d->kind != PM_KIND_TUPLE && d->kind != PM_KIND_ATOM && op->slot >= d->nslots)
            return fail(P, "slot %d out of range for class `%s` (%d slots)", (int)op->slot,
                        P->t.class_names[c], (int)d->nslots);
    }
    return 0;
}

static int op_bind(parser *P, pm_op *op)
{
    if (need(P, 1, "a binding name") || need(P, 2, "a value") ||
        binding(P, P->tk[1], &op->name) || value(P, P->tk[2], &op->value) || no_more(P, 2))
        return -1;
    P->name_cls[op->name] = static_class_of(P, op->name, op->value);
    return 0;
}

static int op_del(parser *P, pm_op *op)
{
    if (need(P, 1, "a binding name") || binding(P, P->tk[1], &op->name) || no_more(P, 1))
        return -1;
    P->name_cls[op->name] = CLS_UNKNOWN;
    return 0;
}

static int op_weakref(parser *P, pm_op *op)
{
    if (need(P, 1, "a binding name") || need(P, 2, "a value") ||
        binding(P, P->tk[1], &op->name) || value(P, P->tk[2], &op->value))
        return -1;
    if (op->value == PM_NO_VALUE)
        return fail(P, "cannot make a weak reference to `_` (None)");
    if (P->ntok > 3) {
        if (!tok_is(P->tk[3], "callback"))
            return fail(P, "expected `callback` or nothing after the value, got `%s`",
                        show(P, P->tk[3]));
        op->callback = true;
        if (no_more(P, 3))
            return -1;
    }
    P->name_cls[op->name] = CLS_UNKNOWN;
    return 0;
}

static int op_collect(parser *P, pm_op *op)
{
    op->nargs = 1;
    op->args[0] = 2;
    if (P->ntok > 1) {
        if (number(P, P->tk[1], "(a generation) after `collect`", &op->args[0]) ||
            no_more(P, 1))
            return -1;
        if (op->args[0] > 2)
            return fail(P, "generation %d out of range (0, 1 or 2)", (int)op->args[0]);
    }
    return 0;
}

static int op_threshold(parser *P, pm_op *op)
{
    if (need(P, 1, "a number"))
        return -1;
    if (P->ntok > 4)
        return fail(P, "`threshold` takes at most 3 numbers, got %d", P->ntok - 1);
    op->nargs = P->ntok - 1;
    for (int i = 0; i < op->nargs; i++)
        if (number(P, P->tk[1 + i], "after `threshold`", &op->args[i]))
            return -1;
    return 0;
}

static int op_query(parser *P, pm_op *op)
{
    static const char *const kw[] = {
        "count", "stats", "threshold", "freeze_count", "garbage",
        "tracked", "finalized", "refcount"
    };
    if (need(P, 1, "what to query (count, stats, threshold, freeze_count, garbage, "
                   "tracked, finalized or refcount)"))
        return -1;
    int k;
    for (k = 0; k < 8 && !tok_is(P->tk[1], kw[k]); k++)
        ;
    if (k == 8)
        return fail(P, "unknown query `%s` (expected count, stats, threshold, freeze_count, "
                    "garbage, tracked, finalized or refcount)", show(P, P->tk[1]));
    op->query = (pm_query_kind)k;
    if (op->query >= PM_Q_TRACKED) {
        if (need(P, 2, "a binding name") || binding(P, P->tk[2], &op->name) || no_more(P, 2))
            return -1;
        return 0;
    }
    return no_more(P, 1);
}

/* `debug saveall|none` and `garbage clear`: one keyword out of A (and B). */
static int op_keyword(parser *P, const char *a, const char *b, bool *is_a)
{
    char want[48];
    if (b)
        snprintf(want, sizeof want, "`%s` or `%s`", a, b);
    else
        snprintf(want, sizeof want, "`%s`", a);
    if (need(P, 1, want))
        return -1;
    tok t = P->tk[1];
    if (!tok_is(t, a) && !(b && tok_is(t, b)))
        return fail(P, "expected %s after `%.*s`, got `%s`", want, (int)P->tk[0].n,
                    P->tk[0].p, show(P, t));
    *is_a = tok_is(t, a);
    return no_more(P, 1);
}

/* ------------------------------------------------------------------ lines */

/* Lexical checks of one line: NUL, control bytes, UTF-8. */
static int check_bytes(parser *P, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == 0)
            return fail(P, "NUL byte in the trace");
        if (c == '\r')
            return fail(P, "carriage return in the trace (lines end with LF only)");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return fail(P, "control character 0x%02X in the trace", c);
        if (c < 0x80)
            continue;
        /* One UTF-8 sequence: lead byte, continuation count, lowest value. */
        size_t more;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) { more = 1; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { more = 2; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { more = 3; cp = c & 0x07; min = 0x10000; }
        else return fail(P, "invalid UTF-8 in the trace");
        if (n - i - 1 < more)
            return fail(P, "invalid UTF-8 in the trace");
        for (size_t j = 1; j <= more; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return fail(P, "invalid UTF-8 in the trace");
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(P, "invalid UTF-8 in the trace");
        i += more;
    }
    return 0;
}

static int parse_line(parser *P, const char *s, size_t n)
{
    if (n > PM_MAX_LINE_BYTES)
        return fail(P, "line longer than %d bytes", PM_MAX_LINE_BYTES);
    if (check_bytes(P, (const unsigned char *)s, n))
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
        return fail(P, "too many operations (limit %d)", PM_MAX_OPS);
    if (!grow((void **)&P->t.ops, &P->cap_ops, P->t.nops + 1, sizeof(pm_op)))
        return oom(P);
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
    if (tok_is(w, "class"))          { op->kind = PM_OP_CLASS; rc = op_class(P, op); }
    else if (tok_is(w, "new"))       { op->kind = PM_OP_NEW; rc = op_new(P, op); }
    else if (tok_is(w, "set"))       { op->kind = PM_OP_SET; rc = op_set(P, op); }
    else if (tok_is(w, "bind"))      { op->kind = PM_OP_BIND; rc = op_bind(P, op); }
    else if (tok_is(w, "del"))       { op->kind = PM_OP_DEL; rc = op_del(P, op); }
    else if (tok_is(w, "weakref"))   { op->kind = PM_OP_WEAKREF; rc = op_weakref(P, op); }
    else if (tok_is(w, "collect"))   { op->kind = PM_OP_COLLECT; rc = op_collect(P, op); }
    else if (tok_is(w, "threshold")) { op->kind = PM_OP_THRESHOLD; rc = op_threshold(P, op); }
    else if (tok_is(w, "enable"))    { op->kind = PM_OP_ENABLE; rc = no_more(P, 0); }
    else if (tok_is(w, "disable"))   { op->kind = PM_OP_DISABLE; rc = no_more(P, 0); }
    else if (tok_is(w, "freeze"))    { op->kind = PM_OP_FREEZE; rc = no_more(P, 0); }
    else if (tok_is(w, "unfreeze"))  { op->kind = PM_OP_UNFREEZE; rc = no_more(P, 0); }
    else if (tok_is(w, "debug")) {
        op->kind = PM_OP_DEBUG;
        rc = op_keyword(P, "saveall", "none", &flag);
        op->saveall = flag;
    } else if (tok_is(w, "garbage")) {
        op->kind = PM_OP_GARBAGE_CLEAR;
        rc = op_keyword(P, "clear", NULL, &flag);
    } else if (tok_is(w, "query"))   { op->kind = PM_OP_QUERY; rc = op_query(P, op); }
    else
        return fail(P, "unknown operation `%s`", show(P, w));
    if (rc)
        return -1;
    P->t.nops++;
    return 0;
}

static void release(parser *P)
{
    pm_trace_free(&P->t);
    free(P->classes.slot);
    free(P->names.slot);
    free(P->class_op);
    free(P->name_cls);
    free(P->name_volatile);
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
        rc = oom(P);
    for (size_t pos = 0; rc == 0 && pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (P->line == INT32_MAX) {
            rc = fail(P, "too many lines");
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
    release(P);
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
    free(t->class_names);
    free(t->names);
    free(t->ops);
    free(t->values);
    free(t->file);
    *t = (pm_trace){ 0 };
}
