/* fuzz_trace.c: libFuzzer target over parse + execute of a trace.
 *
 * Any input must be parsed without a crash; a bad one gets a diagnostic with
 * a line inside the input.  A trace that parses is run by the model under
 * every profile, with its heap invariants (pm_model_is_valid, spec/heap.md)
 * checked after every operation and every event formatted as text and JSON.
 * Then the same lines go through a lockstep session (model/api_lockstep.c)
 * one at a time, which must give the same events, the same error at the same
 * line, and never a broken session.
 *
 * Bounds, so that no input can hang: at most FT_MAX_INPUT bytes and
 * FT_MAX_OPS operations, and the run stops once the model holds more than
 * FT_MAX_OBJECTS objects (the model itself has no limit on objects). */
#include "pymemref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FT_MAX_INPUT   16384
#define FT_MAX_OPS     1000
#define FT_MAX_OBJECTS 20000

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_trace: %s: %s\n", what, detail);
    abort();
}

/* Every event of M from FIRST as text, then as JSON, but those of line
 * SKIP: a refused line has none in a session, while `run` may have begun the
 * operation (3.12+: a collection at its eval-breaker check) before the error. */
static void format_all(const pm_model *m, const pm_trace *t, int32_t first, int skip,
                       pm_buf *out)
{
    for (int32_t i = first; i < pm_model_event_count(m); i++) {
        const pm_event *e = pm_model_event(m, i);
        if (e->line == skip)
            continue;
        pm_format_event(out, m, t, e, false);
        pm_format_event(out, m, t, e, true);
    }
}

static void run_profile(const pm_profile *p, const char *text, size_t size, int nlines,
                        const pm_trace *tp)
{
    pm_diag d;
    pm_model *m = pm_model_new(p, NULL);
    if (!m)
        die("pm_model_new", "out of memory");
    int stop_line = nlines, err_line = 0;
    char err[256] = "", why[256];
    for (int32_t i = 0; i < tp->nops; i++) {
        if (pm_model_step(m, tp, &tp->ops[i], &d)) {
            err_line = stop_line = tp->ops[i].line;
            snprintf(err, sizeof err, "%s", d.message);
            break;
        }
        if (!pm_model_is_valid(m, why, sizeof why))
            die("heap invariant broken", why);
        if (pm_model_object_count(m) > FT_MAX_OBJECTS) {
            stop_line = tp->ops[i].line;
            break;
        }
    }
    pm_buf whole = { 0 };
    format_all(m, tp, 0, err_line, &whole);

    /* The same lines one at a time. */
    pm_session *s = pm_session_new(p, NULL, "fuzz.trace");
    if (!s)
        die("pm_session_new", "out of memory");
    pm_buf step = { 0 };
    const char *q = text, *end = text + size;
    for (int line = 1; line <= stop_line && q < end; line++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);
        int rc = pm_session_apply(s, q, n, &d);
        if (rc == -2)
            die("broken session", d.message);
        if ((rc != 0) != (line == err_line))
            die(rc ? "lockstep refused a line the trace runs" : "lockstep ran a failing line",
                rc ? d.message : err);
        if (rc && (d.line != err_line || strcmp(d.message, err)))
            die("lockstep gave another error", d.message);
        format_all(pm_session_model(s), pm_session_trace(s), pm_session_first_event(s), 0,
                   &step);
        q = nl ? nl + 1 : end;
    }
    if (whole.oom || step.oom)
        die("format", "out of memory");
    if (whole.len != step.len || (whole.len && memcmp(whole.data, step.data, whole.len)))
        die("lockstep events differ from the whole run", "");

    pm_buf_free(&whole);
    pm_buf_free(&step);
    pm_session_free(s);
    pm_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FT_MAX_INPUT)
        return 0;
    const char *text = (const char *)data;
    int nlines = 0;
    for (size_t i = 0; i < size; i++)
        nlines += text[i] == '\n';
    nlines += size > 0 && text[size - 1] != '\n';

    pm_trace t;
    pm_diag d;
    if (pm_trace_parse("fuzz.trace", text, size, &t, &d)) {
        if (d.line < 1 || d.line > nlines || !d.message[0] || strcmp(d.file, "fuzz.trace"))
            die("bad diagnostic", d.message);
        return 0;
    }
    if (t.nops > FT_MAX_OPS) {
        pm_trace_free(&t);
        return 0;
    }

    /* Every profile: the whole trace as `pymemref run` does it, then the
     * same lines one at a time. */
    for (const pm_profile *const *pp = pm_profiles(); *pp; pp++)
        run_profile(*pp, text, size, nlines, &t);
    pm_trace_free(&t);
    return 0;
}
