#!/usr/bin/env python3
"""Campaigns against every interpreter found (make fuzz-smoke, make
fuzz-campaign).

usage: campaign.py [--cases N] [--pyodide-cases N] [--seed S] [--jobs N]
                   [--interpreters FILE] [--stored]

For each native interpreter listed in FILE (`VERSION PATH` lines, default
build/interpreters.txt; the same path once) and each pinned Pyodide build,
one fuzz.py campaign of N cases (--pyodide-cases for Pyodide) against the
model's profile for the interpreter's version.  An interpreter whose
version has no model profile yet is not skipped silently: the campaign
prints "no model profile for X.Y yet", and the driver's batch mode is then
checked against its plain mode on that interpreter instead (fuzz.py
--check-driver, a fifth of the cases).  --stored also runs the bundled
traces (tests/conformance, tests/examples) through the batch mode of each
native interpreter that has stored events for its version, and compares
them.

Exit status 0 when every campaign ran and agreed (named differences of
spec/differences.md are reported, not failures), 1 otherwise.
"""

import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import runner  # noqa: E402


def natives(path):
    seen, out = set(), []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split(None, 1)
                if len(parts) == 2 and parts[1].strip() not in seen:
                    seen.add(parts[1].strip())
                    out.append((parts[0], parts[1].strip()))
    except OSError as e:
        sys.stderr.write("campaign.py: error: cannot read %s: %s (run `make "
                         "setup`)\n" % (path, e.strerror))
        sys.exit(2)
    return out


def fuzz(args, label):
    t0 = time.time()
    p = subprocess.run([sys.executable, os.path.join(HERE, "fuzz.py")] + args,
                       stdout=subprocess.PIPE, text=True)
    sys.stdout.write(p.stdout)
    sys.stdout.flush()
    return p.returncode, time.time() - t0


def stored(python, version):
    """The bundled traces through the batch mode, against their stored
    events for VERSION; returns the number that differ (or -1)."""
    xy = ".".join(version.split(".")[:2])
    traces = sorted(glob.glob(os.path.join(ROOT, "tests", "conformance",
                                           "*.trace")) +
                    glob.glob(os.path.join(ROOT, "tests", "examples", "*.trace")))
    pairs = [(t, t[:-6] + ".cpython-%s.events" % xy) for t in traces]
    # a trace whose first line is `# model-only:` has the model's events,
    # not an interpreter's (tests/conformance/README.md)
    pairs = [(t, e) for t, e in pairs if os.path.exists(e) and
             not open(t).readline().startswith("# model-only:")]
    if not pairs:
        return None, 0
    p = runner.Proc([python, runner.DRIVER, "--batch"], python)
    try:
        answers = p.run([runner.block(os.path.relpath(t, ROOT), open(t).read())
                         for t, _ in pairs])
    finally:
        p.close()
    bad = []
    for (t, e), a in zip(pairs, answers):
        if not a.ok or a.events != open(e).read():
            bad.append(os.path.relpath(t, ROOT))
    return bad, len(pairs)


def main(argv):
    cases, pcases, seed, jobs = 1000, 200, 1, os.cpu_count() or 1
    interp = os.path.join(ROOT, "build", "interpreters.txt")
    with_stored = False
    i = 0
    while i < len(argv):
        o = argv[i]
        if o == "--stored":
            with_stored = True
            i += 1
            continue
        if i + 1 >= len(argv) or o not in ("--cases", "--pyodide-cases",
                                           "--seed", "--jobs", "--interpreters"):
            sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
            return 2
        v = argv[i + 1]
        i += 2
        if o == "--interpreters":
            interp = v
            continue
        try:
            n = int(v)
        except ValueError:
            sys.stderr.write("campaign.py: error: %s needs a number\n" % o)
            return 2
        if o == "--cases":
            cases = n
        elif o == "--pyodide-cases":
            pcases = n
        elif o == "--seed":
            seed = n
        else:
            jobs = n
    targets = [("native %s" % v, ["--python", p], cases, p, v)
               for v, p in natives(interp)]
    targets += [("pyodide %s" % v, ["--pyodide", v], pcases, None, v)
                for v in runner.PYODIDE_VERSIONS]
    results = []
    t0 = time.time()
    for label, sel, n, path, version in targets:
        common = sel + ["--seed", str(seed), "--jobs", str(jobs), "--quiet"]
        status, took = fuzz(common + ["--cases", str(n)], label)
        note = {0: "agree", 1: "DISAGREE", 2: "FAILED",
                3: "no model profile yet"}.get(status, "FAILED")
        if status == 3:
            s2, took2 = fuzz(common + ["--cases", str(max(1, n // 5)),
                                       "--check-driver"], label)
            took += took2
            note += "; driver batch mode = plain mode: %s" % (
                "yes" if s2 == 0 else "NO")
            status = 0 if s2 == 0 else 1
        if with_stored and path is not None:
            bad, count = stored(path, version)
            if bad is not None:
                note += "; %d stored traces in batch mode: %s" % (
                    count, "agree" if not bad else "%d DIFFER (%s)" % (
                        len(bad), ", ".join(bad[:5])))
                if bad:
                    status = 1
        results.append((label, status, note, took))
    print("campaign: seed %d, %.0f s" % (seed, time.time() - t0))
    for label, status, note, took in results:
        print("  %-16s %-8s %s (%.0f s)" % (label, "ok" if status == 0 else
                                          "FAIL", note, took))
    return 0 if all(s == 0 for _, s, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
