/* export.c: `pymemref export --python`, a trace as a standalone Python test.
 *
 * The file holds the trace, the observable events the model expects for it
 * under the chosen profile, and the text of the CPython driver's modules
 * (fuzz/cpython/trace_parse.py, trace_gen.py, trace_exec.py), read when the
 * export runs and loaded from strings when the test runs, so that one file
 * is the whole test.  The test runs the trace with the driver in the
 * interpreter that runs it and compares the events one by one (stdlib
 * unittest only).  With --dir, several traces become test_NAME.py files in
 * one folder beside a run_all.py that runs each in its own process and
 * prints `N passed, M failed`.  Everything is written in ASCII. */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const cli_driver_files[CLI_DRIVER_FILES] = {
    "trace_parse.py", "trace_gen.py", "trace_exec.py"
};
static const char *const ex_module[CLI_DRIVER_FILES] = {
    "trace_parse", "trace_gen", "trace_exec"
};

/* ------------------------------------------------------ Python literals */

/* Bytes S as one b"..." literal. */
static void ex_bytes(pm_buf *b, const char *s, size_t n)
{
    pm_buf_printf(b, "b\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"')
            pm_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            pm_buf_printf(b, "\\n");
        else if (c >= 0x20 && c < 0x7f)
            pm_buf_printf(b, "%c", c);
        else
            pm_buf_printf(b, "\\x%02x", c);
    }
    pm_buf_printf(b, "\"");
}

/* TEXT as a parenthesized run of b"..." literals, one per line. */
static void ex_bytes_block(pm_buf *b, const char *s, size_t n, const char *indent)
{
    pm_buf_printf(b, "(\n");
    for (size_t pos = 0; pos < n;) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - s) + 1 : n;
        pm_buf_printf(b, "%s    ", indent);
        ex_bytes(b, s + pos, end - pos);
        pm_buf_printf(b, "\n");
        pos = end;
    }
    if (n == 0)
        pm_buf_printf(b, "%s    b\"\"\n", indent);
    pm_buf_printf(b, "%s)", indent);
}

/* UTF-8 text S (already checked by the trace parser) as a "..." literal
 * written in ASCII. */
static void ex_str(pm_buf *b, const char *s, size_t n)
{
    pm_buf_printf(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"') {
            pm_buf_printf(b, "\\%c", c);
        } else if (c == '\n') {
            pm_buf_printf(b, "\\n");
        } else if (c >= 0x20 && c < 0x7f) {
            pm_buf_printf(b, "%c", c);
        } else if (c < 0x80) {
            pm_buf_printf(b, "\\x%02x", c);
        } else {
            uint32_t cp;
            size_t more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            cp = c & (more == 3 ? 0x07 : more == 2 ? 0x0F : 0x1F);
            for (size_t j = 1; j <= more && i + j < n; j++)
                cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3F);
            i += more;
            pm_buf_printf(b, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", (unsigned)cp);
        }
    }
    pm_buf_printf(b, "\"");
}

/* ------------------------------------------------------------- the test */

static const char ex_body[] =
    "\n"
    "import platform\n"
    "import sys\n"
    "import types\n"
    "import unittest\n"
    "\n"
    "\n"
    "def _load_driver():\n"
    "    \"\"\"The driver's modules, compiled from the text above.\"\"\"\n"
    "    mods = {}\n"
    "    for name in (\"trace_parse\", \"trace_gen\", \"trace_exec\"):\n"
    "        mod = types.ModuleType(name)\n"
    "        mod.__file__ = \"<pymemref driver %s.py>\" % name\n"
    "        sys.modules[name] = mod\n"
    "        exec(compile(DRIVER[name].decode(\"utf-8\"), mod.__file__, \"exec\"),\n"
    "             mod.__dict__)\n"
    "        mods[name] = mod\n"
    "    return mods\n"
    "\n"
    "\n"
    "def _interpreter():\n"
    "    return \"%s %s\" % (platform.python_implementation(),\n"
    "                       platform.python_version())\n"
    "\n"
    "\n"
    "def first_divergence(expected, seen):\n"
    "    \"\"\"The index of the first event that differs, or None.\"\"\"\n"
    "    for i in range(max(len(expected), len(seen))):\n"
    "        if i >= len(expected) or i >= len(seen) or expected[i] != seen[i]:\n"
    "            return i\n"
    "    return None\n"
    "\n"
    "\n"
    "def report(expected, seen, i):\n"
    "    \"\"\"The first divergence, with the operation and the events around.\"\"\"\n"
    "    lines = TRACE.decode(\"utf-8\").split(\"\\n\")\n"
    "    e = expected[i] if i < len(expected) else None\n"
    "    s = seen[i] if i < len(seen) else None\n"
    "    line = min(int(x.split(\":\", 1)[0]) for x in (e, s) if x is not None)\n"
    "    op = lines[line - 1].split(\"#\", 1)[0].strip() if 0 < line <= len(lines) else \"?\"\n"
    "    out = [\"%s: first divergence at event %d, line %d: %s\"\n"
    "           % (TRACE_NAME, i + 1, line, op),\n"
    "           \"  expected (the model, profile %s): %s\"\n"
    "           % (PROFILE, e if e is not None else \"no more events\"),\n"
    "           \"  seen (%s): %s\"\n"
    "           % (_interpreter(), s if s is not None else \"no more events\"),\n"
    "           \"  %-40s %s\" % (\"     expected\", \"seen\")]\n"
    "    for k in range(max(0, i - 3), min(max(len(expected), len(seen)), i + 4)):\n"
    "        out.append(\"  %s %3d %-34s %s\" % (\n"
    "            \">\" if k == i else \" \", k + 1,\n"
    "            expected[k] if k < len(expected) else \"\",\n"
    "            seen[k] if k < len(seen) else \"\"))\n"
    "    return \"\\n\".join(out)\n"
    "\n"
    "\n"
    "class Conformance(unittest.TestCase):\n"
    "    def run_trace(self):\n"
    "        if NEEDS_TP_DEL:\n"
    "            try:\n"
    "                import _testcapi\n"
    "            except ImportError:\n"
    "                _testcapi = None\n"
    "            if not hasattr(_testcapi, \"with_tp_del\"):\n"
    "                self.skipTest(\"del=legacy needs _testcapi.with_tp_del\")\n"
    "        mods = _load_driver()\n"
    "        tp, tx = mods[\"trace_parse\"], mods[\"trace_exec\"]\n"
    "        stopped = None\n"
    "        try:\n"
    "            seen = [tx.format_text(ev) for ev in tx.run(tp.parse(TRACE_NAME, TRACE))]\n"
    "        except tp.TraceError as e:\n"
    "            stopped = \"%s:%d: the driver stopped (%s): %s\" % (\n"
    "                TRACE_NAME, e.line, _interpreter(), e.message)\n"
    "        if stopped:\n"
    "            self.fail(stopped)\n"
    "        i = first_divergence(EXPECTED, seen)\n"
    "        if i is not None:\n"
    "            self.fail(report(EXPECTED, seen, i))\n";

static const char ex_tail[] =
    "\n"
    "\n"
    "if __name__ == \"__main__\":\n"
    "    unittest.main()\n";

/* The trace's description: its leading comment lines, without "# ". */
static void ex_description(const cli_input *in, pm_buf *b)
{
    const char *s = in->text, *end = in->text + in->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        const char *p = s;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        if (p == e || *p != '#')
            break;
        p++;
        if (p < e && *p == ' ')
            p++;
        pm_buf_printf(b, "%.*s\n", (int)(e - p), p);
        s = nl ? nl + 1 : end;
    }
}

static const char *ex_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The trace's name as a Python identifier part: NAME.trace -> NAME. */
static void ex_ident(pm_buf *b, const char *path)
{
    const char *base = ex_basename(path);
    size_t n = strlen(base);
    if (n > 6 && !strcmp(base + n - 6, ".trace"))
        n -= 6;
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        pm_buf_printf(b, "%c", ok ? c : '_');
    }
    if (n == 0)
        pm_buf_printf(b, "trace");
}

int cli_export_python(const cli_input *in, const cli_driver *drv, pm_buf *out, pm_buf *err)
{
    /* The allocator operations run in CPython through a C extension
     * (fuzz/cpython/pymalloc_probe/), which a standalone test cannot build. */
    for (int32_t i = 0; i < in->trace.nops; i++)
        if (in->trace.ops[i].kind >= PM_OP_PYMALLOC) {
            pm_buf_printf(err, "%s:%d: error: allocator operations need the pymalloc probe "
                          "(a C extension): no standalone Python test\n", in->path,
                          in->trace.ops[i].line);
            return -1;
        }
    pm_model *m = pm_model_new(in->profile, &in->options);
    pm_diag d;
    if (!m) {
        pm_buf_printf(err, "pymemref: out of memory\n");
        return -1;
    }
    if (pm_model_run(m, &in->trace, &d)) {
        pm_buf_printf(err, "%s:%d: error: %s\n", in->path, d.line, d.message);
        pm_model_free(m);
        return -1;
    }
    bool legacy = false;
    for (int32_t i = 0; i < in->trace.nops; i++)
        legacy |= in->trace.ops[i].kind == PM_OP_CLASS &&
                  in->trace.ops[i].decl.del == PM_DEL_LEGACY;
    pm_buf desc = { 0 }, ident = { 0 };
    ex_description(in, &desc);
    ex_ident(&ident, in->path);
    const char *base = ex_basename(in->path);

    pm_buf_printf(out, "#!/usr/bin/env python3\n"
                  "# Generated by `pymemref export --python` (pymemref %s); do not edit.\n"
                  "# The trace %s, the observable events the model expects for it under\n"
                  "# profile %s, and the CPython driver (fuzz/cpython/trace_parse.py,\n"
                  "# trace_gen.py, trace_exec.py) that runs the trace in the interpreter\n"
                  "# running this file.  Standard library only:\n"
                  "#     python3 test_%s.py [-v]\n",
                  PYMEMREF_VERSION, base, in->profile->name, ident.data ? ident.data : "");
    ex_str(out, desc.data ? desc.data : "", desc.len);
    pm_buf_printf(out, "\n\nTRACE_NAME = ");
    ex_str(out, base, strlen(base));
    pm_buf_printf(out, "\nPROFILE = \"%s\"\nMODEL_VERSION = \"%s\"\nNEEDS_TP_DEL = %s\n"
                  "TRACE = ", in->profile->name, PYMEMREF_VERSION, legacy ? "True" : "False");
    ex_bytes_block(out, in->text, in->len, "");
    pm_buf_printf(out, "\nEXPECTED = [\n");
    pm_buf ev = { 0 };
    for (int32_t i = 0; i < pm_model_event_count(m); i++) {
        const pm_event *e = pm_model_event(m, i);
        if (!pm_event_observable(e->kind))
            continue;
        ev.len = 0;
        pm_format_event(&ev, m, &in->trace, e, false);
        if (ev.oom)
            break;
        pm_buf_printf(out, "    ");
        ex_str(out, ev.data, ev.len - 1);
        pm_buf_printf(out, ",\n");
    }
    pm_buf_printf(out, "]\nDRIVER = {\n");
    for (int k = 0; k < CLI_DRIVER_FILES; k++) {
        pm_buf_printf(out, "    \"%s\": ", ex_module[k]);
        ex_bytes_block(out, drv->text[k], drv->len[k], "    ");
        pm_buf_printf(out, ",\n");
    }
    pm_buf_printf(out, "}\n\n%s\n    def test_%s(self):\n        ", ex_body,
                  ident.data ? ident.data : "");
    const char *nl = desc.data ? memchr(desc.data, '\n', desc.len) : NULL;
    ex_str(out, desc.data ? desc.data : base, desc.data ? (size_t)(nl - desc.data) : strlen(base));
    pm_buf_printf(out, "\n        self.run_trace()\n%s", ex_tail);
    bool oom = ev.oom || desc.oom || ident.oom;
    pm_buf_free(&ev);
    pm_buf_free(&desc);
    pm_buf_free(&ident);
    pm_model_free(m);
    if (oom)
        out->oom = true;
    return 0;
}

/* ------------------------------------------------------------- run_all.py */

static const char ex_runner[] =
    "#!/usr/bin/env python3\n"
    "# Generated by `pymemref export --python --dir` (pymemref @VERSION@); do not edit.\n"
    "\"\"\"Run every test_*.py beside this file, each in a new process of the\n"
    "interpreter that runs this script, and print which behaviours match and\n"
    "a last line `N passed, M failed`.  Exit status 0 when none failed.\n"
    "\n"
    "usage: python3 run_all.py [-v] [SUBSTRING...]\n"
    "  -v          the whole report of each failure\n"
    "  SUBSTRING   only the tests whose name contains one of them\n"
    "\"\"\"\n"
    "\n"
    "import os\n"
    "import platform\n"
    "import subprocess\n"
    "import sys\n"
    "\n"
    "TIMEOUT = 600\n"
    "\n"
    "\n"
    "def failure_text(err):\n"
    "    \"\"\"The assertion message in unittest's report, else its last lines.\"\"\"\n"
    "    lines = err.splitlines()\n"
    "    for i, s in enumerate(lines):\n"
    "        if s.startswith(\"AssertionError: \"):\n"
    "            msg = [s[len(\"AssertionError: \"):]]\n"
    "            for t in lines[i + 1:]:\n"
    "                if t.startswith(\"-----\") or t.startswith(\"=====\"):\n"
    "                    break\n"
    "                msg.append(t)\n"
    "            return \"\\n\".join(msg).rstrip()\n"
    "    tail = [s for s in lines if s.strip()][-3:]\n"
    "    return \"\\n\".join(tail)\n"
    "\n"
    "\n"
    "def main(argv):\n"
    "    verbose = \"-v\" in argv\n"
    "    wanted = [a for a in argv if a != \"-v\"]\n"
    "    here = os.path.dirname(os.path.abspath(__file__))\n"
    "    tests = sorted(f for f in os.listdir(here)\n"
    "                   if f.startswith(\"test_\") and f.endswith(\".py\")\n"
    "                   and (not wanted or any(w in f for w in wanted)))\n"
    "    print(\"interpreter: %s %s (%s)\" % (platform.python_implementation(),\n"
    "                                       platform.python_version(), sys.executable))\n"
    "    passed = failed = skipped = 0\n"
    "    for f in tests:\n"
    "        name = f[len(\"test_\"):-len(\".py\")]\n"
    "        try:\n"
    "            p = subprocess.run([sys.executable, os.path.join(here, f)],\n"
    "                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,\n"
    "                               universal_newlines=True, timeout=TIMEOUT)\n"
    "            code, err = p.returncode, p.stderr\n"
    "        except subprocess.TimeoutExpired:\n"
    "            code, err = 1, \"timed out after %d s\" % TIMEOUT\n"
    "        if code == 0 and \"skipped=\" in err:\n"
    "            skipped += 1\n"
    "            print(\"skip  %s\" % name)\n"
    "        elif code == 0:\n"
    "            passed += 1\n"
    "            print(\"pass  %s\" % name)\n"
    "        else:\n"
    "            failed += 1\n"
    "            msg = failure_text(err)\n"
    "            if not verbose:\n"
    "                msg = msg.split(\"\\n\", 1)[0]\n"
    "            print(\"FAIL  %s: %s\" % (name, msg.replace(\"\\n\", \"\\n      \")))\n"
    "    summary = \"%d passed, %d failed\" % (passed, failed)\n"
    "    if skipped:\n"
    "        summary += \", %d skipped\" % skipped\n"
    "    print(summary)\n"
    "    return 1 if failed else 0\n"
    "\n"
    "\n"
    "if __name__ == \"__main__\":\n"
    "    sys.exit(main(sys.argv[1:]))\n";

void cli_export_runner(pm_buf *out)
{
    const char *at = strstr(ex_runner, "@VERSION@");
    pm_buf_printf(out, "%.*s%s%s", (int)(at - ex_runner), ex_runner, PYMEMREF_VERSION,
                  at + strlen("@VERSION@"));
}

/* ------------------------------------------------------------ the command */
#ifndef CLI_NO_MAIN
/* The directory of the driver's modules: --driver, $PYMEMREF_DRIVER_DIR,
 * or beside the executable (the build tree's fuzz/cpython, or an installed
 * share/pymemref/cpython). */
static int ex_load_driver(const char *dir, cli_driver *drv)
{
    char exe[PATH_MAX], cand[2][PATH_MAX + 64];
    const char *dirs[3] = { dir ? dir : getenv("PYMEMREF_DRIVER_DIR"), NULL, NULL };
    int ndirs = 1;
    if (!dirs[0]) {
        ndirs = 0;
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            snprintf(cand[0], sizeof cand[0], "%s/../fuzz/cpython", exe);
            snprintf(cand[1], sizeof cand[1], "%s/../share/pymemref/cpython", exe);
            dirs[ndirs++] = cand[0];
            dirs[ndirs++] = cand[1];
        }
    }
    for (int i = 0; i < ndirs; i++) {
        char path[PATH_MAX + 128];
        snprintf(path, sizeof path, "%s/%s", dirs[i], cli_driver_files[0]);
        if (dir == NULL && i + 1 < ndirs && access(path, R_OK) != 0)
            continue;
        for (int k = 0; k < CLI_DRIVER_FILES; k++) {
            snprintf(path, sizeof path, "%s/%s", dirs[i], cli_driver_files[k]);
            if (cli_read_file(path, &drv->text[k], &drv->len[k])) {
                fprintf(stderr, "pymemref: the driver's modules are not in %s "
                        "(give --driver DIR: fuzz/cpython in the sources)\n", dirs[i]);
                return -1;
            }
        }
        return 0;
    }
    fprintf(stderr, "pymemref: cannot find the driver's modules (give --driver DIR)\n");
    return -1;
}

/* Write TEXT to PATH whole: a temporary file beside it, then a rename. */
static int ex_write(const char *path, const pm_buf *text)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return -1;
    snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    bool ok = f && fwrite(text->data, 1, text->len, f) == text->len;
    if (f)
        ok = (fclose(f) == 0) && ok;
    else if (fd >= 0)
        close(fd);
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok) {
        fprintf(stderr, "pymemref: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

int cli_export_main(int argc, char **argv)
{
    const char *profile = NULL, *outpath = NULL, *dir = NULL, *driver = NULL, *val;
    const char **traces = calloc((size_t)argc, sizeof *traces);
    int ntraces = 0, rc = 2, skipped = 0;
    bool python = false, only_files = false, keep_going = false;
    pm_options opts = { 0 };
    if (!traces)
        return 2;
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (only_files || s[0] != '-' || !strcmp(s, "-")) {
            traces[ntraces++] = s;
        } else if (!strcmp(s, "--")) {
            only_files = true;
        } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            cli_print_help();
            free(traces);
            return 0;
        } else if (!strcmp(s, "--python")) {
            python = true;
        } else if (!strcmp(s, "--keep-going") || !strcmp(s, "-k")) {
            keep_going = true;
        } else if (cli_option(argc, argv, &i, "--profile", &val)) {
            if (!(profile = val))
                goto out;
        } else if (cli_option(argc, argv, &i, "-o", &val)) {
            if (!(outpath = val))
                goto out;
        } else if (cli_option(argc, argv, &i, "--dir", &val)) {
            if (!(dir = val))
                goto out;
        } else if (cli_option(argc, argv, &i, "--driver", &val)) {
            if (!(driver = val))
                goto out;
        } else if (cli_option(argc, argv, &i, "--frozen-base", &val)) {
            int64_t v;
            if (!val)
                goto out;
            if (!cli_parse_count(val, INT64_MAX, &v)) {
                cli_usage_error("`--frozen-base` needs a number, got `%s`", val);
                goto out;
            }
            opts.frozen_base = v;
        } else {
            cli_usage_error("unknown option `%s`", s);
            goto out;
        }
    }
    if (!python) {
        cli_usage_error("`export` needs `--python` (the only format)");
        goto out;
    }
    if (ntraces == 0 || (!dir && ntraces > 1) || (dir && outpath) || (keep_going && !dir)) {
        cli_usage_error(ntraces == 0 ? "no trace file given"
                        : keep_going && !dir ? "`--keep-going` goes with `--dir`"
                        : dir ? "`-o` and `--dir` exclude each other"
                              : "several traces need `--dir DIR`");
        goto out;
    }
    const pm_profile *p = cli_find_profile(profile);
    cli_driver drv = { { 0 }, { 0 } };
    pm_buf *files = calloc((size_t)ntraces + 1, sizeof *files);
    char **names = calloc((size_t)ntraces + 1, sizeof *names);
    if (!p || !files || !names || ex_load_driver(driver, &drv))
        goto done;
    /* Everything in memory first: nothing is written unless all succeed. */
    for (int i = 0; i < ntraces; i++) {
        cli_input in = { .path = traces[i], .profile = p, .options = opts };
        pm_buf err = { 0 }, id = { 0 };
        pm_diag d;
        int bad = cli_read_file(in.path, &in.text, &in.len);
        if (!bad && pm_trace_parse(in.path, in.text, in.len, &in.trace, &d)) {
            cli_report(&in, &d);
            bad = 1;
        }
        if (!bad && cli_export_python(&in, &drv, &files[i], &err)) {
            fwrite(err.data, 1, err.len, stderr);
            bad = 1;
        }
        if (!bad && dir) {
            ex_ident(&id, in.path);
            names[i] = malloc(strlen(dir) + id.len + 16);
            if (names[i])
                sprintf(names[i], "%s/test_%s.py", dir, id.data);
            for (int j = 0; j < i && names[i]; j++)
                if (names[j] && !strcmp(names[i], names[j])) {
                    fprintf(stderr, "pymemref: %s and %s would both be %s\n", traces[j],
                            traces[i], names[i]);
                    bad = 1;
                }
        }
        pm_buf_free(&err);
        pm_buf_free(&id);
        pm_trace_free(&in.trace);
        free(in.text);
        if (!bad && (files[i].oom || (dir && !names[i]))) {
            fprintf(stderr, "pymemref: out of memory\n");
            goto done;
        }
        if (bad && !keep_going)
            goto done;
        if (bad) {
            /* Left out: an empty name marks it. */
            pm_buf_free(&files[i]);
            free(names[i]);
            names[i] = NULL;
            skipped++;
        }
    }
    if (skipped)
        fprintf(stderr, "pymemref: %d of %d traces left out (errors above)\n", skipped,
                ntraces);
    if (dir) {
        cli_export_runner(&files[ntraces]);
        names[ntraces] = malloc(strlen(dir) + 16);
        if (files[ntraces].oom || !names[ntraces])
            goto done;
        sprintf(names[ntraces], "%s/run_all.py", dir);
        for (int i = 0; i <= ntraces; i++)
            if (names[i] && ex_write(names[i], &files[i]))
                goto done;
    } else if (outpath) {
        if (ex_write(outpath, &files[0]))
            goto done;
    } else if (fwrite(files[0].data, 1, files[0].len, stdout) != files[0].len || fflush(stdout)) {
        fprintf(stderr, "pymemref: cannot write the output\n");
        goto done;
    }
    rc = 0;
done:
    for (int k = 0; k < CLI_DRIVER_FILES; k++)
        free(drv.text[k]);
    for (int i = 0; files && names && i <= ntraces; i++) {
        pm_buf_free(&files[i]);
        free(names[i]);
    }
    free(files);
    free(names);
out:
    free(traces);
    return rc;
}
#endif
