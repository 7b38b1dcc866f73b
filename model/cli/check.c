/* check.c: `pymemref check TRACE EVENTS`, an implementation's event log
 * against the model's events for the same trace.
 *
 * EVENTS is the text format of spec/trace.md ("LINE: EVENT ..."), as
 * `pymemref run` and fuzz/cpython/driver.py print it.  Each of its lines is
 * checked for shape (event name, number and kind of arguments) and rewritten
 * in canonical spacing; then both lists are compared one event at a time.
 * With --observable-only the model-only events (`free`, `auto`) are left
 * out of both sides.  At the first difference the report gives the trace
 * operation, the events around it on both sides, and what the model knows
 * about the objects the two events name, before the operation and after. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_CONTEXT 3            /* events shown on each side of the divergence */
#define CK_MAX_OBJECTS 8        /* objects described                            */
#define CK_COLUMN 40            /* width of the left column                     */

/* ------------------------------------------------------- describing objects */

int32_t cli_object_by_uid(const pm_model *m, int32_t uid)
{
    pm_object_info info;
    if (uid <= 0)
        return -1;
    for (int32_t i = 0; i < pm_model_object_count(m); i++)
        if (pm_model_object(m, i, &info) && info.uid == uid)
            return i;
    return -1;
}

void cli_describe_object(pm_buf *b, const pm_model *m, const pm_trace *t, int32_t i)
{
    pm_object_info info;
    if (!pm_model_object(m, i, &info)) {
        pm_buf_printf(b, "no such object");
        return;
    }
    if (info.where == PM_WHERE_FREED) {
        pm_buf_printf(b, "freed");
        return;
    }
    pm_buf_printf(b, "refcount %lld", (long long)info.refcnt);
    if (info.kind != PM_KIND_ATOM)
        pm_buf_printf(b, ", %s, %s", cli_where_name(info.where),
                      info.finalized ? "finalized" : "not finalized");
    if (info.kind == PM_KIND_WEAKREF) {
        int32_t r = pm_model_weakref_referent(m, i);
        pm_object_info ri;
        if (r >= 0 && pm_model_object(m, r, &ri) && ri.uid > 0)
            pm_buf_printf(b, ", refers to o%d", (int)ri.uid);
        else
            pm_buf_printf(b, ", cleared");
    }
    const char *sep = "; bound to ";
    for (int32_t n = 0; n < t->nnames; n++)
        if (pm_model_binding(m, n) == i) {
            pm_buf_printf(b, "%s%s", sep, t->names[n]);
            sep = ", ";
        }
}

/* ------------------------------------------------------------ event lists */

typedef struct ck_event {
    size_t off, len;            /* canonical text in the list's buffer        */
    int line;                   /* the trace line the event belongs to        */
    int where;                  /* model: event index; EVENTS: its line         */
} ck_event;

typedef struct ck_list {
    pm_buf text;
    ck_event *ev;
    int32_t n, cap;
} ck_list;

static bool ck_push(ck_list *l, size_t off, int line, int where)
{
    if (l->n == l->cap) {
        int32_t cap = l->cap ? 2 * l->cap : 64;
        ck_event *e = cap > l->cap ? realloc(l->ev, (size_t)cap * sizeof *e) : NULL;
        if (!e)
            return false;
        l->ev = e;
        l->cap = cap;
    }
    l->ev[l->n++] = (ck_event){ off, l->text.len - off, line, where };
    return true;
}

static void ck_list_free(ck_list *l)
{
    pm_buf_free(&l->text);
    free(l->ev);
}

static const char *ck_text(const ck_list *l, int32_t i, int *len)
{
    *len = (int)l->ev[i].len;
    return l->text.data + l->ev[i].off;
}

/* --------------------------------------------------------- reading EVENTS */

typedef struct ck_reader {
    const char *path;
    int line;
    pm_buf *err;
} ck_reader;

static int ck_bad(ck_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int ck_bad(ck_reader *r, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pm_buf_printf(r->err, "%s:%d: error: %s\n", r->path, r->line, msg);
    return -1;
}

/* At most MAX bytes of S (N bytes), not ending inside a UTF-8 sequence. */
static int ck_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return (int)n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return (int)max;
}

/* A signed decimal number that fits in 63 bits. */
static bool ck_number(const char *p, size_t n, long long *out)
{
    size_t i = (n > 0 && p[0] == '-') ? 1 : 0;
    if (i == n)
        return false;
    long long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (INT64_MAX - (p[i] - '0')) / 10)
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = p[0] == '-' ? -v : v;
    return true;
}

static bool ck_is_name(const char *p, size_t n)
{
    if (n == 0 || n > PM_MAX_NAME_BYTES ||
        !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
              (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
            return false;
    return true;
}

/* One line of EVENTS: checked, and appended to L in canonical form. */
static int ck_read_line(ck_reader *r, const char *s, size_t n, bool observable_only, ck_list *l)
{
    typedef struct { const char *p; size_t n; } tk;
    tk t[16];
    int nt = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ' || s[i] == '\t') {
            i++;
            continue;
        }
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        if (nt == 16)
            return ck_bad(r, "too many fields for an event");
        t[nt++] = (tk){ s + b, i - b };
    }
    if (nt == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return ck_bad(r, "control character 0x%02X (lines end with LF only)",
                          (unsigned char)s[i]);
    long long line;
    if (t[0].n < 2 || t[0].p[t[0].n - 1] != ':' || t[0].p[0] == '-' ||
        !ck_number(t[0].p, t[0].n - 1, &line) || line < 1 || line > INT32_MAX)
        return ck_bad(r, "expected `LINE: EVENT`, got `%.*s`%s", ck_cut(s, n, 60), s,
                      s[0] == '{' ? " (give the text format, not JSON)" : "");
    if (nt < 2)
        return ck_bad(r, "no event after `%.*s`", (int)t[0].n, t[0].p);
    int k;
    for (k = 0; k <= PM_EV_ALLOC_ERROR; k++) {
        const char *name = pm_event_name((pm_event_kind)k);
        if (strlen(name) == t[1].n && !memcmp(name, t[1].p, t[1].n))
            break;
    }
    if (k > PM_EV_ALLOC_ERROR)
        return ck_bad(r, "unknown event `%.*s`", ck_cut(t[1].p, t[1].n, 40), t[1].p);
    int nargs = nt - 2, want = -1;
    bool objs = false, named = false, words = false;
    switch ((pm_event_kind)k) {
    case PM_EV_DEL: case PM_EV_TP_DEL: case PM_EV_CALLBACK: case PM_EV_FREE:
        want = 1; objs = true; break;
    case PM_EV_COLLECTED: case PM_EV_AUTO: want = 2; break;
    case PM_EV_COUNT: case PM_EV_THRESHOLD: want = 3; break;
    case PM_EV_STATS: want = 9; break;
    case PM_EV_FREEZE_COUNT: want = 1; break;
    case PM_EV_GARBAGE: objs = true; break;
    case PM_EV_TRACKED: case PM_EV_FINALIZED: case PM_EV_REFCOUNT:
        want = 2; named = true; break;
    case PM_EV_MALLOC: case PM_EV_REALLOC: case PM_EV_FREED: case PM_EV_ALLOC_ERROR:
        words = true; break;    /* allocator events: words compared as they are */
    }
    if (words && nargs < 2)
        return ck_bad(r, "`%s` takes a pointer name and a description",
                      pm_event_name((pm_event_kind)k));
    if (want >= 0 && nargs != want)
        return ck_bad(r, "`%s` takes %d argument%s, got %d", pm_event_name((pm_event_kind)k),
                      want, want == 1 ? "" : "s", nargs);
    if (observable_only && !pm_event_observable((pm_event_kind)k))
        return 0;
    size_t off = l->text.len;
    pm_buf_printf(&l->text, "%lld: %s", line, pm_event_name((pm_event_kind)k));
    for (int i = 2; i < nt; i++) {
        long long v;
        if (words) {
            for (size_t j = 0; j < t[i].n; j++)
                if (!((t[i].p[j] >= 'A' && t[i].p[j] <= 'Z') ||
                      (t[i].p[j] >= 'a' && t[i].p[j] <= 'z') ||
                      (t[i].p[j] >= '0' && t[i].p[j] <= '9') || t[i].p[j] == '_' ||
                      t[i].p[j] == '+'))
                    return ck_bad(r, "unexpected `%.*s` in an allocator event",
                                  ck_cut(t[i].p, t[i].n, 40), t[i].p);
            pm_buf_printf(&l->text, " %.*s", (int)t[i].n, t[i].p);
        } else if (objs) {
            if (t[i].n < 2 || t[i].p[0] != 'o' || t[i].p[1] == '-' ||
                !ck_number(t[i].p + 1, t[i].n - 1, &v) || v > INT32_MAX)
                return ck_bad(r, "expected an object `oN`, got `%.*s`",
                              ck_cut(t[i].p, t[i].n, 40), t[i].p);
            pm_buf_printf(&l->text, " o%lld", v);
        } else if (named && i == 2) {
            if (!ck_is_name(t[i].p, t[i].n))
                return ck_bad(r, "expected a binding name, got `%.*s`",
                              ck_cut(t[i].p, t[i].n, 40), t[i].p);
            pm_buf_printf(&l->text, " %.*s", (int)t[i].n, t[i].p);
        } else {
            if (!ck_number(t[i].p, t[i].n, &v))
                return ck_bad(r, "expected a number, got `%.*s`",
                              ck_cut(t[i].p, t[i].n, 40), t[i].p);
            pm_buf_printf(&l->text, " %lld", v);
        }
    }
    if (l->text.oom || !ck_push(l, off, (int)line, r->line))
        return ck_bad(r, "out of memory");
    return 0;
}

static int ck_read_events(const char *path, const char *s, size_t len, bool observable_only,
                          ck_list *l, pm_buf *err)
{
    ck_reader r = { path, 0, err };
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - s) : len;
        r.line++;
        if (memchr(s + pos, '\0', end - pos))
            return ck_bad(&r, "NUL byte in the event log");
        if (ck_read_line(&r, s + pos, end - pos, observable_only, l))
            return -1;
        pos = end + 1;
    }
    return 0;
}

/* The model's events, canonical text, filtered like EVENTS. */
static int ck_model_events(const pm_model *m, const pm_trace *t, bool observable_only,
                           ck_list *l)
{
    for (int32_t i = 0; i < pm_model_event_count(m); i++) {
        const pm_event *e = pm_model_event(m, i);
        if (observable_only && !pm_event_observable(e->kind))
            continue;
        size_t off = l->text.len;
        pm_format_event(&l->text, m, t, e, false);
        if (l->text.oom)
            return -1;
        l->text.len--;                       /* the newline */
        if (!ck_push(l, off, e->line, i + 1))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- the report */

/* The objects event text S names: object numbers (oN, kept as N > 0) and
 * the binding of tracked/finalized/refcount (kept as -2 - name index). */
static void ck_objects_of(const char *s, int len, const pm_trace *t, int32_t *objs, int *nobjs)
{
    const char *end = s + len, *p = memchr(s, ' ', (size_t)len);
    if (!p)
        return;
    const char *name = p + 1;                /* the event name */
    p = memchr(name, ' ', (size_t)(end - name));
    size_t name_len = p ? (size_t)(p - name) : (size_t)(end - name);
    bool named = (name_len == 7 && !memcmp(name, "tracked", 7)) ||
                 (name_len == 9 && !memcmp(name, "finalized", 9)) ||
                 (name_len == 8 && !memcmp(name, "refcount", 8));
    for (bool first = true; p && p < end; first = false) {
        p++;
        const char *q = memchr(p, ' ', (size_t)(end - p));
        size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
        int32_t o = -1;
        if (named && first) {
            for (int32_t k = 0; k < t->nnames; k++)
                if (strlen(t->names[k]) == n && !memcmp(t->names[k], p, n))
                    o = -2 - k;
        } else if (!named && n > 1 && p[0] == 'o') {
            long long v;
            o = ck_number(p + 1, n - 1, &v) && v > 0 && v <= INT32_MAX ? (int32_t)v : -1;
        }
        bool seen = o == -1 || o == 0;
        for (int i = 0; i < *nobjs && !seen; i++)
            seen = objs[i] == o;
        if (!seen && *nobjs < CK_MAX_OBJECTS)
            objs[(*nobjs)++] = o;
        p = q;
    }
}

static int32_t ck_max_uid(const pm_model *m)
{
    pm_object_info info;
    int32_t max = 0;
    for (int32_t i = 0; i < pm_model_object_count(m); i++)
        if (pm_model_object(m, i, &info) && info.uid > max)
            max = info.uid;
    return max;
}

static void ck_side(pm_buf *b, const ck_list *l, int32_t i, int32_t at)
{
    int len;
    if (i < 0 || i >= l->n) {
        pm_buf_printf(b, "%-*s", CK_COLUMN, i == l->n ? "     (no more events)" : "");
        return;
    }
    const char *s = ck_text(l, i, &len);
    char cell[CK_COLUMN + 1];
    int w = snprintf(cell, sizeof cell, "%s%4d  %.*s", i == at ? "> " : "  ", (int)i + 1, len, s);
    if (w > CK_COLUMN)
        memcpy(cell + CK_COLUMN - 3, "...", 4);
    pm_buf_printf(b, "%-*s", CK_COLUMN, cell);
}

static const pm_op *ck_op_at(const pm_trace *t, int line)
{
    int32_t lo = 0, hi = t->nops;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (t->ops[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->nops && t->ops[lo].line == line ? &t->ops[lo] : NULL;
}

/* What the model knows about OBJS before the operation of line LINE and
 * after it. */
static int ck_objects(const cli_input *in, int line, const int32_t *objs, int nobjs,
                      int32_t last_uid, pm_buf *out)
{
    const pm_trace *t = &in->trace;
    pm_model *m = pm_model_new(in->profile, &in->options);
    if (!m)
        return -1;
    pm_diag d;
    int32_t k = 0;
    for (; k < t->nops && t->ops[k].line < line; k++)
        if (pm_model_step(m, t, &t->ops[k], &d))
            break;
    pm_buf before[CK_MAX_OBJECTS] = { { 0 } };
    int32_t idx[CK_MAX_OBJECTS];
    int64_t c0[PM_NUM_GENERATIONS], c1[PM_NUM_GENERATIONS];
    pm_model_counts(m, c0);
    for (int i = 0; i < nobjs; i++) {
        idx[i] = objs[i] <= -2 ? pm_model_binding(m, -2 - objs[i]) : cli_object_by_uid(m, objs[i]);
        if (idx[i] >= 0)
            cli_describe_object(&before[i], m, t, idx[i]);
        else
            pm_buf_printf(&before[i], objs[i] <= -2 ? "not bound" : "not created yet");
    }
    bool stepped = k < t->nops && t->ops[k].line == line && !pm_model_step(m, t, &t->ops[k], &d);
    pm_model_counts(m, c1);
    if (nobjs)
        pm_buf_printf(out, "\n  objects involved, as the model knows them before line %d and "
                      "after it:\n", line);
    for (int i = 0; i < nobjs; i++) {
        if (idx[i] < 0 && objs[i] > 0)
            idx[i] = cli_object_by_uid(m, objs[i]);
        pm_buf_printf(out, "    ");
        if (objs[i] <= -2)
            pm_buf_printf(out, "%s: ", t->names[-2 - objs[i]]);
        if (idx[i] >= 0)
            cli_object_name(out, m, t, idx[i]);
        else if (objs[i] > 0)
            pm_buf_printf(out, "o%d", (int)objs[i]);
        pm_buf_printf(out, "\n      before: %s\n      after:  ",
                      before[i].data ? before[i].data : "");
        if (!stepped)
            pm_buf_printf(out, "(no operation on this line)");
        else if (idx[i] >= 0)
            cli_describe_object(out, m, t, idx[i]);
        else if (objs[i] > 0 && objs[i] <= last_uid)
            pm_buf_printf(out, "not created yet");
        else if (objs[i] > 0)
            pm_buf_printf(out, "the model never creates o%d (it numbers %d objects in all)",
                          (int)objs[i], (int)last_uid);
        else
            pm_buf_printf(out, "not bound");
        pm_buf_printf(out, "\n");
        pm_buf_free(&before[i]);
    }
    pm_buf_printf(out, "\n  gc counts before line %d: %lld %lld %lld", line, (long long)c0[0],
                  (long long)c0[1], (long long)c0[2]);
    if (stepped)
        pm_buf_printf(out, "; after: %lld %lld %lld", (long long)c1[0], (long long)c1[1],
                      (long long)c1[2]);
    pm_buf_printf(out, "\n");
    pm_model_free(m);
    return 0;
}

static bool ck_any_model_only(const ck_list *l)
{
    for (int32_t i = 0; i < l->n; i++) {
        int len;
        const char *s = ck_text(l, i, &len);
        const char *sp = memchr(s, ' ', (size_t)len);
        if (sp && ((len - (sp - s) >= 5 && !memcmp(sp, " free", 5)) ||
                   (len - (sp - s) >= 5 && !memcmp(sp, " auto", 5))))
            return true;
    }
    return false;
}

static void ck_report(const cli_input *in, const char *events_path, const ck_list *exp,
                      const ck_list *seen, int32_t at, bool observable_only, int32_t last_uid,
                      pm_buf *out)
{
    int elen = 0, slen = 0;
    const char *e = at < exp->n ? ck_text(exp, at, &elen) : NULL;
    const char *s = at < seen->n ? ck_text(seen, at, &slen) : NULL;
    int line = e && s ? (exp->ev[at].line < seen->ev[at].line ? exp->ev[at].line
                                                               : seen->ev[at].line)
                      : e ? exp->ev[at].line : seen->ev[at].line;
    pm_buf_printf(out, "%s: %s diverges from the model at event %d (profile %s, %s)\n",
                  in->path, events_path, (int)at + 1, in->profile->name,
                  observable_only ? "observable events only" : "all events");
    const pm_op *op = ck_op_at(&in->trace, line);
    if (op) {
        cli_cursor cur = { 0 };
        int n;
        const char *txt = cli_line_text(in, &cur, line, 200, &n);
        pm_buf_printf(out, "  operation  %s:%d: %.*s\n", in->path, line, n, txt);
    } else {
        pm_buf_printf(out, "  operation  none: line %d of %s is not an operation\n", line,
                      in->path);
    }
    if (e)
        pm_buf_printf(out, "  expected   %.*s\n", elen, e);
    else
        pm_buf_printf(out, "  expected   no more events (the model has %d)\n", (int)exp->n);
    if (s)
        pm_buf_printf(out, "  seen       %.*s   (%s:%d)\n", slen, s, events_path,
                      seen->ev[at].where);
    else
        pm_buf_printf(out, "  seen       no more events (%s has %d)\n", events_path,
                      (int)seen->n);
    if (!observable_only && e && !ck_any_model_only(seen) && ck_any_model_only(exp))
        pm_buf_printf(out, "  hint       %s has no model-only events (free, auto): "
                      "compare with --observable-only\n", events_path);

    pm_buf_printf(out, "\n  %-*s%s\n", CK_COLUMN, "the model", events_path);
    for (int32_t i = at - CK_CONTEXT; i <= at + CK_CONTEXT; i++) {
        if (i < 0 || (i > exp->n && i > seen->n))
            continue;
        pm_buf_printf(out, "  ");
        ck_side(out, exp, i, at);
        ck_side(out, seen, i, at);
        while (out->len && out->data[out->len - 1] == ' ')
            out->len--;
        pm_buf_printf(out, "\n");
    }

    int32_t objs[CK_MAX_OBJECTS];
    int nobjs = 0;
    if (e)
        ck_objects_of(e, elen, &in->trace, objs, &nobjs);
    if (s)
        ck_objects_of(s, slen, &in->trace, objs, &nobjs);
    if (ck_objects(in, line, objs, nobjs, last_uid, out))
        out->oom = true;
}

int cli_check(const cli_input *in, const char *events_path, const char *events, size_t len,
              bool observable_only, pm_buf *out, pm_buf *err)
{
    ck_list exp = { 0 }, seen = { 0 };
    int rc = 2;
    pm_model *m = NULL;
    if (ck_read_events(events_path, events, len, observable_only, &seen, err))
        goto done;
    m = pm_model_new(in->profile, &in->options);
    pm_diag d;
    if (!m) {
        pm_buf_printf(err, "pymemref: out of memory\n");
        goto done;
    }
    if (pm_model_run(m, &in->trace, &d)) {
        pm_buf_printf(err, "%s:%d: error: %s\n", in->path, d.line, d.message);
        goto done;
    }
    if (ck_model_events(m, &in->trace, observable_only, &exp)) {
        pm_buf_printf(err, "pymemref: out of memory\n");
        goto done;
    }
    int32_t at = 0;
    for (; at < exp.n && at < seen.n; at++) {
        int a, b;
        const char *x = ck_text(&exp, at, &a), *y = ck_text(&seen, at, &b);
        if (a != b || memcmp(x, y, (size_t)a) != 0)
            break;
    }
    if (at == exp.n && at == seen.n) {
        pm_buf_printf(out, "%s: %s agrees with the model (%d events, profile %s, %s)\n",
                      in->path, events_path, (int)exp.n, in->profile->name,
                      observable_only ? "observable events only" : "all events");
        rc = 0;
    } else {
        ck_report(in, events_path, &exp, &seen, at, observable_only, ck_max_uid(m), out);
        rc = 1;
    }
done:
    pm_model_free(m);
    ck_list_free(&exp);
    ck_list_free(&seen);
    return rc;
}

/* ------------------------------------------------------------ the command */
#ifndef CLI_NO_MAIN
int cli_check_main(int argc, char **argv)
{
    const char *profile = NULL, *paths[2] = { NULL, NULL };
    bool observable_only = false, only_files = false;
    int npaths = 0;
    cli_input in = { 0 };
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i], *val;
        if (only_files || s[0] != '-' || !strcmp(s, "-")) {
            if (npaths == 2)
                return cli_usage_error("`check` takes a trace and an event log (`%s`)", s);
            paths[npaths++] = s;
        } else if (!strcmp(s, "--")) {
            only_files = true;
        } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            cli_print_help();
            return 0;
        } else if (!strcmp(s, "--observable-only")) {
            observable_only = true;
        } else if (cli_option(argc, argv, &i, "--profile", &val)) {
            if (!val)
                return 2;
            profile = val;
        } else if (cli_option(argc, argv, &i, "--frozen-base", &val)) {
            if (!val)
                return 2;
            int64_t v;
            if (!cli_parse_count(val, INT64_MAX, &v))
                return cli_usage_error("`--frozen-base` needs a number, got `%s`", val);
            in.options.frozen_base = v;
        } else {
            return cli_usage_error("unknown option `%s`", s);
        }
    }
    if (npaths < 2)
        return cli_usage_error("`check` needs a trace and an event log");
    in.path = paths[0];
    in.profile = cli_find_profile(profile);
    if (!in.profile)
        return 2;
    char *ev = NULL;
    size_t evlen = 0;
    pm_buf out = { 0 }, err = { 0 };
    int rc = 2;
    pm_diag d;
    if (cli_read_file(paths[0], &in.text, &in.len) || cli_read_file(paths[1], &ev, &evlen))
        goto done;
    if (pm_trace_parse(in.path, in.text, in.len, &in.trace, &d)) {
        cli_report(&in, &d);
        goto done;
    }
    rc = cli_check(&in, paths[1], ev, evlen, observable_only, &out, &err);
    if (out.oom || err.oom) {
        fprintf(stderr, "pymemref: out of memory\n");
        rc = 2;
    } else if (rc == 2) {
        fwrite(err.data, 1, err.len, stderr);
    } else if ((out.len && fwrite(out.data, 1, out.len, stdout) != out.len) || fflush(stdout)) {
        fprintf(stderr, "pymemref: cannot write the output\n");
        rc = 2;
    }
done:
    pm_buf_free(&out);
    pm_buf_free(&err);
    pm_trace_free(&in.trace);
    free(in.text);
    free(ev);
    return rc;
}
#endif
