/* common.c: helpers the pymemref subcommands share: diagnostics, object
 * names for people, trace line text. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

void cli_report(const cli_input *in, const pm_diag *d)
{
    /* The path as given: pm_diag.file is cut at 255 bytes. */
    fprintf(stderr, "%s:%d: error: %s\n", in->path, d->line, d->message);
}

pm_model *cli_run_model(const cli_input *in)
{
    pm_model *m = pm_model_new(in->profile, &in->options);
    if (!m) {
        fprintf(stderr, "pymemref: out of memory\n");
        return NULL;
    }
    pm_diag d;
    if (pm_model_run(m, &in->trace, &d)) {
        cli_report(in, &d);
        pm_model_free(m);
        return NULL;
    }
    return m;
}

static const char *kind_class_name(pm_kind k)
{
    switch (k) {
    case PM_KIND_INSTANCE: return "instance";
    case PM_KIND_LIST: return "list";
    case PM_KIND_TUPLE: return "tuple";
    case PM_KIND_DICT: return "dict";
    case PM_KIND_ATOM: return "int";
    case PM_KIND_WEAKREF: return "weakref";
    }
    return "?";
}

const char *cli_class_name(const pm_model *m, const pm_trace *t, int32_t i)
{
    pm_object_info info;
    if (!pm_model_object(m, i, &info))
        return "?";
    int32_t c = pm_model_trace_class(m, info.cls);
    if (c >= 0 && c < t->nclasses)
        return t->class_names[c];
    return kind_class_name(info.kind);
}

void cli_object_name(pm_buf *b, const pm_model *m, const pm_trace *t, int32_t i)
{
    pm_object_info info;
    if (!pm_model_object(m, i, &info)) {
        pm_buf_printf(b, "#%d", (int)i);
        return;
    }
    const char *cls = cli_class_name(m, t, i);
    if (info.uid > 0)
        pm_buf_printf(b, "o%d (%s)", (int)info.uid, cls);
    else if (info.label && strcmp(info.label, "temporary") != 0)
        pm_buf_printf(b, "%s (%s)", info.label, cls);
    else
        pm_buf_printf(b, "tmp#%d (%s)", (int)i, cls);
}

const char *cli_where_name(pm_where w)
{
    switch (w) {
    case PM_WHERE_UNTRACKED: return "untracked";
    case PM_WHERE_GEN0: return "gen0";
    case PM_WHERE_GEN1: return "gen1";
    case PM_WHERE_GEN2: return "gen2";
    case PM_WHERE_PERMANENT: return "permanent";
    case PM_WHERE_COLLECTING: return "collecting";
    case PM_WHERE_FREED: return "freed";
    case PM_WHERE_HEAD: return "list head";
    }
    return "?";
}

const char *cli_line_text(const cli_input *in, cli_cursor *cur, int line, size_t max,
                          int *len)
{
    const char *end = in->text + in->len;
    if (!cur->p || cur->line > line) {
        cur->p = in->text;
        cur->line = 1;
    }
    const char *p = cur->p;
    for (; cur->line < line && p < end; cur->line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    cur->p = p;
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
        e = end;
    const char *hash = memchr(p, '#', (size_t)(e - p));
    if (hash)
        e = hash;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t n = (size_t)(e - p);
    *len = (int)(n < max ? n : max);
    return p;
}
