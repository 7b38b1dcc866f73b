/* pymemref.c: the command.  `run` prints a trace's events, `explain` walks
 * through each collection, `dot` draws the object graph; `check`, `serve`
 * and `export` (check.c, serve.c, export.c) parse their own arguments with
 * the helpers here.  Output is built in memory and written only once the
 * whole command has succeeded. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: pymemref run [--profile V] [--observable] [--json] [--frozen-base N]\n"
    "                    [--frozen-immortal M] [--max-objects N] TRACE\n"
    "       pymemref explain [--profile V] [--frozen-base N] TRACE\n"
    "       pymemref dot [--profile V] [--frozen-base N] --at N TRACE\n"
    "       pymemref check [--profile V] [--observable-only] [--frozen-base N] TRACE EVENTS\n"
    "       pymemref serve [--profile V] [--observable] [--frozen-base N]\n"
    "       pymemref export --python [--profile V] [--frozen-base N] [--driver DIR]\n"
    "                       (TRACE [-o FILE] | --dir DIR [--keep-going] TRACE...)\n"
    "       pymemref malloc-stats [--profile V] TRACE\n"
    "       pymemref --help | --version\n";

static const char help_text[] =
    "\n"
    "Execute a trace (spec/trace.md) on the reference model of CPython's memory\n"
    "management.\n"
    "\n"
    "  run        print the events, one `LINE: EVENT` per line\n"
    "  explain    show what each garbage collection did, phase by phase\n"
    "  dot        Graphviz source of the object graph after operation N\n"
    "             (operations are the non-blank, non-comment lines, from 1)\n"
    "  check      compare an implementation's event log with the model's events\n"
    "             for the trace; report the first divergence (exit status 1)\n"
    "  serve      lockstep mode: one JSON request per line on stdin (a trace\n"
    "             line, or a reset), one JSON answer per line on stdout\n"
    "  export     a standalone Python unittest file that runs the trace and\n"
    "             compares its events with the model's (--dir: many, and run_all.py)\n"
    "  malloc-stats  the model's pymalloc after the trace's allocator operations,\n"
    "             as sys._debugmallocstats() prints it\n"
    "\n"
    "  --profile V       CPython version to model (default: %s; known:%s)\n"
    "  --observable      only the events a Python program can see\n"
    "  --json            JSON Lines instead of text\n"
    "  --frozen-base N   objects the driver froze before the trace\n"
    "  --frozen-immortal M  how many of them are immortal (3.12)\n"
    "  --max-objects N   (run) fail once the trace has created N objects\n"
    "                    (default and most: %d)\n"
    "  --observable-only (check) compare only the events a Python program can see;\n"
    "                    otherwise EVENTS must hold the model-only events too\n"    "  --driver DIR      (export) the driver's modules (default: beside the\n"
    "                    command, fuzz/cpython or share/pymemref/cpython)\n"
    "  --keep-going      (export --dir) leave out the traces the model refuses\n"
    "  --help, --version\n";

typedef enum { CMD_RUN, CMD_EXPLAIN, CMD_DOT } command;

typedef struct args {
    command cmd;
    const char *profile;
    bool observable, json, have_at;
    int64_t frozen_base;
    int64_t frozen_immortal;
    int32_t max_objects;
    int32_t at;
    const char *path;
} args;

/* A mistake in the command line: say what, show the usage; exit status 2. */
int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pymemref: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}

/* A decimal number 0..MAX. */
bool cli_parse_count(const char *s, int64_t max, int64_t *out)
{
    if (!*s)
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (max - (*s - '0')) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

void cli_print_help(void)
{
    char known[128] = "";
    for (const pm_profile *const *p = pm_profiles(); *p; p++) {
        size_t n = strlen(known);
        snprintf(known + n, sizeof known - n, " %s", (*p)->name);
    }
    printf("%s", usage_text);
    printf(help_text, pm_profile_default_name(), known, PM_MAX_OBJECTS);
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, args *a)
{
    if (argc < 2)
        return cli_usage_error("no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        cli_print_help();
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("pymemref %s\n", PYMEMREF_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        a->cmd = CMD_RUN;
    else if (!strcmp(cmd, "explain"))
        a->cmd = CMD_EXPLAIN;
    else if (!strcmp(cmd, "dot"))
        a->cmd = CMD_DOT;
    else
        return cli_usage_error("unknown command `%s`", cmd);

    bool only_files = false;
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (only_files || s[0] != '-' || !strcmp(s, "-")) {
            if (a->path)
                return cli_usage_error("more than one trace given (`%s`)", s);
            a->path = s;
            continue;
        }
        if (!strcmp(s, "--")) {
            only_files = true;
            continue;
        }
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            cli_print_help();
            return 0;
        }
        /* Options with a value: "--opt V" or "--opt=V". */
        const char *names[] = { "--profile", "--frozen-base", "--at", "--frozen-immortal",
                                "--max-objects" };
        const char *val = NULL;
        int k;
        for (k = 0; k < 5; k++) {
            size_t n = strlen(names[k]);
            if (!strncmp(s, names[k], n) && (s[n] == '\0' || s[n] == '=')) {
                if (s[n] == '=')
                    val = s + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return cli_usage_error("`%s` needs a value", names[k]);
                break;
            }
        }
        int64_t v;
        if (k == 0) {
            a->profile = val;
        } else if (k == 1) {
            if (!cli_parse_count(val, INT64_MAX, &v))
                return cli_usage_error("`--frozen-base` needs a number, got `%s`", val);
            a->frozen_base = v;
        } else if (k == 3) {
            if (!cli_parse_count(val, INT64_MAX, &v))
                return cli_usage_error("`--frozen-immortal` needs a number, got `%s`", val);
            a->frozen_immortal = v;
        } else if (k == 4 && a->cmd == CMD_RUN) {
            if (!cli_parse_count(val, PM_MAX_OBJECTS, &v) || v == 0)
                return cli_usage_error("`--max-objects` needs a number from 1 to %d, got `%s`",
                                       PM_MAX_OBJECTS, val);
            a->max_objects = (int32_t)v;
        } else if (k == 2 && a->cmd == CMD_DOT) {
            if (!cli_parse_count(val, INT32_MAX, &v))
                return cli_usage_error("`--at` needs an operation number, got `%s`", val);
            a->at = (int32_t)v;
            a->have_at = true;
        } else if (!strcmp(s, "--observable") && a->cmd == CMD_RUN) {
            a->observable = true;
        } else if (!strcmp(s, "--json") && a->cmd == CMD_RUN) {
            a->json = true;
        } else {
            return cli_usage_error("unknown option `%s`", s);
        }
    }
    if (!a->path)
        return cli_usage_error("no trace file given");
    if (a->cmd == CMD_DOT && !a->have_at)
        return cli_usage_error("`dot` needs `--at N`");
    return -1;
}

/* Read PATH wholly into memory. */
int cli_read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "pymemref: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (!buf) {
        fprintf(stderr, "pymemref: cannot read %s: out of memory\n", path);
        return -1;
    }
    if (err) {
        fprintf(stderr, "pymemref: cannot read %s: %s\n", path, strerror(err));
        free(buf);
        return -1;
    }
    *text = buf;
    *len = n;
    return 0;
}

const pm_profile *cli_find_profile(const char *name)
{
    const char *pname = name ? name : pm_profile_default_name();
    const pm_profile *p = pm_profile_find(pname);
    if (!p) {
        fprintf(stderr, "pymemref: unknown profile `%s` (known:", pname);
        for (const pm_profile *const *q = pm_profiles(); *q; q++)
            fprintf(stderr, " %s", (*q)->name);
        fprintf(stderr, ")\n");
    }
    return p;
}

bool cli_option(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *s = argv[*i];
    size_t n = strlen(name);
    if (strncmp(s, name, n) != 0 || (s[n] != '\0' && s[n] != '='))
        return false;
    if (s[n] == '=')
        *val = s + n + 1;
    else if (*i + 1 < argc)
        *val = argv[++*i];
    else {
        cli_usage_error("`%s` needs a value", name);
        *val = NULL;
    }
    return true;
}

static int cmd_run(const cli_input *in, const args *a, pm_buf *out)
{
    pm_model *m = cli_run_model(in);
    if (!m)
        return -1;
    int32_t n = pm_model_event_count(m);
    for (int32_t i = 0; i < n; i++) {
        const pm_event *e = pm_model_event(m, i);
        if (!a->observable || pm_event_observable(e->kind))
            pm_format_event(out, m, &in->trace, e, a->json);
    }
    pm_model_free(m);
    return 0;
}

static int dispatch(const args *a, cli_input *in, pm_buf *out)
{
    in->profile = cli_find_profile(a->profile);
    if (!in->profile)
        return -1;
    in->path = a->path;
    in->options.frozen_base = a->frozen_base;
    in->options.frozen_immortal = a->frozen_immortal;
    in->options.max_objects = a->max_objects;
    if (cli_read_file(a->path, &in->text, &in->len))
        return -1;
    pm_diag d;
    if (pm_trace_parse(a->path, in->text, in->len, &in->trace, &d)) {
        cli_report(in, &d);
        return -1;
    }
    switch (a->cmd) {
    case CMD_RUN: return cmd_run(in, a, out);
    case CMD_EXPLAIN: return cli_explain(in, out);
    case CMD_DOT: return cli_dot(in, a->at, out);
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return cli_check_main(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return cli_serve_main(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "export"))
        return cli_export_main(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "malloc-stats"))
        return cli_malloc_stats_main(argc, argv);
    args a = { 0 };
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    cli_input in = { 0 };
    pm_buf out = { 0 };
    int rc = dispatch(&a, &in, &out);
    if (rc == 0 && out.oom) {
        fprintf(stderr, "pymemref: out of memory\n");
        rc = -1;
    }
    if (rc == 0 && ((out.len && fwrite(out.data, 1, out.len, stdout) != out.len) ||
                    fflush(stdout) != 0)) {
        fprintf(stderr, "pymemref: cannot write the output: %s\n", strerror(errno));
        rc = -1;
    }
    pm_buf_free(&out);
    pm_trace_free(&in.trace);
    free(in.text);
    return rc ? 2 : 0;
}
