#!/usr/bin/env python3
"""confirm.py: re-confirm the conformance suite (`make conformance`).

usage: tests/conformance/confirm.py [--model CLI] [--interpreters FILE]
                                    [--no-pyodide] [--jobs N]

1. The suite: every tests/conformance/NAME.trace starts with a comment and
   has NAME.cpython-X.Y.events for 3.11, 3.12, 3.13 and 3.14 (3.14: unless
   Pyodide's driver rejects the trace, fuzz/pyodide/regen.py); every entry of
   KNOWN.md names a trace, a profile and a difference of
   spec/differences.md.
2. CPython: every stored expectation (tests/conformance and tests/examples)
   against every interpreter found: the native ones listed in FILE
   (`VERSION PATH` lines, default build/interpreters.txt) and the pinned
   Pyodide builds (fuzz/runner.py), each running the driver's single mode
   (every trace from a full reset, as `driver.py TRACE` does).  Interpreters
   of a version without stored expectations are reported, not checked; a
   trace with `del=legacy` is skipped, and counted, where
   _testcapi.with_tp_del is missing (Pyodide).
3. The model: `CLI run --profile X.Y --observable` on every trace with
   stored X.Y events prints exactly them, unless KNOWN.md lists the trace and
   profile: then the two differ by exactly the listed region (see KNOWN.md),
   and an entry that no longer differs is stale, an error.

Exit status 0 when everything agrees, 1 at any mismatch, 2 on bad usage or
when an interpreter or the model cannot run.
"""

import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "fuzz"))

import runner  # noqa: E402  (fuzz/runner.py: the driver's batch protocol)

PROFILES = ("3.11", "3.12", "3.13", "3.14")
# Profiles whose only interpreter here is Pyodide (fuzz/pyodide/regen.py):
# a trace its driver rejects has no events file, and must stay rejected by
# both the interpreter and the model (REJECTED below).
REJECTABLE = ("3.14",)
REJECTED = []                 # (trace, profile) without events: both reject
TIMEOUT = 300                 # seconds for one interpreter to run every trace
LEGACY = re.compile(r"^[ \t]*class[ \t].*\bdel=legacy\b", re.M)
# Allocator traces (spec/trace.md "Allocator operations") need the pymalloc
# probe, a C extension (`%info ... pymalloc_probe=1`); the model-only ones
# (first line `# model-only:`) do what CPython leaves undefined, so no
# interpreter runs them (README.md).
ALLOC = re.compile(r"^[ \t]*(?:malloc|free|realloc|pymalloc)[ \t]", re.M)
MODEL_ONLY = "# model-only:"


class Failed(Exception):
    pass


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def known_entries(path, differences):
    """KNOWN.md as {(trace, profile): (name, minus, plus, line)}."""
    out = {}
    cur = None
    for no, line in enumerate(read(path).split("\n"), 1):
        if line.startswith("## "):
            parts = line[3:].split()
            if len(parts) != 3:
                raise Failed("%s:%d: a heading is `## TRACE PROFILE DIFFERENCE`"
                             % (path, no))
            if parts[2] not in differences:
                raise Failed("%s:%d: `%s` is not a difference of "
                             "spec/differences.md" % (path, no, parts[2]))
            if (parts[0], parts[1]) in out:
                raise Failed("%s:%d: a second entry for %s %s"
                             % (path, no, parts[0], parts[1]))
            cur = out[(parts[0], parts[1])] = (parts[2], [], [], no)
        elif line.startswith("    - ") or line.startswith("    + "):
            if cur is None:
                raise Failed("%s:%d: a diff line before any entry" % (path, no))
            (cur[1] if line[4] == "-" else cur[2]).append(line[6:])
    return out


def region(exp, got):
    """The lines of EXP and GOT left once their common first lines, then
    their common last lines are taken away (tests/unit/known.h)."""
    a, b = exp.splitlines(), got.splitlines()
    p = 0
    while p < len(a) and p < len(b) and a[p] == b[p]:
        p += 1
    q = 0
    while q < len(a) - p and q < len(b) - p and a[-1 - q] == b[-1 - q]:
        q += 1
    return a[p:len(a) - q], b[p:len(b) - q]


def suite(known):
    """Checks the files of the suite; returns every (trace, profile, events
    path) of tests/conformance and tests/examples."""
    problems, pairs = [], []
    conf = sorted(glob.glob(os.path.join(HERE, "*.trace")))
    for t in conf:
        if not read(t).startswith("#"):
            problems.append("%s: does not start with a comment" % rel(t))
    for t in conf + sorted(glob.glob(os.path.join(ROOT, "tests", "examples", "*.trace"))):
        for p in PROFILES:
            e = t[:-6] + ".cpython-%s.events" % p
            if os.path.exists(e):
                pairs.append((t, p, e))
            elif p in REJECTABLE and t in conf:
                REJECTED.append((t, p))
            elif t in conf or p == "3.11":
                problems.append("%s: no %s" % (rel(t), os.path.basename(e)))
    names = {(os.path.basename(t)[:-6], p) for t, p, _ in pairs}
    for (name, p), entry in sorted(known.items()):
        if (name, p) not in names:
            problems.append("KNOWN.md:%d: no trace %s with CPython %s events"
                            % (entry[3], name, p))
    if problems:
        raise Failed("the suite is incomplete:\n  " + "\n  ".join(problems))
    return pairs


def rel(path):
    return os.path.relpath(path, ROOT)


def interpreters(path, pyodide):
    """(label, version X.Y.Z, argv) of every interpreter to run."""
    out, seen = [], set()
    try:
        lines = read(path).splitlines()
    except OSError as e:
        raise Failed("cannot read %s: %s (run `make setup`)" % (path, e.strerror))
    for line in lines:
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[1].strip() not in seen:
            seen.add(parts[1].strip())
            out.append(("native %s" % parts[0], parts[0],
                        runner.interpreter_argv(python=parts[1].strip())[0]))
    if pyodide:
        for xy, pkg in sorted(runner.PYODIDE_VERSIONS.items()):
            argv = runner.interpreter_argv(pyodide=xy)[0]
            if os.path.isdir(os.path.join(ROOT, "fuzz", "pyodide", "node_modules",
                                          "pyodide-" + pkg)):
                out.append(("pyodide %s" % pkg, xy, argv))
            else:
                out.append(("pyodide %s" % pkg, xy, None))
    return out


def send_all(p, data):
    """Writes DATA to the standard input of P (a runner.Proc) whole: a
    single write to a pipe may take only part of it."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(p.p.stdin.fileno(), view):]
    except OSError:
        pass                  # the process went away: receive() reports it


def confirm_interpreter(label, version, argv, pairs):
    """Runs the traces with stored events for the interpreter's version;
    returns (label, note, differing traces)."""
    xy = ".".join(version.split(".")[:2])
    if not any(pr == xy for _, pr, _ in pairs):
        return label, "%s: no stored expectations for %s (not run)" % (version, xy), []
    if argv is None:
        return label, "not installed (make setup): not run", []
    p = runner.Proc(argv, label)
    watchdog = threading.Timer(TIMEOUT, p.p.kill)   # a hung driver ends the run
    watchdog.start()
    try:
        info = p.hello()
        version = info.get("version", "?")
        if ".".join(version.split(".")[:2]) != xy:
            raise Failed("%s: is %s, expected %s" % (label, version, xy))
        todo = [(t, e) for t, pr, e in pairs if pr == xy]
        todo += [(t, None) for t, pr in REJECTED if pr == xy]
        skipped = 0
        if info.get("tp_del") != "1":
            keep = [(t, e) for t, e in todo if not LEGACY.search(read(t))]
            skipped = len(todo) - len(keep)
            todo = keep
        keep = [(t, e) for t, e in todo if not read(t).startswith(MODEL_ONLY)]
        model_only = len(todo) - len(keep)
        todo = keep
        no_probe = 0
        if info.get("pymalloc_probe") != "1":
            keep = [(t, e) for t, e in todo if not ALLOC.search(read(t))]
            no_probe = len(todo) - len(keep)
            todo = keep
        p.control("%mode single")
        blocks = [runner.block(rel(t), read(t)) for t, _ in todo]
        writer = threading.Thread(target=send_all, args=(p, b"".join(blocks)))
        writer.start()
        try:
            answers = p.receive(len(blocks))
        finally:
            writer.join()
    except runner.ProcError as err:
        raise Failed(str(err))
    finally:
        watchdog.cancel()
        p.close()
    bad = [rel(t) for (t, e), a in zip(todo, answers)
           if (e is None and a.ok) or (e is not None and (not a.ok or a.events != read(e)))]
    note = "%s: %d traces %s" % (version, len(todo),
                                 "agree" if not bad else "(%d DIFFER)" % len(bad))
    if skipped:
        note += ", %d skipped (del=legacy: no _testcapi.with_tp_del)" % skipped
    if model_only:
        note += ", %d model-only (not run)" % model_only
    if no_probe:
        note += ", %d skipped (allocator: the pymalloc probe cannot load here)" % no_probe
    return label, note, bad


def confirm_model(cli, pairs, known):
    """Returns (agree, known count, problems)."""
    agree, nknown, problems = 0, 0, []
    for t, p in REJECTED:
        r = subprocess.run([cli, "run", "--profile", p, "--observable", t],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 2:
            problems.append("%s, profile %s: the driver rejects it, the model does not"
                            % (rel(t), p))
        else:
            agree += 1
    for t, p, e in pairs:
        r = subprocess.run([cli, "run", "--profile", p, "--observable", t],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise Failed("%s --profile %s: %s" % (rel(t), p, r.stderr.strip()))
        exp = read(e)
        entry = known.get((os.path.basename(t)[:-6], p))
        if entry is None:
            if r.stdout == exp:
                agree += 1
            else:
                a, b = region(exp, r.stdout)
                problems.append("%s, profile %s: CPython %s / model %s"
                                % (rel(t), p, a[:3], b[:3]))
        elif r.stdout == exp:
            problems.append("%s, profile %s: stale KNOWN.md entry (line %d): the "
                            "model agrees now" % (rel(t), p, entry[3]))
        elif region(exp, r.stdout) != (entry[1], entry[2]):
            a, b = region(exp, r.stdout)
            problems.append("%s, profile %s: differs otherwise than KNOWN.md line "
                            "%d lists: CPython %s / model %s"
                            % (rel(t), p, entry[3], a[:3], b[:3]))
        else:
            nknown += 1
    return agree, nknown, problems


def main(argv):
    cli = os.path.join(ROOT, "build", "pymemref")
    interp = os.path.join(ROOT, "build", "interpreters.txt")
    pyodide, jobs = True, 2
    i = 0
    while i < len(argv):
        o = argv[i]
        if o == "--no-pyodide":
            pyodide = False
            i += 1
        elif o in ("--model", "--interpreters", "--jobs") and i + 1 < len(argv):
            v = argv[i + 1]
            if o == "--model":
                cli = v
            elif o == "--interpreters":
                interp = v
            elif v.isdigit() and int(v) > 0:
                jobs = int(v)
            else:
                sys.stderr.write("confirm.py: error: --jobs needs a positive number\n")
                return 2
            i += 2
        else:
            sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
            return 2
    t0 = time.time()
    try:
        diffs = set(re.findall(r"^\| `([a-z0-9-]+)` \|",
                               read(os.path.join(ROOT, "spec", "differences.md")), re.M))
        known = known_entries(os.path.join(HERE, "KNOWN.md"), diffs)
        pairs = suite(known)
        targets = interpreters(interp, pyodide)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
            futs = [ex.submit(confirm_interpreter, label, v, a, pairs)
                    for label, v, a in targets]
            model = confirm_model(cli, pairs, known)
            results = [f.result() for f in futs]
    except Failed as err:
        sys.stderr.write("confirm.py: error: %s\n" % err)
        return 2
    ntraces = len({t for t, _, _ in pairs})
    per = ", ".join("%s %d" % (p, sum(1 for _, q, _ in pairs if q == p)) for p in PROFILES)
    print("conformance: %d traces (%d in tests/conformance), expectations: %s"
          % (ntraces, len(glob.glob(os.path.join(HERE, "*.trace"))), per))
    failed = False
    for label, note, bad in results:
        print("  %-18s %s" % (label, note))
        for b in bad[:10]:
            print("      differs: %s" % b)
        failed |= bool(bad)
    agree, nknown, problems = model
    print("  %-18s %d agree, %d known (KNOWN.md), %d differ"
          % ("model", agree, nknown, len(problems)))
    for p in problems:
        print("      " + p)
    failed |= bool(problems)
    print("conformance: %s (%.0f s)" % ("FAILED" if failed else "all agree", time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
