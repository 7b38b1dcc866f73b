/* test_check.c: `pymemref check` (model/cli/check.c) on real CPython logs.
 *
 * Every NAME.trace given (directories in argv) has beside it
 * NAME.cpython-3.11.events, what fuzz/cpython/driver.py printed in CPython
 * 3.11: as an implementation's log it must agree with the model
 * (--observable-only), and each way of spoiling it (an event dropped,
 * changed, added) must be reported at the right event.  Then the report's
 * content on one divergence, and every kind of bad input.
 *
 * Usage: test_check DIR... */
#define _POSIX_C_SOURCE 200809L
#define CLI_NO_MAIN
#include "cli/check.c"
#include "cli/common.c"

#include <check.h>
#include <dirent.h>

static char **paths;
static int npaths;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap + 1);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *p = realloc(buf, 2 * cap + 1);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* A parsed trace as the command holds it. */
static cli_input load(const char *path, const char *text)
{
    cli_input in = { .path = path, .profile = pm_profile_find("3.11") };
    in.text = strdup(text);
    in.len = strlen(text);
    pm_diag d;
    ck_assert_msg(pm_trace_parse(path, in.text, in.len, &in.trace, &d) == 0, "%s:%d: %s",
                  path, d.line, d.message);
    return in;
}

static void unload(cli_input *in)
{
    pm_trace_free(&in->trace);
    free(in->text);
}

/* Run check; *OUT and *ERR receive the texts (caller frees). */
static int run_check(const cli_input *in, const char *events, bool observable_only,
                     char **out, char **err)
{
    pm_buf o = { 0 }, e = { 0 };
    int rc = cli_check(in, "log.events", events, strlen(events), observable_only, &o, &e);
    ck_assert(!o.oom && !e.oom);
    *out = strdup(o.data ? o.data : "");
    *err = strdup(e.data ? e.data : "");
    pm_buf_free(&o);
    pm_buf_free(&e);
    return rc;
}

static void expect_divergence_at(const cli_input *in, const char *events, int at,
                                 const char *what)
{
    char *out, *err, head[64];
    int rc = run_check(in, events, true, &out, &err);
    ck_assert_msg(rc == 1, "%s: %s: status %d, expected 1 (%s)", in->path, what, rc, err);
    ck_assert_str_eq(err, "");
    snprintf(head, sizeof head, "diverges from the model at event %d ", at);
    ck_assert_msg(strstr(out, head) != NULL, "%s: %s: expected event %d in:\n%s", in->path,
                  what, at, out);
    free(out);
    free(err);
}

/* ------------------------------------------------------------ per trace */

START_TEST(cpython_logs)
{
    const char *path = paths[_i];
    size_t len, elen;
    char *text = slurp(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    char epath[4096];
    snprintf(epath, sizeof epath, "%.*s.cpython-3.11.events",
             (int)(strlen(path) - strlen(".trace")), path);
    char *events = slurp(epath, &elen);
    ck_assert_msg(events != NULL, "no %s", epath);
    pm_trace probe;
    pm_diag pd;
    if (pm_trace_parse(path, text, len, &probe, &pd)) {
        /* test_model reports it; there is nothing to check against. */
        fprintf(stderr, "test_check: %s skipped: %s:%d: %s\n", path, pd.file, pd.line,
                pd.message);
        free(text);
        free(events);
        return;
    }
    pm_trace_free(&probe);
    cli_input in = load(path, text);

    char *out, *err;
    int rc = run_check(&in, events, true, &out, &err);
    ck_assert_msg(rc == 0, "%s: CPython's log disagrees (%d):\n%s%s", path, rc, out, err);
    ck_assert(strstr(out, "agrees with the model") != NULL);
    free(out);
    free(err);

    /* The model's full log agrees without --observable-only. */
    pm_model *m = pm_model_new(in.profile, NULL);
    pm_diag d;
    ck_assert(pm_model_run(m, &in.trace, &d) == 0);
    pm_buf full = { 0 };
    for (int32_t i = 0; i < pm_model_event_count(m); i++)
        pm_format_event(&full, m, &in.trace, pm_model_event(m, i), false);
    rc = run_check(&in, full.data ? full.data : "", false, &out, &err);
    ck_assert_msg(rc == 0, "%s: the model's own log disagrees:\n%s%s", path, out, err);
    free(out);
    free(err);
    pm_buf_free(&full);
    pm_model_free(m);

    /* Spoiled logs: each event dropped (about 200 of them, evenly spread,
     * in a long log: each check runs the whole trace), the last one
     * changed, one added. */
    int n = 0;
    for (const char *p = events; *p; p++)
        n += *p == '\n';
    int stride = n > 200 ? n / 200 : 1;
    const char *line = events;
    for (int k = 0; k < n; k++) {
        const char *nl = strchr(line, '\n');
        if (k % stride != 0 && k != n - 1) {
            line = nl + 1;
            continue;
        }
        char *spoiled = malloc(elen + 1);
        size_t a = (size_t)(line - events);
        memcpy(spoiled, events, a);
        strcpy(spoiled + a, nl + 1);
        /* Dropping event k+1 shows at k+1 unless the next one is the same. */
        const char *next = nl + 1, *nnl = strchr(next, '\n');
        bool same = nnl && (nnl - next) == (nl - line) && !memcmp(next, line, (size_t)(nl - line));
        if (!same)
            expect_divergence_at(&in, spoiled, k + 1, "event dropped");
        free(spoiled);
        line = nl + 1;
    }
    if (n > 0 && events[elen - 2] >= '0' && events[elen - 2] <= '9') {
        char *changed = strdup(events);
        changed[elen - 2] = changed[elen - 2] == '9' ? '8' : '9';
        expect_divergence_at(&in, changed, n, "last event changed");
        free(changed);
    }
    char *added = malloc(elen + 32);
    sprintf(added, "%s999: collected 2 0\n", events);
    expect_divergence_at(&in, added, n + 1, "event added");
    free(added);

    unload(&in);
    free(text);
    free(events);
}
END_TEST

/* ------------------------------------------------------------- reports */

static const char example[] =
    "class Node instance slots=1 weakref del=observe\n"
    "new a Node            # o1\n"
    "new b Node a          # o2, b.s000 = a\n"
    "set a.0 b             # a <-> b\n"
    "weakref w a callback  # o3\n"
    "del a\n"
    "del b\n"
    "collect\n";

START_TEST(report_content)
{
    cli_input in = load("example.trace", example);
    char *out, *err;
    /* CPython prints callback o3, del o1, del o2, collected 2 2. */
    int rc = run_check(&in, "8: callback o3\n8: del o2\n8: del o1\n8: collected 2 2\n", true,
                       &out, &err);
    ck_assert_int_eq(rc, 1);
    const char *want[] = {
        "example.trace: log.events diverges from the model at event 2 (profile 3.11, "
        "observable events only)\n",
        "  operation  example.trace:8: collect\n",
        "  expected   8: del o1\n",
        "  seen       8: del o2   (log.events:2)\n",
        ">    2  8: del o1",
        ">    2  8: del o2",
        "    o1 (Node)\n      before: refcount 1, gen0, not finalized\n      after:  freed\n",
        "    o2 (Node)\n      before: refcount 1, gen0, not finalized\n      after:  freed\n",
        "  gc counts before line 8: 4 0 0; after: 0 0 0\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(out, want[i]) != NULL, "missing `%s` in:\n%s", want[i], out);
    free(out);
    free(err);

    /* Without --observable-only the model's `free` events are expected. */
    rc = run_check(&in, "8: callback o3\n8: del o1\n8: del o2\n8: collected 2 2\n", false, &out,
                   &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(out, "at event 4 ") && strstr(out, "expected   8: free o2") &&
                  strstr(out, "hint       log.events has no model-only events"), "%s", out);
    free(out);
    free(err);

    /* Events at a line that is no operation; objects the model never made. */
    rc = run_check(&in, "3: del o9\n", true, &out, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(out, "  expected   8: callback o3") &&
                  strstr(out, "  operation  example.trace:3: new b Node a") &&
                  strstr(out, "    o3\n      before: not created yet\n      after:  not "
                              "created yet\n") &&
                  strstr(out, "    o9\n      before: not created yet\n      after:  the model "
                              "never creates o9 (it numbers 3 objects in all)"), "%s", out);
    free(out);
    free(err);

    /* A log that stops early; a binding named in a query. */
    cli_input q = load("q.trace", "class N instance\nnew a N\nquery refcount a\n");
    rc = run_check(&q, "", true, &out, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(out, "  seen       no more events (log.events has 0)") &&
                  strstr(out, "    a: o1 (N)\n      before: refcount 1, gen0, not finalized; "
                              "bound to a\n"), "%s", out);
    free(out);
    free(err);
    rc = run_check(&q, "3:   refcount\ta  002\n", true, &out, &err);
    ck_assert_msg(rc == 0, "canonical spacing and numbers: %s%s", out, err);
    free(out);
    free(err);
    unload(&q);
    unload(&in);
}
END_TEST

/* --------------------------------------------------------- bad input */

START_TEST(bad_events)
{
    static const struct { const char *log, *error; } cases[] = {
        { "8 del o1\n", "log.events:1: error: expected `LINE: EVENT`, got `8 del o1`\n" },
        { "{\"line\":8}\n", "log.events:1: error: expected `LINE: EVENT`, got `{\"line\":8}` "
                             "(give the text format, not JSON)\n" },
        { "\n8:\n", "log.events:2: error: no event after `8:`\n" },
        { "0: del o1\n", "log.events:1: error: expected `LINE: EVENT`, got `0: del o1`\n" },
        { "8: delete o1\n", "log.events:1: error: unknown event `delete`\n" },
        { "8: del\n", "log.events:1: error: `del` takes 1 argument, got 0\n" },
        { "8: del 1\n", "log.events:1: error: expected an object `oN`, got `1`\n" },
        { "8: count 1 2\n", "log.events:1: error: `count` takes 3 arguments, got 2\n" },
        { "8: stats 1 2 3 4 5 6 7 8 x\n", "log.events:1: error: expected a number, got `x`\n" },
        { "8: tracked 1a 1\n", "log.events:1: error: expected a binding name, got `1a`\n" },
        { "8: garbage o1 x\n", "log.events:1: error: expected an object `oN`, got `x`\n" },
        { "8: del o1\r\n", "log.events:1: error: control character 0x0D (lines end with LF "
                           "only)\n" },
        { "8: collected 2 99999999999999999999\n",
          "log.events:1: error: expected a number, got `99999999999999999999`\n" },
    };
    cli_input in = load("example.trace", example);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        int rc = run_check(&in, cases[i].log, true, &out, &err);
        ck_assert_msg(rc == 2, "case %zu: status %d", i, rc);
        ck_assert_str_eq(err, cases[i].error);
        ck_assert_str_eq(out, "");
        free(out);
        free(err);
    }
    /* A NUL byte. */
    pm_buf o = { 0 }, e = { 0 };
    ck_assert_int_eq(cli_check(&in, "log.events", "8: del o1\n\0", 11, true, &o, &e), 2);
    ck_assert_str_eq(e.data, "log.events:2: error: NUL byte in the event log\n");
    ck_assert(o.len == 0);
    pm_buf_free(&e);
    unload(&in);

    /* A trace the model stops on is bad input too. */
    cli_input bad = load("bad.trace", "class N instance slots=1\nnew a N\nset a.0 nobody\n");
    char *out, *err;
    ck_assert_int_eq(run_check(&bad, "", true, &out, &err), 2);
    ck_assert_str_eq(err, "bad.trace:3: error: name 'nobody' is not bound\n");
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
    unload(&bad);
}
END_TEST

/* ---------------------------------------------------------------- main */

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "test_check: cannot open %s\n", dir);
        exit(2);
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".trace") == 0) {
            char **p = realloc(paths, (size_t)(npaths + 1) * sizeof *p);
            char *s = malloc(strlen(dir) + n + 2);
            if (!p || !s)
                exit(2);
            paths = p;
            sprintf(s, "%s/%s", dir, e->d_name);
            paths[npaths++] = s;
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        collect(argv[i]);
    if (npaths == 0) {
        fprintf(stderr, "usage: test_check DIR...  (directories of traces)\n");
        return 2;
    }
    qsort(paths, (size_t)npaths, sizeof *paths, cmp);
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("check");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, cpython_logs, 0, npaths);
    tcase_add_test(tc, report_content);
    tcase_add_test(tc, bad_events);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    for (int i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    return failed ? 1 : 0;
}
