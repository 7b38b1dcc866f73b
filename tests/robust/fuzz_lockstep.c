/* fuzz_lockstep.c: libFuzzer target over the lockstep protocol
 * (model/cli/serve.c over model/api_lockstep.c).
 *
 * The input is a stream of requests, one per line, answered by
 * cli_serve_request as `pymemref serve` answers them.  Every answer must be
 * exactly one line of UTF-8 that starts with `{` and ends with `}`, the
 * session must never break (no request can make the model fail inside an
 * operation), and the heap invariants must hold after every request.
 *
 * Bounds: at most FL_MAX_INPUT bytes and FL_MAX_REQUESTS requests; once the
 * model holds more than FL_MAX_OBJECTS objects the session is reset. */
#define CLI_NO_MAIN
#include "cli/serve.c"
#include "cli/common.c"

#define FL_MAX_INPUT    16384
#define FL_MAX_REQUESTS 1000
#define FL_MAX_OBJECTS  20000

static void die(const char *what, const char *detail, size_t n)
{
    fprintf(stderr, "fuzz_lockstep: %s: %.*s\n", what, (int)n, detail);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FL_MAX_INPUT)
        return 0;
    cli_server sv;
    if (cli_serve_init(&sv, pm_profile_find("3.11"), NULL, false))
        die("cli_serve_init", "out of memory", 13);
    pm_buf out = { 0 };
    const char *p = (const char *)data, *end = p + size;
    char why[256];
    for (int k = 0; k < FL_MAX_REQUESTS && p < end; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        out.len = 0;
        cli_serve_request(&sv, p, n, &out);
        if (out.oom)
            die("answer", "out of memory", 13);
        if (out.len < 3 || out.data[0] != '{' || out.data[out.len - 2] != '}' ||
            out.data[out.len - 1] != '\n' || memchr(out.data, '\n', out.len - 1))
            die("not one JSON line", out.data ? out.data : "", out.len);
        for (size_t i = 0; i < out.len;) {
            size_t u = sv_utf8((const unsigned char *)out.data + i,
                               (const unsigned char *)out.data + out.len);
            if (!u || ((unsigned char)out.data[i] < 0x20 && i != out.len - 1))
                die("answer is not clean UTF-8", out.data, out.len);
            i += u;
        }
        if (pm_session_broken(sv.session))
            die("broken session", out.data, out.len);
        const pm_model *m = pm_session_model(sv.session);
        if (!pm_model_is_valid(m, why, sizeof why))
            die("heap invariant broken", why, strlen(why));
        if (pm_model_object_count(m) > FL_MAX_OBJECTS)
            cli_serve_request(&sv, "{\"reset\":true}", 14, &out);
        p = nl ? nl + 1 : end;
    }
    pm_buf_free(&out);
    cli_serve_free(&sv);
    return 0;
}
