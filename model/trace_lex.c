/* trace_lex.c: the trace parser's lexical rules (spec/trace.md: bytes,
 * names, numbers), its diagnostics and its symbol tables. */
#include "trace_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ diagnostics */

int tp_fail(parser *P, const char *fmt, ...)
{
    va_list ap;
    snprintf(P->diag->file, sizeof P->diag->file, "%s", P->file);
    P->diag->line = P->line;
    va_start(ap, fmt);
    vsnprintf(P->diag->message, sizeof P->diag->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* A token as quoted text, shortened to TP_SHOW_BYTES on a UTF-8 boundary. */
const char *tp_show(parser *P, tok t)
{
    char *buf = P->show[P->show_next];
    P->show_next ^= 1;
    size_t n = t.n;
    bool cut = false;
    if (n > TP_SHOW_BYTES) {
        n = TP_SHOW_BYTES;
        while (n > 0 && ((unsigned char)t.p[n] & 0xC0) == 0x80)
            n--;
        cut = true;
    }
    memcpy(buf, t.p, n);
    strcpy(buf + n, cut ? "..." : "");
    return buf;
}

/* "an instance", "a list", ...: the kind of a class with its article. */
const char *tp_kind_name(pm_kind k)
{
    static const char *const names[] = {
        "an instance", "a list", "a tuple", "a dict", "an atom", "a weakref"
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* ---------------------------------------------------------------- storage */

bool tp_grow(void **p, int32_t *cap, int32_t need, size_t size)
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

int tp_oom(parser *P) { return tp_fail(P, "out of memory"); }

/* --------------------------------------------------------------- lexemes */

bool tp_tok_is(tok t, const char *kw)
{
    size_t n = strlen(kw);
    return t.n == n && memcmp(t.p, kw, n) == 0;
}

static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* NULL when T is a name, else the reason it is not one. */
const char *tp_name_problem(tok t)
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
int tp_number(parser *P, tok t, const char *what, int32_t *out)
{
    if (t.n == 0 || !is_digit(t.p[0]))
        return tp_fail(P, "expected a number %s, got `%s`", what, tp_show(P, t));
    for (size_t i = 0; i < t.n; i++)
        if (!is_digit(t.p[i]))
            return tp_fail(P, "expected a number %s, got `%s`", what, tp_show(P, t));
    if (t.p[0] == '0' && t.n > 1)
        return tp_fail(P, "number `%s` has a leading zero", tp_show(P, t));
    int64_t v = 0;
    for (size_t i = 0; i < t.n; i++) {
        v = v * 10 + (t.p[i] - '0');
        if (v > INT32_MAX)
            return tp_fail(P, "number `%s` does not fit in 31 bits", tp_show(P, t));
    }
    *out = (int32_t)v;
    return 0;
}

/* Check that the line has no token after index LAST. */
int tp_no_more(parser *P, int last)
{
    if (P->ntok > last + 1)
        return tp_fail(P, "unexpected `%s` at the end of a `%.*s` operation",
                       tp_show(P, P->tk[last + 1]), (int)P->tk[0].n, P->tk[0].p);
    return 0;
}

/* Token I, or a diagnostic "expected WHAT after `...`" when it is missing. */
int tp_need(parser *P, int i, const char *what)
{
    if (i < P->ntok)
        return 0;
    tok prev = P->tk[i - 1];
    return tp_fail(P, "expected %s after `%s`", what, tp_show(P, prev));
}

/* ---------------------------------------------------------------- symbols */

/* The binding index of name T, adding it on first appearance. */
int tp_binding(parser *P, tok t, int32_t *out)
{
    const char *why = tp_name_problem(t);
    if (why)
        return tp_fail(P, "bad binding name `%s`: %s", tp_show(P, t), why);
    size_t at = 0;
    int32_t i = P->t.names ? sym_find(&P->names, P->t.names, t, &at) : -1;
    if (i >= 0) {
        *out = i;
        return 0;
    }
    int32_t n = P->t.nnames;
    if (n >= PM_MAX_NAMES)
        return tp_fail(P, "too many binding names (limit %d)", PM_MAX_NAMES);
    int32_t cap = P->cap_names;
    if (!tp_grow((void **)&P->t.names, &cap, n + 1, sizeof(char *)))
        return tp_oom(P);
    cap = P->cap_names;
    if (!tp_grow((void **)&P->name_cls, &cap, n + 1, sizeof(int32_t)))
        return tp_oom(P);
    cap = P->cap_names;
    if (!tp_grow((void **)&P->name_volatile, &cap, n + 1, sizeof(bool)))
        return tp_oom(P);
    P->cap_names = cap;
    if (!sym_reserve(&P->names, P->t.names, n))
        return tp_oom(P);
    sym_find(&P->names, P->t.names, t, &at);
    char *s = dup_tok(t);
    if (!s)
        return tp_oom(P);
    P->t.names[n] = s;
    P->name_cls[n] = TP_CLS_UNKNOWN;
    P->name_volatile[n] = false;
    P->names.slot[at] = n;
    P->t.nnames = n + 1;
    *out = n;
    return 0;
}

/* The pointer-name index of T, adding it on first appearance (pointer
 * names are a namespace of their own, spec/trace.md). */
int tp_pointer(parser *P, tok t, int32_t *out)
{
    const char *why = tp_name_problem(t);
    if (why)
        return tp_fail(P, "bad pointer name `%s`: %s", tp_show(P, t), why);
    size_t at = 0;
    int32_t i = P->t.pnames ? sym_find(&P->pnames, P->t.pnames, t, &at) : -1;
    if (i >= 0) {
        *out = i;
        return 0;
    }
    int32_t n = P->t.npnames;
    if (n >= PM_MAX_NAMES)
        return tp_fail(P, "too many pointer names (limit %d)", PM_MAX_NAMES);
    int32_t cap = P->cap_pnames;
    if (!tp_grow((void **)&P->t.pnames, &cap, n + 1, sizeof(char *)))
        return tp_oom(P);
    cap = P->cap_pnames;
    if (!tp_grow((void **)&P->pbound, &cap, n + 1, sizeof(bool)))
        return tp_oom(P);
    P->cap_pnames = cap;
    if (!sym_reserve(&P->pnames, P->t.pnames, n))
        return tp_oom(P);
    sym_find(&P->pnames, P->t.pnames, t, &at);
    char *s = dup_tok(t);
    if (!s)
        return tp_oom(P);
    P->t.pnames[n] = s;
    P->pbound[n] = false;
    P->pnames.slot[at] = n;
    P->t.npnames = n + 1;
    *out = n;
    return 0;
}

/* A value: a binding index or PM_NO_VALUE for `_`. */
int tp_value(parser *P, tok t, int32_t *out)
{
    if (t.n == 1 && t.p[0] == '_') {
        *out = PM_NO_VALUE;
        return 0;
    }
    return tp_binding(P, t, out);
}

/* The index of class NAME, or -1. */
int32_t tp_find_class(const parser *P, tok name)
{
    size_t at;
    return P->t.class_names ? sym_find(&P->classes, P->t.class_names, name, &at) : -1;
}

/* Add class NAME (not declared yet), declared by the operation about to be
 * appended; its index goes to *OUT. */
int tp_declare_class(parser *P, tok name, int32_t *out)
{
    int32_t n = P->t.nclasses;
    int32_t cap = P->cap_classes;
    if (!tp_grow((void **)&P->t.class_names, &cap, n + 1, sizeof(char *)))
        return tp_oom(P);
    cap = P->cap_classes;
    if (!tp_grow((void **)&P->class_op, &cap, n + 1, sizeof(int32_t)))
        return tp_oom(P);
    P->cap_classes = cap;
    if (!sym_reserve(&P->classes, P->t.class_names, n))
        return tp_oom(P);
    size_t at = 0;
    sym_find(&P->classes, P->t.class_names, name, &at);
    char *s = dup_tok(name);
    if (!s)
        return tp_oom(P);
    P->t.class_names[n] = s;
    P->classes.slot[at] = n;
    P->class_op[n] = P->t.nops;
    P->t.nclasses = n + 1;
    *out = n;
    return 0;
}

/* The index of the declared class T. */
int tp_class_ref(parser *P, tok t, int32_t *out)
{
    int32_t i = tp_find_class(P, t);
    if (i < 0)
        return tp_fail(P, "unknown class `%s`", tp_show(P, t));
    *out = i;
    return 0;
}

const pm_class *tp_decl_of(const parser *P, int32_t cls)
{
    return &P->t.ops[P->class_op[cls]].decl;
}

/* ------------------------------------------------------------------ bytes */

/* Lexical checks of one line: NUL, control bytes, UTF-8. */
int tp_check_bytes(parser *P, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == 0)
            return tp_fail(P, "NUL byte in the trace");
        if (c == '\r')
            return tp_fail(P, "carriage return in the trace (lines end with LF only)");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return tp_fail(P, "control character 0x%02X in the trace", c);
        if (c < 0x80)
            continue;
        /* One UTF-8 sequence: lead byte, continuation count, lowest value. */
        size_t more;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) { more = 1; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { more = 2; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { more = 3; cp = c & 0x07; min = 0x10000; }
        else return tp_fail(P, "invalid UTF-8 in the trace");
        if (n - i - 1 < more)
            return tp_fail(P, "invalid UTF-8 in the trace");
        for (size_t j = 1; j <= more; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return tp_fail(P, "invalid UTF-8 in the trace");
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return tp_fail(P, "invalid UTF-8 in the trace");
        i += more;
    }
    return 0;
}

/* ---------------------------------------------------------------- release */

void tp_release(parser *P)
{
    pm_trace_free(&P->t);
    free(P->classes.slot);
    free(P->names.slot);
    free(P->pnames.slot);
    free(P->pbound);
    free(P->class_op);
    free(P->name_cls);
    free(P->name_volatile);
}

