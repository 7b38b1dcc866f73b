/* serve.c: `pymemref serve`, the lockstep protocol (spec/trace.md, "The
 * lockstep protocol"): JSON Lines on stdin and stdout, one answer per
 * request, in order, flushed after each.
 *
 *   {"op": "new a Node"}               -> {"line":2,"events":[...]}
 *   {"reset": true}, {"profile": "V"}  -> {"reset":true,"profile":"V","line":0}
 *   {"observable": true|false}         -> {"observable":true|false}
 *   {"inspect": "a"}                   -> what the model knows about a's object
 *   a refused request                  -> {"error":"...","line":N|null}
 *
 * The model side is a pm_session (model/api_lockstep.c). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SV_MAX_REQUEST 65536     /* bytes in one request line */

/* ------------------------------------------------------------ JSON output */

static void sv_put(pm_buf *b, const char *s, size_t n)
{
    if (!pm_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Length of the UTF-8 sequence at P (before END), or 0 when it is invalid. */
static size_t sv_utf8(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t more;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) { more = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { more = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { more = 3; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) <= more)
        return 0;
    for (size_t j = 1; j <= more; j++) {
        if ((p[j] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return more + 1;
}

/* S as a JSON string.  S comes from checked requests and the model's
 * messages, so it is UTF-8; a byte that is not (a message cut short) is
 * written as U+FFFD. */
static void sv_json_string(pm_buf *b, const char *s, size_t n)
{
    sv_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char)c };
            sv_put(b, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            pm_buf_printf(b, "\\u%04x", c);
        } else {
            size_t u = sv_utf8((const unsigned char *)s + i, (const unsigned char *)s + n);
            if (u)
                sv_put(b, s + i, u);
            else
                sv_put(b, "\xef\xbf\xbd", 3);
            i += u ? u - 1 : 0;
        }
    }
    sv_put(b, "\"", 1);
}

static void sv_error(pm_buf *out, const char *msg, int line)
{
    sv_put(out, "{\"error\":", 9);
    sv_json_string(out, msg, strlen(msg));
    if (line > 0)
        pm_buf_printf(out, ",\"line\":%d}\n", line);
    else
        pm_buf_printf(out, ",\"line\":null}\n");
}

/* ------------------------------------------------------------- JSON input */

typedef struct sv_reader {
    const char *p, *end;
    const char *err;
} sv_reader;

static void sv_ws(sv_reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n'))
        r->p++;
}

static void sv_utf8_put(pm_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    sv_put(b, u, n);
}

static bool sv_hex4(sv_reader *r, uint32_t *out)
{
    if (r->end - r->p < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    r->p += 4;
    *out = v;
    return true;
}

/* A JSON string at r->p (its opening quote) decoded into OUT. */
static bool sv_string(sv_reader *r, pm_buf *out)
{
    out->len = 0;
    sv_put(out, "", 0);
    r->p++;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) {
            r->err = "control character in a JSON string";
            return false;
        }
        if (c != '\\') {
            size_t n = sv_utf8((const unsigned char *)r->p, (const unsigned char *)r->end);
            if (!n) {
                r->err = "invalid UTF-8 in the request";
                return false;
            }
            sv_put(out, r->p, n);
            r->p += n;
            continue;
        }
        if (++r->p == r->end)
            break;
        char e = *r->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            sv_put(out, &map[simple - "\"\\/bfnrt"], 1);
        } else if (e == 'u') {
            uint32_t cp, lo;
            if (!sv_hex4(r, &cp)) {
                r->err = "bad \\u escape in a JSON string";
                return false;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u' ||
                    (r->p += 2, !sv_hex4(r, &lo)) || lo < 0xDC00 || lo > 0xDFFF) {
                    r->err = "unpaired surrogate in a JSON string";
                    return false;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                r->err = "unpaired surrogate in a JSON string";
                return false;
            }
            sv_utf8_put(out, cp);
        } else {
            r->err = "bad escape in a JSON string";
            return false;
        }
    }
    if (r->p == r->end) {
        r->err = "unterminated JSON string";
        return false;
    }
    r->p++;
    return !out->oom || (r->err = "out of memory", false);
}

typedef enum { SV_STRING, SV_TRUE, SV_FALSE, SV_NULL, SV_NUMBER } sv_type;

/* A scalar value; objects and arrays are refused. */
static bool sv_value(sv_reader *r, sv_type *type, pm_buf *str)
{
    static const struct { const char *word; sv_type type; } words[] = {
        { "true", SV_TRUE }, { "false", SV_FALSE }, { "null", SV_NULL }
    };
    if (r->p == r->end) {
        r->err = "expected a value";
        return false;
    }
    if (*r->p == '"') {
        *type = SV_STRING;
        return sv_string(r, str);
    }
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, words[i].word, n)) {
            r->p += n;
            *type = words[i].type;
            return true;
        }
    }
    if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
        const char *q = r->p + (*r->p == '-');
        if (q == r->end || !(*q >= '0' && *q <= '9')) {
            r->err = "bad JSON number";
            return false;
        }
        while (q < r->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' ||
                              *q == 'E' || *q == '+' || *q == '-'))
            q++;
        r->p = q;
        *type = SV_NUMBER;
        return true;
    }
    r->err = *r->p == '{' || *r->p == '[' ? "nested objects and arrays are not requests"
                                          : "expected a JSON value";
    return false;
}

/* ------------------------------------------------------------- requests */

enum { SV_K_OP, SV_K_RESET, SV_K_PROFILE, SV_K_OBSERVABLE, SV_K_INSPECT, SV_NKEYS };
static const char *const sv_keys[SV_NKEYS] = { "op", "reset", "profile", "observable",
                                               "inspect" };

typedef struct sv_request {
    bool has[SV_NKEYS];
    sv_type type[SV_NKEYS];
    pm_buf str[SV_NKEYS];
} sv_request;

static bool sv_parse(const char *s, size_t n, sv_request *q, char *err, size_t errlen)
{
    sv_reader r = { s, s + n, NULL };
    pm_buf key = { 0 };
    bool ok = false;
    sv_ws(&r);
    if (r.p == r.end || *r.p != '{') {
        r.err = "a request is a JSON object";
        goto done;
    }
    r.p++;
    sv_ws(&r);
    if (r.p < r.end && *r.p == '}') {
        r.err = "empty request";
        goto done;
    }
    for (;;) {
        sv_ws(&r);
        if (r.p == r.end || *r.p != '"') {
            r.err = "expected a key";
            goto done;
        }
        if (!sv_string(&r, &key))
            goto done;
        int k;
        for (k = 0; k < SV_NKEYS && strcmp(key.data, sv_keys[k]); k++)
            ;
        if (k == SV_NKEYS || strlen(key.data) != key.len) {
            int cut = key.len < 40 ? (int)key.len : 40;
            while (cut > 0 && ((unsigned char)key.data[cut] & 0xC0) == 0x80)
                cut--;                   /* on a UTF-8 boundary */
            snprintf(err, errlen, "unknown key \"%.*s\" (expected op, reset, profile, "
                     "observable or inspect)", cut, key.data);
            goto done_msg;
        }
        if (q->has[k]) {
            snprintf(err, errlen, "key \"%s\" given twice", sv_keys[k]);
            goto done_msg;
        }
        q->has[k] = true;
        sv_ws(&r);
        if (r.p == r.end || *r.p != ':') {
            r.err = "expected `:` after a key";
            goto done;
        }
        r.p++;
        sv_ws(&r);
        if (!sv_value(&r, &q->type[k], &q->str[k]))
            goto done;
        sv_ws(&r);
        if (r.p < r.end && *r.p == ',') {
            r.p++;
            continue;
        }
        if (r.p < r.end && *r.p == '}') {
            r.p++;
            break;
        }
        r.err = "expected `,` or `}`";
        goto done;
    }
    sv_ws(&r);
    if (r.p != r.end) {
        r.err = "text after the request object";
        goto done;
    }
    ok = true;
done:
    if (!ok)
        snprintf(err, errlen, "bad request: %s", r.err);
done_msg:
    pm_buf_free(&key);
    return ok;
}

static void sv_events(cli_server *sv, pm_buf *out)
{
    const pm_model *m = pm_session_model(sv->session);
    const pm_trace *t = pm_session_trace(sv->session);
    pm_buf_printf(out, "{\"line\":%d,\"events\":[", pm_session_line(sv->session));
    const char *sep = "";
    for (int32_t i = pm_session_first_event(sv->session); i < pm_model_event_count(m); i++) {
        const pm_event *e = pm_model_event(m, i);
        if (sv->observable && !pm_event_observable(e->kind))
            continue;
        pm_buf_printf(out, "%s", sep);
        pm_format_event(out, m, t, e, true);
        if (!out->oom)
            out->len--;                  /* its newline */
        sep = ",";
    }
    pm_buf_printf(out, "]}\n");
}

static void sv_inspect(cli_server *sv, const pm_buf *name, pm_buf *out)
{
    const pm_model *m = pm_session_model(sv->session);
    const pm_trace *t = pm_session_trace(sv->session);
    int32_t o = -1;
    for (int32_t k = 0; k < t->nnames && o < 0; k++)
        if (strlen(t->names[k]) == name->len && !memcmp(t->names[k], name->data, name->len))
            o = pm_model_binding(m, k);
    sv_put(out, "{\"inspect\":", 11);
    sv_json_string(out, name->data, name->len);
    pm_object_info info;
    if (o < 0 || !pm_model_object(m, o, &info)) {
        pm_buf_printf(out, ",\"bound\":false}\n");
        return;
    }
    pm_buf_printf(out, ",\"bound\":true,\"obj\":%d,\"class\":\"%s\",\"refcount\":%lld,"
                  "\"where\":\"%s\",\"tracked\":%s,\"finalized\":%s",
                  (int)info.uid, cli_class_name(m, t, o), (long long)info.refcnt,
                  cli_where_name(info.where), info.tracked ? "true" : "false",
                  info.finalized ? "true" : "false");
    if (info.kind == PM_KIND_WEAKREF) {
        int32_t r = pm_model_weakref_referent(m, o);
        pm_object_info ri;
        if (r >= 0 && pm_model_object(m, r, &ri))
            pm_buf_printf(out, ",\"referent\":%d", (int)ri.uid);
        else
            pm_buf_printf(out, ",\"referent\":null");
    }
    pm_buf_printf(out, "}\n");
}

static void sv_op(cli_server *sv, const pm_buf *text, pm_buf *out)
{
    pm_diag d;
    int rc = pm_session_apply(sv->session, text->data, text->len, &d);
    if (rc == 0) {
        sv_events(sv, out);
        return;
    }
    sv_put(out, "{\"error\":", 9);
    sv_json_string(out, d.message, strlen(d.message));
    pm_buf_printf(out, ",\"line\":%d%s}\n", pm_session_line(sv->session),
                  rc == -2 ? ",\"broken\":true" : "");
}

void cli_serve_request(cli_server *sv, const char *req, size_t len, pm_buf *out)
{
    sv_request q = { 0 };
    char err[200];
    if (!sv_parse(req, len, &q, err, sizeof err)) {
        sv_error(out, err, 0);
        goto done;
    }
    int nkinds = q.has[SV_K_OP] + (q.has[SV_K_RESET] || q.has[SV_K_PROFILE]) +
                 q.has[SV_K_OBSERVABLE] + q.has[SV_K_INSPECT];
    if (nkinds != 1) {
        sv_error(out, "a request is one of op, reset (with or without profile), profile, "
                 "observable or inspect", 0);
    } else if (q.has[SV_K_OP]) {
        if (q.type[SV_K_OP] != SV_STRING)
            sv_error(out, "\"op\" takes a string: one line of a trace", 0);
        else
            sv_op(sv, &q.str[SV_K_OP], out);
    } else if (q.has[SV_K_RESET] || q.has[SV_K_PROFILE]) {
        const pm_profile *p = NULL;
        if (q.has[SV_K_RESET] && q.type[SV_K_RESET] != SV_TRUE) {
            sv_error(out, "\"reset\" takes true", 0);
            goto done;
        }
        if (q.has[SV_K_PROFILE]) {
            if (q.type[SV_K_PROFILE] == SV_STRING)
                p = pm_profile_find(q.str[SV_K_PROFILE].data);
            if (!p || strlen(q.str[SV_K_PROFILE].data) != q.str[SV_K_PROFILE].len) {
                pm_buf msg = { 0 };
                pm_buf_printf(&msg, "unknown profile (known:");
                for (const pm_profile *const *k = pm_profiles(); *k; k++)
                    pm_buf_printf(&msg, " %s", (*k)->name);
                pm_buf_printf(&msg, ")");
                sv_error(out, msg.oom ? "unknown profile" : msg.data, 0);
                pm_buf_free(&msg);
                goto done;
            }
        }
        if (pm_session_reset(sv->session, p)) {
            sv_error(out, "out of memory: the session is broken", 0);
            goto done;
        }
        pm_buf_printf(out, "{\"reset\":true,\"profile\":\"%s\",\"line\":0}\n",
                      pm_session_profile(sv->session)->name);
    } else if (q.has[SV_K_OBSERVABLE]) {
        if (q.type[SV_K_OBSERVABLE] != SV_TRUE && q.type[SV_K_OBSERVABLE] != SV_FALSE) {
            sv_error(out, "\"observable\" takes true or false", 0);
            goto done;
        }
        sv->observable = q.type[SV_K_OBSERVABLE] == SV_TRUE;
        pm_buf_printf(out, "{\"observable\":%s}\n", sv->observable ? "true" : "false");
    } else {
        if (q.type[SV_K_INSPECT] != SV_STRING)
            sv_error(out, "\"inspect\" takes a binding name", 0);
        else
            sv_inspect(sv, &q.str[SV_K_INSPECT], out);
    }
done:
    for (int k = 0; k < SV_NKEYS; k++)
        pm_buf_free(&q.str[k]);
}

int cli_serve_init(cli_server *sv, const pm_profile *p, const pm_options *opts, bool observable)
{
    sv->observable = observable;
    sv->session = pm_session_new(p, opts, "<serve>");
    return sv->session ? 0 : -1;
}

void cli_serve_free(cli_server *sv)
{
    pm_session_free(sv->session);
    sv->session = NULL;
}

/* ------------------------------------------------------------ the command */
#ifndef CLI_NO_MAIN
/* One request line from F into LINE (at most SV_MAX_REQUEST bytes, newline
 * dropped).  Returns 1 for a line, 0 at the end, -1 for a line too long
 * (read to its end). */
static int sv_read_line(FILE *f, char *line, size_t *len)
{
    size_t n = 0;
    int c;
    bool any = false, too_long = false;
    while ((c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (n < SV_MAX_REQUEST)
            line[n++] = (char)c;
        else
            too_long = true;
    }
    *len = n;
    if (!any)
        return 0;
    return too_long ? -1 : 1;
}

int cli_serve_main(int argc, char **argv)
{
    const char *profile = NULL, *val;
    bool observable = false;
    pm_options opts = { 0 };
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            cli_print_help();
            return 0;
        } else if (!strcmp(argv[i], "--observable")) {
            observable = true;
        } else if (cli_option(argc, argv, &i, "--profile", &val)) {
            if (!val)
                return 2;
            profile = val;
        } else if (cli_option(argc, argv, &i, "--frozen-base", &val)) {
            int64_t v;
            if (!val)
                return 2;
            if (!cli_parse_count(val, INT64_MAX, &v))
                return cli_usage_error("`--frozen-base` needs a number, got `%s`", val);
            opts.frozen_base = v;
        } else {
            return cli_usage_error("unknown argument `%s` (serve reads its requests from "
                                   "stdin)", argv[i]);
        }
    }
    const pm_profile *p = cli_find_profile(profile);
    if (!p)
        return 2;
    cli_server sv;
    char *line = malloc(SV_MAX_REQUEST);
    if (!line || cli_serve_init(&sv, p, &opts, observable)) {
        fprintf(stderr, "pymemref: out of memory\n");
        free(line);
        return 2;
    }
    pm_buf out = { 0 };
    int rc = 0;
    size_t len;
    for (int got; (got = sv_read_line(stdin, line, &len)) != 0;) {
        out.len = 0;
        if (got < 0) {
            char msg[64];
            snprintf(msg, sizeof msg, "request longer than %d bytes", SV_MAX_REQUEST);
            sv_error(&out, msg, 0);
        } else {
            cli_serve_request(&sv, line, len, &out);
        }
        if (out.oom) {
            fprintf(stderr, "pymemref: out of memory\n");
            rc = 2;
            break;
        }
        if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
            fprintf(stderr, "pymemref: cannot write an answer\n");
            rc = 2;
            break;
        }
    }
    if (ferror(stdin)) {
        fprintf(stderr, "pymemref: cannot read the requests\n");
        rc = 2;
    }
    pm_buf_free(&out);
    cli_serve_free(&sv);
    free(line);
    return rc;
}
#endif
