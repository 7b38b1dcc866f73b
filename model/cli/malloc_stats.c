/* malloc_stats.c: `pymemref malloc-stats [--profile V] TRACE`, the model's
 * pymalloc after the trace's allocator operations (spec/trace.md
 * "Allocator operations"), printed as CPython's sys._debugmallocstats()
 * prints its pymalloc part (model/obmalloc_stats.c: the per-class table,
 * the arena counters, the byte accounting and the arena map). */
#include "cli/cli.h"
#include "obmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ms_run(const cli_input *in, pm_buf *out)
{
    pm_model *m = cli_run_model(in);
    if (!m)
        return -1;
    int rc = 0;
    const struct pm_obm *st = pm_model_allocator(m, &in->trace);
    char *text = NULL;
    size_t len = 0;
    FILE *f = st ? open_memstream(&text, &len) : NULL;
    if (f) {
        pm_obm_debugmallocstats(st, f);
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    if (!text) {
        fprintf(stderr, "pymemref: out of memory\n");
        rc = -1;
    } else {
        pm_buf_printf(out, "%.*s", (int)len, text);
    }
    free(text);
    pm_model_free(m);
    return rc;
}

int cli_malloc_stats_main(int argc, char **argv)
{
    const char *profile = NULL, *path = NULL, *val;
    bool only_files = false;
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (only_files || s[0] != '-' || !strcmp(s, "-")) {
            if (path)
                return cli_usage_error("more than one trace given (`%s`)", s);
            path = s;
        } else if (!strcmp(s, "--")) {
            only_files = true;
        } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            cli_print_help();
            return 0;
        } else if (cli_option(argc, argv, &i, "--profile", &val)) {
            if (!val)
                return 2;
            profile = val;
        } else {
            return cli_usage_error("unknown option `%s`", s);
        }
    }
    if (!path)
        return cli_usage_error("no trace file given");
    cli_input in = { .path = path };
    pm_buf out = { 0 };
    int rc = -1;
    pm_diag d;
    in.profile = cli_find_profile(profile);
    if (in.profile && !cli_read_file(path, &in.text, &in.len)) {
        if (pm_trace_parse(path, in.text, in.len, &in.trace, &d))
            cli_report(&in, &d);
        else
            rc = ms_run(&in, &out);
    }
    if (rc == 0 && out.oom) {
        fprintf(stderr, "pymemref: out of memory\n");
        rc = -1;
    }
    if (rc == 0 && ((out.len && fwrite(out.data, 1, out.len, stdout) != out.len) ||
                    fflush(stdout) != 0)) {
        fprintf(stderr, "pymemref: cannot write the output\n");
        rc = -1;
    }
    pm_buf_free(&out);
    pm_trace_free(&in.trace);
    free(in.text);
    return rc ? 2 : 0;
}
