/* test_model.c: the model against CPython, one check test per trace.
 *
 * Each tests/traces/NAME.trace and tests/examples/NAME.trace has beside it
 * NAME.cpython-3.11.events: the observable events that real CPython 3.11
 * printed for that trace, produced by fuzz/cpython/driver.py under the
 * machine's python3 (fuzz/cpython/regen.sh writes them; `make test`
 * re-confirms them against the live interpreter with `regen.sh --check`).
 * The model must print exactly those events, and its heap must satisfy
 * pm_model_is_valid (spec/heap.md) after every operation.
 *
 * Usage: test_model DIR...  (every *.trace in each DIR) */
#define _POSIX_C_SOURCE 200809L
#include "pymemref.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char **paths;
static int npaths;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
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

/* The first line where A and B differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    int line = 1;
    const char *la = a, *lb = b;
    while (*a && *a == *b) {
        if (*a == '\n') {
            line++;
            la = a + 1;
            lb = b + 1;
        }
        a++;
        b++;
    }
    int ea = (int)strcspn(la, "\n"), eb = (int)strcspn(lb, "\n");
    snprintf(out, len, "event line %d: model '%.*s', CPython '%.*s'", line, ea, la, eb, lb);
}

START_TEST(test_trace)
{
    const char *path = paths[_i];
    size_t len, elen;
    char *text = slurp(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);

    char expected_path[4096];
    snprintf(expected_path, sizeof expected_path, "%.*s.cpython-3.11.events",
             (int)(strlen(path) - strlen(".trace")), path);
    char *expected = slurp(expected_path, &elen);
    ck_assert_msg(expected != NULL, "%s: no CPython expectation %s", path, expected_path);

    pm_trace t;
    pm_diag d;
    ck_assert_msg(pm_trace_parse(path, text, len, &t, &d) == 0, "%s:%d: error: %s", path,
                  d.line, d.message);
    pm_model *m = pm_model_new(pm_profile_find("3.11"), NULL);
    ck_assert(m != NULL);
    for (int32_t i = 0; i < t.nops; i++) {
        ck_assert_msg(pm_model_step(m, &t, &t.ops[i], &d) == 0, "%s:%d: error: %s", path,
                      d.line, d.message);
        char why[256];
        ck_assert_msg(pm_model_is_valid(m, why, sizeof why),
                      "%s:%d: heap invariant broken: %s", path, t.ops[i].line, why);
    }
    pm_buf out = { 0 };
    for (int32_t i = 0; i < pm_model_event_count(m); i++) {
        const pm_event *e = pm_model_event(m, i);
        if (pm_event_observable(e->kind))
            pm_format_event(&out, m, &t, e, false);
    }
    ck_assert(!out.oom);
    const char *got = out.data ? out.data : "";
    if (strcmp(got, expected) != 0) {
        char diff[512];
        first_difference(got, expected, diff, sizeof diff);
        ck_abort_msg("%s: the model disagrees with CPython 3.11: %s", path, diff);
    }
    pm_buf_free(&out);
    pm_model_free(m);
    pm_trace_free(&t);
    free(text);
    free(expected);
}
END_TEST

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "test_model: cannot open %s\n", dir);
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
        fprintf(stderr, "test_model: no traces found\n");
        return 2;
    }
    qsort(paths, (size_t)npaths, sizeof *paths, cmp);
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("traces against CPython 3.11");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_trace, 0, npaths);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    for (int i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    return failed ? 1 : 0;
}
