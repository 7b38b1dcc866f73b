/* test_serve.c: the lockstep protocol (model/cli/serve.c) and the sessions
 * under it (model/api_lockstep.c).
 *
 * For every trace given (directories in argv) and every profile, three
 * properties:
 *  - lockstep equals run: its lines sent one request each give, line by
 *    line, exactly the JSON events `pymemref run --json` prints;
 *  - a refused line changes nothing: with a failing line (static and
 *    dynamic errors) after every line, the answers to the other lines are
 *    those of the trace in which the failing lines are comments;
 *  - a reset starts from the initial state: the trace sent twice with a
 *    reset between gives the same answers twice.
 * Then the protocol itself: control requests, errors, JSON decoding.
 *
 * Usage: test_serve DIR... */
#define _POSIX_C_SOURCE 200809L
#define CLI_NO_MAIN
#include "cli/serve.c"
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

static int nprofiles;

static cli_server server_on(const pm_profile *p)
{
    cli_server sv;
    ck_assert_int_eq(cli_serve_init(&sv, p, NULL, false), 0);
    return sv;
}

static cli_server server(void) { return server_on(pm_profile_find("3.11")); }

/* The answer to REQ (a JSON line). */
static char *ask(cli_server *sv, const char *req)
{
    pm_buf out = { 0 };
    cli_serve_request(sv, req, strlen(req), &out);
    ck_assert(!out.oom && out.len > 0 && out.data[out.len - 1] == '\n');
    char *s = strdup(out.data);
    pm_buf_free(&out);
    return s;
}

static void ask_eq(cli_server *sv, const char *req, const char *want)
{
    char *got = ask(sv, req);
    ck_assert_msg(strcmp(got, want) == 0, "request %s\n  got  %s  want %s", req, got, want);
    free(got);
}

/* {"op": LINE} with LINE escaped as JSON. */
static char *op_request(const char *line, size_t n)
{
    pm_buf b = { 0 };
    pm_buf_printf(&b, "{\"op\": ");
    sv_json_string(&b, line, n);
    pm_buf_printf(&b, "}");
    ck_assert(!b.oom);
    return b.data;
}

/* Whether the parser takes PATH's TEXT (test_model reports those it
 * refuses; the properties here are about traces the model runs). */
static bool parses(const char *path, const char *text, size_t len)
{
    pm_trace t;
    pm_diag d;
    if (pm_trace_parse(path, text, len, &t, &d) == 0) {
        pm_trace_free(&t);
        return true;
    }
    fprintf(stderr, "test_serve: %s skipped: %s:%d: %s\n", path, d.file, d.line, d.message);
    return false;
}

/* Whether the model runs PATH's TEXT under profile P without a dynamic
 * error: a trace may stop with one on some profiles only, as CPython does
 * (3.14's increments: tests/conformance/del_create_in_collection_counts).
 * The properties here are about runs that complete. */
static bool runs(const char *path, const char *text, size_t len, const pm_profile *p)
{
    pm_trace t;
    pm_diag d;
    if (pm_trace_parse(path, text, len, &t, &d) != 0)
        return false;
    pm_model *m = pm_model_new(p, NULL);
    bool ok = m && pm_model_run(m, &t, &d) == 0;
    if (!ok)
        fprintf(stderr, "test_serve: %s skipped on %s: %s:%d: %s\n", path, p->name, d.file,
                d.line, d.message);
    pm_model_free(m);
    pm_trace_free(&t);
    return ok;
}

/* What `run --json` prints for TEXT, as one answer per line of TEXT. */
static char **run_answers(const char *path, const char *text, size_t len,
                          const pm_profile *p, int *nlines)
{
    pm_trace t;
    pm_diag d;
    ck_assert_msg(pm_trace_parse(path, text, len, &t, &d) == 0, "%s:%d: %s", path, d.line,
                  d.message);
    pm_model *m = pm_model_new(p, NULL);
    ck_assert_msg(pm_model_run(m, &t, &d) == 0, "%s:%d: %s", path, d.line, d.message);
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    if (len && text[len - 1] != '\n')
        n++;
    char **ans = calloc((size_t)n + 1, sizeof *ans);
    int32_t k = 0;
    for (int line = 1; line <= n; line++) {
        pm_buf b = { 0 };
        pm_buf_printf(&b, "{\"line\":%d,\"events\":[", line);
        for (const char *sep = ""; k < pm_model_event_count(m) &&
                                   pm_model_event(m, k)->line == line; k++, sep = ",") {
            pm_buf_printf(&b, "%s", sep);
            pm_format_event(&b, m, &t, pm_model_event(m, k), true);
            b.len--;
        }
        pm_buf_printf(&b, "]}\n");
        ans[line - 1] = b.data;
    }
    ck_assert_int_eq(k, pm_model_event_count(m));
    pm_model_free(m);
    pm_trace_free(&t);
    *nlines = n;
    return ans;
}

static void free_answers(char **a, int n)
{
    for (int i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

/* Send the lines of TEXT; each answer must be WANT[i]. */
static void send_lines(cli_server *sv, const char *path, const char *text, size_t len,
                       char **want, int n)
{
    const char *p = text, *end = text + len;
    for (int i = 0; i < n; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *req = op_request(p, l);
        char *got = ask(sv, req);
        ck_assert_msg(strcmp(got, want[i]) == 0, "%s:%d (profile %s): lockstep differs "
                      "from run\n  lockstep %s  run      %s", path, i + 1,
                      pm_session_profile(sv->session)->name, got, want[i]);
        free(got);
        free(req);
        p = nl ? nl + 1 : end;
    }
}

START_TEST(lockstep_equals_run)
{
    const char *path = paths[_i / nprofiles];
    const pm_profile *prof = pm_profiles()[_i % nprofiles];
    size_t len;
    char *text = slurp(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    if (!parses(path, text, len) || !runs(path, text, len, prof)) {
        free(text);
        return;
    }
    int n;
    char **want = run_answers(path, text, len, prof, &n);
    cli_server sv = server_on(prof);
    send_lines(&sv, path, text, len, want, n);
    char reset[96];
    snprintf(reset, sizeof reset, "{\"reset\":true,\"profile\":\"%s\",\"line\":0}\n", prof->name);
    ask_eq(&sv, "{\"reset\": true}", reset);
    send_lines(&sv, path, text, len, want, n);
    cli_serve_free(&sv);
    free_answers(want, n);
    free(text);
}
END_TEST

/* Failing lines, each followed by the error it must get (%s: a name the
 * trace does not use). */
static const char *const failing[][2] = {
    { "query refcount zzq", "name 'zzq' is not bound" },
    { "bind zzq zzr", "name 'zzr' is not bound" },
    { "new zzq NoSuchClass", "unknown class `NoSuchClass`" },
    { "set zzq.0 _", "name 'zzq' is not bound" },
    { "weakref zzq zzr callback", "name 'zzr' is not bound" },
    { "collect 3", "generation 3 out of range (0, 1 or 2)" },
    { "class 9x atom", "bad class name `9x`: a name starts with a letter" },
};
#define NFAILING (sizeof failing / sizeof failing[0])

START_TEST(refused_lines_change_nothing)
{
    const char *path = paths[_i / nprofiles];
    const pm_profile *prof = pm_profiles()[_i % nprofiles];
    size_t len;
    char *text = slurp(path, &len);
    ck_assert(text != NULL);
    if (!parses(path, text, len) || !runs(path, text, len, prof)) {
        free(text);
        return;
    }
    /* The same trace with a commented failing line after each line. */
    pm_buf mixed = { 0 }, commented = { 0 };
    const char *p = text, *end = text + len;
    int k = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        pm_buf_printf(&mixed, "%.*s\n%s\n", (int)l, p, failing[k % NFAILING][0]);
        pm_buf_printf(&commented, "%.*s\n# %s\n", (int)l, p, failing[k % NFAILING][0]);
        k++;
        p = nl ? nl + 1 : end;
    }
    int n;
    char **want = run_answers(path, commented.data, commented.len, prof, &n);
    for (int i = 1; i < n; i += 2) {
        free(want[i]);
        pm_buf b = { 0 };
        pm_buf_printf(&b, "{\"error\":\"%s\",\"line\":%d}\n", failing[(i / 2) % NFAILING][1],
                      i + 1);
        want[i] = b.data;
    }
    cli_server sv = server_on(prof);
    send_lines(&sv, path, mixed.data, mixed.len, want, n);
    cli_serve_free(&sv);
    free_answers(want, n);
    pm_buf_free(&mixed);
    pm_buf_free(&commented);
    free(text);
}
END_TEST

/* A dynamic error must not leave its static effects: `new a N zz` refused,
 * a is still the list with six slots for the parser's check of `set`. */
START_TEST(refused_line_keeps_static_classes)
{
    cli_server sv = server();
    ask_eq(&sv, "{\"op\": \"class N instance slots=1\"}", "{\"line\":1,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"class L list slots=6\"}", "{\"line\":2,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"new a L\"}", "{\"line\":3,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"new a N zz\"}",
           "{\"error\":\"name 'zz' is not bound\",\"line\":4}\n");
    ask_eq(&sv, "{\"op\": \"set a.5 a\"}", "{\"line\":5,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"set a.6 a\"}",
           "{\"error\":\"slot 6 out of range for class `L` (6 slots)\",\"line\":6}\n");
    /* Dynamic checks of set and weakref. */
    ask_eq(&sv, "{\"op\": \"class T tuple slots=1\"}", "{\"line\":7,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"new t T _\"}", "{\"line\":8,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"bind u t\"}", "{\"line\":9,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"set u.0 a\"}",
           "{\"error\":\"cannot set a slot of 'u': it is a tuple\",\"line\":10}\n");
    /* v may be rebound by a finalizer: its class is only known at run time. */
    ask_eq(&sv, "{\"op\": \"class R instance del=resurrect:v\"}", "{\"line\":11,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"bind v a\"}", "{\"line\":12,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"set v.7 a\"}",
           "{\"error\":\"slot 7 out of range for the object bound to 'v' (6 slots)\","
           "\"line\":13}\n");
    ask_eq(&sv, "{\"op\": \"weakref w v\"}",
           "{\"error\":\"cannot create a weak reference to the object bound to 'v'\","
           "\"line\":14}\n");
    ask_eq(&sv, "{\"op\": \"new n N\"}", "{\"line\":15,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"weakref w n\"}",
           "{\"error\":\"cannot create a weak reference to the object bound to 'n'\","
           "\"line\":16}\n");
    /* CPython prints 4 here for the trace without the refused lines. */
    ask_eq(&sv, "{\"op\": \"query refcount a\"}",
           "{\"line\":17,\"events\":[{\"line\":17,\"event\":\"refcount\",\"name\":\"a\","
           "\"result\":4}]}\n");
    cli_serve_free(&sv);
}
END_TEST

START_TEST(control_requests)
{
    cli_server sv = server();
    ask_eq(&sv, "{\"op\": \"class N instance slots=1 weakref del=observe\"}",
           "{\"line\":1,\"events\":[]}\n");
    ask_eq(&sv, " { \"op\" : \"new \\u0061 N\" } ", "{\"line\":2,\"events\":[]}\n");
    ask_eq(&sv, "{\"inspect\": \"a\"}",
           "{\"inspect\":\"a\",\"bound\":true,\"obj\":1,\"class\":\"N\",\"refcount\":1,"
           "\"where\":\"gen0\",\"tracked\":true,\"finalized\":false}\n");
    ask_eq(&sv, "{\"inspect\": \"nobody\"}", "{\"inspect\":\"nobody\",\"bound\":false}\n");
    ask_eq(&sv, "{\"op\": \"weakref w a\"}", "{\"line\":3,\"events\":[]}\n");
    ask_eq(&sv, "{\"inspect\": \"w\"}",
           "{\"inspect\":\"w\",\"bound\":true,\"obj\":2,\"class\":\"weakref\",\"refcount\":1,"
           "\"where\":\"gen0\",\"tracked\":true,\"finalized\":false,\"referent\":1}\n");
    ask_eq(&sv, "{\"op\": \"del a\"}",
           "{\"line\":4,\"events\":[{\"line\":4,\"event\":\"del\",\"obj\":1},"
           "{\"line\":4,\"event\":\"free\",\"obj\":1}]}\n");
    ask_eq(&sv, "{\"observable\": true}", "{\"observable\":true}\n");
    ask_eq(&sv, "{\"op\": \"new a N\"}", "{\"line\":5,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"del a\"}",
           "{\"line\":6,\"events\":[{\"line\":6,\"event\":\"del\",\"obj\":3}]}\n");
    ask_eq(&sv, "{\"op\": \"\"}", "{\"line\":7,\"events\":[]}\n");
    ask_eq(&sv, "{\"op\": \"   # only a comment\"}", "{\"line\":8,\"events\":[]}\n");
    ask_eq(&sv, "{\"profile\": \"3.11\"}", "{\"reset\":true,\"profile\":\"3.11\",\"line\":0}\n");
    ask_eq(&sv, "{\"op\": \"query refcount a\"}",
           "{\"error\":\"name 'a' is not bound\",\"line\":1}\n");
    ask_eq(&sv, "{\"reset\": true, \"profile\": \"3.11\"}",
           "{\"reset\":true,\"profile\":\"3.11\",\"line\":0}\n");
    ask_eq(&sv, "{\"op\": \"new a N\"}", "{\"error\":\"unknown class `N`\",\"line\":1}\n");
    cli_serve_free(&sv);
}
END_TEST

START_TEST(bad_requests)
{
    static const char *const cases[][2] = {
        { "", "bad request: a request is a JSON object" },
        { "[1]", "bad request: a request is a JSON object" },
        { "{}", "bad request: empty request" },
        { "{\"op\": \"collect\"", "bad request: expected `,` or `}`" },
        { "{\"op\": \"collect\"} x", "bad request: text after the request object" },
        { "{op: 1}", "bad request: expected a key" },
        { "{\"op\" \"collect\"}", "bad request: expected `:` after a key" },
        { "{\"op\": \"coll", "bad request: unterminated JSON string" },
        { "{\"op\": \"a\\qb\"}", "bad request: bad escape in a JSON string" },
        { "{\"op\": \"\\u12\"}", "bad request: bad \\u escape in a JSON string" },
        { "{\"op\": \"\\ud800\"}", "bad request: unpaired surrogate in a JSON string" },
        { "{\"op\": \"\\udc00\"}", "bad request: unpaired surrogate in a JSON string" },
        { "{\"op\": \"a\tb\"}", "bad request: control character in a JSON string" },
        { "{\"op\": \"\xff\"}", "bad request: invalid UTF-8 in the request" },
        { "{\"op\": {\"x\": 1}}", "bad request: nested objects and arrays are not requests" },
        { "{\"op\": tru}", "bad request: expected a JSON value" },
        { "{\"op\": -x}", "bad request: bad JSON number" },
        { "{\"opp\": 1}", "unknown key \"opp\" (expected op, reset, profile, observable or "
                          "inspect)" },
        { "{\"op\": \"a\", \"op\": \"b\"}", "key \"op\" given twice" },
        { "{\"op\": 1}", "\"op\" takes a string: one line of a trace" },
        { "{\"op\": \"collect\", \"reset\": true}", "a request is one of op, reset (with or "
          "without profile), profile, observable or inspect" },
        { "{\"reset\": false}", "\"reset\" takes true" },
        { "{\"profile\": \"2.7\"}", NULL },          /* unknown profile */
        { "{\"profile\": \"3.11\\u0000\"}", NULL },
        { "{\"observable\": 1}", "\"observable\" takes true or false" },
        { "{\"inspect\": null}", "\"inspect\" takes a binding name" },
    };
    pm_buf unknown = { 0 };
    pm_buf_printf(&unknown, "unknown profile (known:");
    for (const pm_profile *const *k = pm_profiles(); *k; k++)
        pm_buf_printf(&unknown, " %s", (*k)->name);
    pm_buf_printf(&unknown, ")");
    cli_server sv = server();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *msg = cases[i][1] ? cases[i][1] : unknown.data;
        pm_buf want = { 0 };
        pm_buf_printf(&want, "{\"error\":");
        sv_json_string(&want, msg, strlen(msg));
        pm_buf_printf(&want, ",\"line\":null}\n");
        ask_eq(&sv, cases[i][0], want.data);
        pm_buf_free(&want);
    }
    /* Not a request's fault: lines the trace parser refuses. */
    ask_eq(&sv, "{\"op\": \"new a\\nnew b\"}",
           "{\"error\":\"a line holds one operation (the text has a newline)\",\"line\":1}\n");
    ask_eq(&sv, "{\"op\": \"new \\u0000\"}",
           "{\"error\":\"NUL byte in the trace\",\"line\":2}\n");
    ask_eq(&sv, "{\"op\": \"say \\\"hi\\\" \\\\ \\ud83d\\ude00\"}",
           "{\"error\":\"unknown operation `say`\",\"line\":3}\n");
    ask_eq(&sv, "{\"op\": \"new \\\"q\\\\ x\"}",
           "{\"error\":\"bad binding name `\\\"q\\\\`: a name starts with a letter\","
           "\"line\":4}\n");
    ask_eq(&sv, "{\"op\": \"new \\ud83d\\ude00 x\"}",
           "{\"error\":\"bad binding name `\xf0\x9f\x98\x80`: a name starts with a letter\","
           "\"line\":5}\n");
    /* A line longer than the trace language allows. */
    pm_buf big = { 0 };
    pm_buf_printf(&big, "{\"op\": \"collect %04100d\"}", 0);
    ask_eq(&sv, big.data, "{\"error\":\"line longer than 4096 bytes\",\"line\":6}\n");
    pm_buf_free(&big);
    /* An unknown key cut on a UTF-8 boundary (found by fuzz_lockstep). */
    ask_eq(&sv, "{\"res000000000000000000000000000000000000\u00e9\": 1}",
           "{\"error\":\"unknown key \\\"res000000000000000000000000000000000000\\\" "
           "(expected op, reset, profile, observable or inspect)\",\"line\":null}\n");
    cli_serve_free(&sv);
    pm_buf_free(&unknown);
}
END_TEST

/* The session API under the protocol. */
START_TEST(session_api)
{
    pm_session *s = pm_session_new(pm_profile_find("3.11"), NULL, "api");
    ck_assert_ptr_nonnull(s);
    pm_diag d;
    const char *lines[] = { "class N instance del=observe", "new a N", "", "del a" };
    int rcs[] = { 0, 0, 0, 0 };
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pm_session_apply(s, lines[i], strlen(lines[i]), &d), rcs[i]);
    ck_assert_int_eq(pm_session_line(s), 4);
    const pm_model *m = pm_session_model(s);
    ck_assert_int_eq(pm_model_event_count(m) - pm_session_first_event(s), 2);
    ck_assert_int_eq(pm_model_event(m, pm_session_first_event(s))->kind, PM_EV_DEL);
    ck_assert_int_eq(pm_session_trace(s)->nops, 3);
    ck_assert_int_eq(pm_session_apply(s, "del", 3, &d), -1);
    ck_assert_str_eq(d.file, "api");
    ck_assert_int_eq(d.line, 5);
    ck_assert_str_eq(d.message, "expected a binding name after `del`");
    ck_assert_int_eq(pm_session_trace(s)->nops, 3);
    ck_assert_int_eq(pm_model_event_count(m) - pm_session_first_event(s), 0);
    ck_assert(!pm_session_broken(s));
    ck_assert_int_eq(pm_session_reset(s, NULL), 0);
    ck_assert_int_eq(pm_session_line(s), 0);
    ck_assert_int_eq(pm_session_trace(s)->nops, 0);
    ck_assert_str_eq(pm_session_profile(s)->name, "3.11");
    pm_session_free(s);
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
        fprintf(stderr, "test_serve: cannot open %s\n", dir);
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
        fprintf(stderr, "usage: test_serve DIR...  (directories of traces)\n");
        return 2;
    }
    qsort(paths, (size_t)npaths, sizeof *paths, cmp);
    Suite *s = suite_create("serve");
    TCase *tc = tcase_create("serve");
    tcase_set_timeout(tc, 60);
    for (const pm_profile *const *p = pm_profiles(); *p; p++)
        nprofiles++;
    tcase_add_loop_test(tc, lockstep_equals_run, 0, npaths * nprofiles);
    tcase_add_loop_test(tc, refused_lines_change_nothing, 0, npaths * nprofiles);
    tcase_add_test(tc, refused_line_keeps_static_classes);
    tcase_add_test(tc, control_requests);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, session_api);
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
