/* dot.c: `pymemref dot TRACE --at N`, the object graph after operation N as
 * Graphviz source.  Nodes are the live objects, edges their slots (weak
 * references dashed), and a box holds the namespace's names.  Objects that
 * the names reach through strong references are blue, the others orange. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_label(const pm_object_info *o, const char *label)
{
    return o->label && !strcmp(o->label, label);
}

/* Not drawn: freed objects, list heads, the namespace (drawn as the names
 * box) and gc.garbage while it is empty. */
static bool hidden(const pm_object_info *o)
{
    return o->where == PM_WHERE_FREED || o->where == PM_WHERE_HEAD ||
           is_label(o, "namespace") || (is_label(o, "gc.garbage") && o->nslots == 0);
}

/* Mark what the bound names reach through strong references. */
static bool reach(const pm_model *m, const pm_trace *t, bool *seen, int32_t n)
{
    int32_t *stack = malloc((size_t)(n ? n : 1) * sizeof *stack), top = 0;
    if (!stack)
        return false;
    for (int32_t b = 0; b < t->nnames; b++) {
        int32_t i = pm_model_binding(m, b);
        if (i >= 0 && i < n && !seen[i]) {
            seen[i] = true;
            stack[top++] = i;
        }
    }
    while (top > 0) {
        int32_t i = stack[--top];
        pm_object_info o;
        if (!pm_model_object(m, i, &o) || o.kind == PM_KIND_WEAKREF)
            continue;
        for (int32_t k = 0; k < o.nslots; k++) {
            int32_t j = pm_model_slot(m, i, k);
            if (j >= 0 && j < n && !seen[j]) {
                seen[j] = true;
                stack[top++] = j;
            }
        }
    }
    free(stack);
    return true;
}

static void node(pm_buf *b, const pm_model *m, const pm_trace *t, int32_t i,
                 const pm_object_info *o, bool reachable)
{
    const char *cls = cli_class_name(m, t, i);
    pm_buf_printf(b, "  n%d [label=\"", (int)i);
    if (o->uid > 0)
        pm_buf_printf(b, "o%d %s", (int)o->uid, cls);
    else if (o->label && !is_label(o, "temporary"))
        pm_buf_printf(b, "%s", o->label);
    else
        pm_buf_printf(b, "tmp#%d %s", (int)i, cls);
    pm_buf_printf(b, "\\nrefcount %lld\\n%s", (long long)o->refcnt, cli_where_name(o->where));
    if (o->finalized)
        pm_buf_printf(b, "\\nfinalized");
    const char *fill = is_label(o, "gc.garbage") ? "#eeeeee" : reachable ? "#cfe2ff" : "#ffd8a8";
    pm_buf_printf(b, "\", fillcolor=\"%s\"];\n", fill);
}

int cli_dot(const cli_input *in, int32_t at, pm_buf *out)
{
    const pm_trace *t = &in->trace;
    if (at > t->nops) {
        fprintf(stderr, "pymemref: --at %d: %s has %d operation%s\n", (int)at, in->path,
                (int)t->nops, t->nops == 1 ? "" : "s");
        return -1;
    }
    pm_model *m = pm_model_new(in->profile, &in->options);
    if (!m) {
        fprintf(stderr, "pymemref: out of memory\n");
        return -1;
    }
    for (int32_t i = 0; i < at; i++) {
        pm_diag d;
        if (pm_model_step(m, t, &t->ops[i], &d)) {
            cli_report(in, &d);
            pm_model_free(m);
            return -1;
        }
    }
    int32_t n = pm_model_object_count(m);
    bool *seen = calloc((size_t)(n ? n : 1), sizeof *seen);
    if (!seen || !reach(m, t, seen, n)) {
        free(seen);
        pm_model_free(m);
        fprintf(stderr, "pymemref: out of memory\n");
        return -1;
    }

    pm_buf_printf(out, "digraph pymemref {\n");
    pm_buf_printf(out, "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"");
    /* The path is the only text here that is not ours: keep it plain ASCII. */
    for (const unsigned char *p = (const unsigned char *)in->path; *p; p++)
        pm_buf_printf(out, (*p == '"' || *p == '\\') ? "\\%c" : "%c",
                      *p < 0x20 || *p >= 0x7f ? '?' : *p);
    if (at > 0)
        pm_buf_printf(out, " after operation %d (line %d)", (int)at, t->ops[at - 1].line);
    else
        pm_buf_printf(out, " before any operation");
    pm_buf_printf(out, "\\nblue: reachable from the names; orange: not\"];\n");
    pm_buf_printf(out, "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
                       "fontsize=10];\n"
                       "  edge [fontname=\"Helvetica\", fontsize=9];\n");

    /* The names: one record field per binding name (names are [A-Za-z0-9_]). */
    pm_buf_printf(out, "  names [shape=record, style=filled, fillcolor=\"#eeeeee\", "
                       "label=\"names");
    for (int32_t b = 0; b < t->nnames; b++)
        pm_buf_printf(out, "|<b%d> %s", (int)b, t->names[b]);
    pm_buf_printf(out, "\"];\n");
    for (int32_t b = 0; b < t->nnames; b++) {
        int32_t i = pm_model_binding(m, b);
        if (i >= 0)
            pm_buf_printf(out, "  names:b%d -> n%d;\n", (int)b, (int)i);
    }

    for (int32_t i = 0; i < n; i++) {
        pm_object_info o;
        if (!pm_model_object(m, i, &o) || hidden(&o))
            continue;
        node(out, m, t, i, &o, seen[i]);
        pm_object_info to;
        for (int32_t k = 0; k < o.nslots; k++) {
            int32_t j = pm_model_slot(m, i, k);
            if (j >= 0 && pm_model_object(m, j, &to) && !hidden(&to))
                pm_buf_printf(out, "  n%d -> n%d [label=\"%d\"];\n", (int)i, (int)j, (int)k);
        }
        int32_t r = pm_model_weakref_referent(m, i);
        if (r >= 0 && pm_model_object(m, r, &to) && !hidden(&to))
            pm_buf_printf(out, "  n%d -> n%d [style=dashed, label=\"weak\"];\n", (int)i, (int)r);
    }
    pm_buf_printf(out, "}\n");
    free(seen);
    pm_model_free(m);
    return 0;
}
