/* model_batch.c: the model's side of the differential fuzzer
 * (build/pymemref-fuzz-model).  It answers the batch protocol of
 * fuzz/cpython/trace_batch.py with the model's observable events, so that
 * fuzz/fuzz.py compares the two answers as text:
 *
 *   %hello                -> %info profiles=3.11,3.12,...
 *   %trace NAME [profile=V] [frozen_base=N] [frozen_immortal=M]
 *   ...lines of the trace...
 *   %end                  -> its observable events, `LINE: EVENT`, then
 *                            [%error FILE:LINE: error: MESSAGE]
 *                            %done ok|error
 *
 * On an error nothing but the %error line is written for that trace.
 * usage: pymemref-fuzz-model [--profile V]   (the default profile) */
#include <pymemref.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[256];
    const pm_profile *profile;
    pm_options opts;
    char *text;
    size_t len, cap;
} block;

static int append(block *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return -1;
        b->text = t;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
    return 0;
}

static void answer(block *b, pm_buf *out)
{
    pm_trace t;
    pm_diag d;
    out->len = 0;
    if (!b->profile) {
        pm_buf_printf(out, "%%error %s:0: error: unknown profile\n%%done error\n",
                      b->name);
        return;
    }
    if (pm_trace_parse(b->name, b->text ? b->text : "", b->len, &t, &d) != 0) {
        pm_buf_printf(out, "%%error %s:%d: error: %s\n%%done error\n", b->name,
                      d.line, d.message);
        return;
    }
    pm_model *m = pm_model_new(b->profile, &b->opts);
    if (!m) {
        pm_trace_free(&t);
        pm_buf_printf(out, "%%error %s:0: error: out of memory\n%%done error\n",
                      b->name);
        return;
    }
    if (pm_model_run(m, &t, &d) != 0) {
        pm_buf_printf(out, "%%error %s:%d: error: %s\n%%done error\n", b->name,
                      d.line, d.message);
    } else {
        int32_t n = pm_model_event_count(m);
        for (int32_t i = 0; i < n; i++) {
            const pm_event *e = pm_model_event(m, i);
            if (pm_event_observable(e->kind))
                pm_format_event(out, m, &t, e, false);
        }
        pm_buf_printf(out, "%%done ok\n");
    }
    pm_model_free(m);
    pm_trace_free(&t);
}

/* "%trace NAME key=value..." */
static void header(block *b, char *line, const pm_profile *dflt)
{
    b->profile = dflt;
    b->opts = (pm_options){ 0 };
    b->len = 0;
    snprintf(b->name, sizeof b->name, "<trace>");
    char *save = NULL;
    char *tok = strtok_r(line + 6, " \t", &save);
    for (int i = 0; tok; tok = strtok_r(NULL, " \t", &save), i++) {
        if (strncmp(tok, "profile=", 8) == 0)
            b->profile = pm_profile_find(tok + 8);
        else if (strncmp(tok, "frozen_base=", 12) == 0)
            b->opts.frozen_base = strtoll(tok + 12, NULL, 10);
        else if (strncmp(tok, "frozen_immortal=", 16) == 0)
            b->opts.frozen_immortal = strtoll(tok + 16, NULL, 10);
        else if (i == 0)
            snprintf(b->name, sizeof b->name, "%s", tok);
    }
}

int main(int argc, char **argv)
{
    const pm_profile *dflt = pm_profile_find("3.11");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            dflt = pm_profile_find(argv[++i]);
            if (!dflt) {
                fprintf(stderr, "pymemref-fuzz-model: unknown profile %s\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: pymemref-fuzz-model [--profile V]\n");
            return 2;
        }
    }
    block b = { 0 };
    pm_buf out = { 0 };
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool in_trace = false;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (in_trace) {
            if (strcmp(line, "%end\n") == 0 || strcmp(line, "%end") == 0) {
                in_trace = false;
                answer(&b, &out);
                if (out.oom) {
                    fputs("%error <batch>:0: error: out of memory\n%done error\n", stdout);
                } else {
                    fwrite(out.data, 1, out.len, stdout);
                }
                fflush(stdout);
            } else if (append(&b, line, (size_t)n) != 0) {
                fprintf(stderr, "pymemref-fuzz-model: out of memory\n");
                return 2;
            }
        } else if (strncmp(line, "%trace", 6) == 0) {
            line[strcspn(line, "\n")] = '\0';
            header(&b, line, dflt);
            in_trace = true;
        } else if (strncmp(line, "%hello", 6) == 0) {
            fputs("%info profiles=", stdout);
            const pm_profile *const *p = pm_profiles();
            for (int i = 0; p[i]; i++)
                printf("%s%s", i ? "," : "", p[i]->name);
            fputs("\n", stdout);
            fflush(stdout);
        } else if (line[0] != '\n') {
            fputs("%error <batch>:0: error: unexpected line\n%done error\n", stdout);
            fflush(stdout);
        }
    }
    free(line);
    free(b.text);
    pm_buf_free(&out);
    return 0;
}
