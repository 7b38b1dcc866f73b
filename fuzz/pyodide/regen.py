#!/usr/bin/env python3
"""regen.py: the bundled traces' events under a pinned Pyodide build.

usage: fuzz/pyodide/regen.py [--check] X.Y

fuzz/cpython/regen.sh's job for a CPython version that only Pyodide runs
here (3.14: Pyodide 314.0.7, CPython 3.14.2).  Every tests/examples/*.trace
and tests/conformance/*.trace (but the allocator and model-only ones, which
need the pymalloc probe or no interpreter) runs in the driver's single mode (each from a
full reset, as `driver.py TRACE` does; fuzz/runner.py, serve.mjs) and its
events go to NAME.cpython-X.Y.events beside it.  A trace that the driver
rejects on this version (a dynamic error, e.g. a name a collection of
3.11-3.13 binds and 3.14's increment does not) gets no file: it is listed,
and tests/conformance/confirm.py checks that the interpreter and the model
both still reject it.  --check writes nothing and exits 1 when a stored
file differs, is missing, or exists for a rejected trace.
Exit status: 0, 1 (--check found differences), 2 usage or the interpreter
could not run.
"""

import glob
import os
import re
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import runner  # noqa: E402

# Allocator traces need the pymalloc probe (a C extension Pyodide cannot
# load) and model-only traces no interpreter runs (tests/conformance/
# confirm.py): their events files are not this script's; it leaves them.
ALLOC = re.compile(r"^[ \t]*(?:malloc|free|realloc|pymalloc)[ \t]", re.M)
MODEL_ONLY = "# model-only:"


def ours(path):
    text = open(path, encoding="utf-8").read()
    return not text.startswith(MODEL_ONLY) and not ALLOC.search(text)


def run_all(xy, traces):
    """[(trace, Answer)] for every trace, in single mode."""
    argv = runner.interpreter_argv(pyodide=xy)[0]
    p = runner.Proc(argv, "pyodide %s" % runner.PYODIDE_VERSIONS[xy])
    try:
        info = p.hello()
        if ".".join(info.get("version", "").split(".")[:2]) != xy:
            raise runner.ProcError("Pyodide runs %s, not %s" % (info.get("version"), xy))
        p.control("%mode single")
        blocks = [runner.block(os.path.relpath(t, ROOT), open(t, encoding="utf-8").read())
                  for t in traces]
        w = threading.Thread(target=p._write, args=(b"".join(blocks),))
        w.start()
        try:
            answers = p.receive(len(blocks))
        finally:
            w.join()
    finally:
        p.close()
    return info, list(zip(traces, answers))


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) != 1 or args[0] not in runner.PYODIDE_VERSIONS:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    xy = args[0]
    traces = sorted(glob.glob(os.path.join(ROOT, "tests", "examples", "*.trace"))) + \
        sorted(glob.glob(os.path.join(ROOT, "tests", "conformance", "*.trace")))
    traces = [t for t in traces if ours(t)]
    try:
        info, results = run_all(xy, traces)
    except runner.ProcError as e:
        sys.stderr.write("regen.py: error: %s\n" % e)
        return 2
    differ, rejected = [], []
    for t, a in results:
        out = t[:-len(".trace")] + ".cpython-%s.events" % xy
        rel = os.path.relpath(out, ROOT)
        if not a.ok:
            rejected.append("%s (%s)" % (os.path.relpath(t, ROOT), a.error))
            if os.path.exists(out):
                if check:
                    differ.append("%s (the driver rejects the trace)" % rel)
                else:
                    os.remove(out)
            continue
        if check:
            if not os.path.exists(out):
                differ.append("%s (missing)" % rel)
            elif open(out, encoding="utf-8").read() != a.events:
                differ.append(rel)
        else:
            with open(out, "w", encoding="utf-8") as f:
                f.write(a.events)
    what = "Pyodide %s (CPython %s)" % (runner.PYODIDE_VERSIONS[xy], info.get("version"))
    for r in rejected:
        print("regen.py: %s rejects %s" % (what, r))
    if check:
        if differ:
            print("regen.py: %s differs from the stored events in %d of %d traces:"
                  % (what, len(differ), len(results)))
            for d in differ:
                print("  " + d)
            return 1
        print("regen.py: %d traces agree with the stored cpython-%s events (%s)"
              % (len(results) - len(rejected), xy, what))
    else:
        print("regen.py: wrote %d cpython-%s events files (%s)"
              % (len(results) - len(rejected), xy, what))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
