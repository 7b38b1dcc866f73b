#!/usr/bin/env python3
"""pymemref's differential fuzzer: random traces, run by a real interpreter
and by the model, every observable event compared.

usage: fuzz.py (--python PATH | --pyodide 3.12|3.13|3.14) [--profile V]
               [--cases N] [--seed S] [--jobs N] [--shard I/N] [--objects N]
               [--batch N] [--findings DIR] [--keep-going] [--max-findings N]
               [--no-shrink] [--check-driver] [--model PATH] [--quiet]

  --python PATH     a native interpreter (runs fuzz/cpython/driver.py --batch)
  --pyodide V       a pinned Pyodide build under Node (fuzz/pyodide/serve.mjs)
  --profile V       the model's profile (default: the interpreter's X.Y);
                    without one the campaign does not run: it says
                    "no model profile for X.Y yet" and exits with status 3
  --cases N         cases 0..N-1 of the campaign (default 1000)
  --seed S          the campaign (default 1); a case is (seed, number) alone:
                    `python3 fuzz/gen.py S NUMBER [--objects N] [--legacy]` prints it
                    (--legacy where the interpreter has _testcapi.with_tp_del)
  --jobs N          processes, each with its own interpreter and model
                    (default: the number of CPUs)
  --shard I/N       only the cases equal to I modulo N (several machines)
  --objects N       at most N objects per trace (default 20)
  --batch N         traces per round trip (default 50)
  --findings DIR    where disagreements are written (default fuzz/findings)
  --keep-going      go on after a disagreement (at most --max-findings
                    written, default 10)
  --no-shrink       write disagreements as generated
  --check-driver    compare the driver's batch mode with its plain mode
                    (trace_exec.run) on the same interpreter: no model
  --model PATH      default build/pymemref-fuzz-model
  --quiet           no progress line

Progress (cases, cases/s, disagreements) goes to stderr, the summary to
stdout.  A disagreement is shrunk and written as DIR/NAME.trace,
NAME.model.events, NAME.cpython.events and NAME.md.  Disagreements that a
named difference of spec/differences.md explains are counted under that
name and do not fail the campaign (one example of each is written).
Exit status: 0 no other disagreement, 1 disagreements, 2 bad usage or a
process failed, 3 no model profile for the interpreter's version.
"""

import json
import os
import selectors
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import runner  # noqa: E402

ROOT = os.path.dirname(HERE)
DEFAULT_MODEL = os.path.join(ROOT, "build", "pymemref-fuzz-model")


def usage(msg):
    sys.stderr.write("fuzz.py: error: %s\n" % msg)
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def parse_args(argv):
    a = {"python": None, "pyodide": None, "profile": None, "cases": 1000,
         "seed": 1, "jobs": os.cpu_count() or 1, "shard": (0, 1),
         "objects": 20, "batch": 50, "findings": os.path.join(HERE, "findings"),
         "keep_going": False, "max_findings": 10, "no_shrink": False,
         "check_driver": False, "model": DEFAULT_MODEL, "quiet": False}
    ints = {"--cases": "cases", "--seed": "seed", "--jobs": "jobs",
            "--objects": "objects", "--batch": "batch",
            "--max-findings": "max_findings"}
    strs = {"--python": "python", "--pyodide": "pyodide",
            "--profile": "profile", "--findings": "findings",
            "--model": "model"}
    flags = {"--keep-going": "keep_going", "--no-shrink": "no_shrink",
             "--check-driver": "check_driver", "--quiet": "quiet"}
    i = 0
    while i < len(argv):
        o = argv[i]
        if o in ("-h", "--help"):
            sys.stdout.write(__doc__)
            sys.exit(0)
        if o in flags:
            a[flags[o]] = True
            i += 1
            continue
        if o not in ints and o not in strs and o != "--shard":
            usage("unknown option %s" % o)
        if i + 1 >= len(argv):
            usage("%s needs a value" % o)
        v = argv[i + 1]
        i += 2
        if o in ints:
            try:
                a[ints[o]] = int(v)
            except ValueError:
                usage("%s needs a number, got %r" % (o, v))
            if a[ints[o]] < (0 if o in ("--cases", "--seed") else 1):
                usage("%s must be %s" % (o, "at least 0" if o in
                                         ("--cases", "--seed") else "positive"))
        elif o in strs:
            a[strs[o]] = v
        else:
            try:
                k, n = (int(x) for x in v.split("/"))
            except ValueError:
                usage("--shard needs I/N, got %r" % v)
            if not 0 <= k < n:
                usage("--shard I/N needs 0 <= I < N")
            a["shard"] = (k, n)
    if (a["python"] is None) == (a["pyodide"] is None):
        usage("give exactly one of --python PATH and --pyodide VERSION")
    if a["pyodide"] is not None and a["pyodide"] not in runner.PYODIDE_VERSIONS:
        usage("--pyodide takes one of %s" % ", ".join(runner.PYODIDE_VERSIONS))
    if a["objects"] > 500:
        usage("--objects is at most 500 (spec/differences.md, trashcan-c-stack)")
    return a


def interpreter_version(a):
    """X.Y.Z of the interpreter, cheaply."""
    if a["pyodide"]:
        pkg = os.path.join(HERE, "pyodide", "node_modules",
                           "pyodide-%s" % runner.PYODIDE_VERSIONS[a["pyodide"]])
        if not os.path.isdir(pkg):
            print_err("%s is missing (run `make setup`)" % pkg)
            sys.exit(2)
        return a["pyodide"]
    try:
        out = subprocess.run([a["python"], "-c", "import sys; print("
                              "'%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print_err("cannot run %s: %s" % (a["python"], e))
        sys.exit(2)
    if out.returncode != 0:
        print_err("cannot run %s: %s" % (a["python"], out.stderr.strip()))
        sys.exit(2)
    return out.stdout.strip()


def model_profiles(model):
    if not os.path.exists(model):
        print_err("%s is missing (run `make %s`)" % (
            model, os.path.relpath(model, ROOT)))
        sys.exit(2)
    p = runner.Proc([model], "model")
    try:
        info = p.hello()
    except runner.ProcError as e:
        print_err(str(e))
        sys.exit(2)
    finally:
        p.close()
    return info.get("profiles", "").split(",")


def print_err(msg):
    sys.stderr.write("fuzz.py: error: %s\n" % msg)


def command_line(a):
    parts = ["fuzz/fuzz.py"]
    parts += ["--python", a["python"]] if a["python"] else \
        ["--pyodide", a["pyodide"]]
    if not a["check_driver"]:
        parts += ["--profile", a["profile"]]
    else:
        parts.append("--check-driver")
    parts += ["--seed", str(a["seed"]), "--cases", str(a["cases"]),
              "--objects", str(a["objects"])]
    return " ".join(parts)


class Progress:
    def __init__(self, quiet):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.t0 = time.time()

    def show(self, done, total, kinds, final=False):
        now = time.time()
        if self.quiet or (not final and now - self.last < (0.5 if self.tty
                                                            else 10.0)):
            return
        self.last = now
        rate = done / max(now - self.t0, 1e-9)
        named = sum(v for k, v in kinds.items() if not serious(k))
        bad = sum(v for k, v in kinds.items() if serious(k))
        line = "fuzz: %d/%d cases, %.0f cases/s, %d disagreements" % (
            done, total, rate, bad)
        if named:
            line += " (+%d explained)" % named
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def serious(kind):
    return kind == "unexplained" or kind.startswith("error-")


def main(argv):
    if argv[:1] == ["--worker"]:
        import job
        return job.main(json.loads(argv[1]))
    a = parse_args(argv)
    version = interpreter_version(a)
    xy = ".".join(version.split(".")[:2])
    what = ("Pyodide %s (CPython %s)" % (runner.PYODIDE_VERSIONS[a["pyodide"]],
                                         xy) if a["pyodide"] else
            "%s (CPython %s)" % (a["python"], version))
    if a["check_driver"]:
        a["profile"] = a["profile"] or xy
    else:
        profiles = model_profiles(a["model"])
        a["profile"] = a["profile"] or xy
        if a["profile"] not in profiles:
            sys.stdout.write("fuzz: %s: no model profile for %s yet (the model "
                             "has %s); not run\n" % (what, a["profile"],
                                                     ", ".join(profiles)))
            return 3
    k, n = a["shard"]
    jobs = a["jobs"]
    total = len(range(k, a["cases"], n))
    jobs = max(1, min(jobs, total))
    spec = {key: a[key] for key in ("python", "pyodide", "profile", "cases",
                                    "seed", "objects", "batch", "findings",
                                    "keep_going", "max_findings", "no_shrink",
                                    "check_driver", "model")}
    spec["command"] = command_line(a)
    procs = []
    sel = selectors.DefaultSelector()
    for j in range(jobs):
        s = dict(spec, first=k + n * j, step=n * jobs)
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                              "--worker", json.dumps(s)],
                             stdout=subprocess.PIPE, bufsize=0)
        procs.append(p)
        sel.register(p.stdout, selectors.EVENT_READ, j)
    t0 = time.time()
    prog = Progress(a["quiet"])
    done = [0] * jobs
    kinds = [{} for _ in range(jobs)]
    findings, errors, info = [], [], None
    ready, t_ready = 0, None
    finder = None
    cpu = {}
    bufs = [b""] * jobs
    open_ = jobs
    stop = False
    while open_:
        for key, _ in sel.select(timeout=1.0):
            j = key.data
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                sel.unregister(key.fileobj)
                open_ -= 1
                continue
            bufs[j] += chunk
            while b"\n" in bufs[j]:
                line, bufs[j] = bufs[j].split(b"\n", 1)
                m = json.loads(line)
                t = m["t"]
                if t in ("progress", "end"):
                    done[j] = m["done"]
                    kinds[j] = m["kinds"]
                    if t == "end":
                        for kk, v in m.get("cpu", {}).items():
                            if v is not None:
                                cpu[kk] = cpu.get(kk, 0.0) + v
                elif t == "info":
                    info = m
                    ready += 1
                    if ready == jobs:
                        t_ready = time.time()
                elif t == "finding":
                    findings.append(m)
                    if serious(m["kind"]) and not a["keep_going"]:
                        stop = True
                        finder = j
                elif t == "error":
                    errors.append(m["message"])
        all_kinds = {}
        for kd in kinds:
            for kk, v in kd.items():
                all_kinds[kk] = all_kinds.get(kk, 0) + v
        prog.show(sum(done), total, all_kinds)
        if stop or errors:
            # the others stop now; the one that found it ends by itself
            for jj, p in enumerate(procs):
                if jj != finder and p.poll() is None:
                    p.terminate()
            stop = False
    for p in procs:
        p.wait()
    elapsed = time.time() - t0
    prog.show(sum(done), total, all_kinds, final=True)
    startup = (t_ready or time.time()) - t0
    return summary(a, what, info, sum(done), total, elapsed, startup,
                   all_kinds, findings, errors, jobs, cpu)


def summary(a, what, info, done, total, elapsed, startup, kinds, findings,
            errors, jobs, cpu):
    side = "driver plain mode" if a["check_driver"] else \
        "model profile %s" % a["profile"]
    k, n = a["shard"]
    shard = "" if n == 1 else ", shard %d/%d" % (k, n)
    print("fuzz: %s against %s; seed %d, %d of %d cases%s, %d jobs, "
          "%.1f s, %.0f cases/s (%.0f cases/s after %.1f s of start-up)" % (
              what, side, a["seed"], done, total, shard, jobs, elapsed,
              done / max(elapsed, 1e-9), done / max(elapsed - startup, 1e-9),
              startup))
    if cpu and done:
        print("fuzz: CPU per case: " + ", ".join(
            "%s %.2f ms" % (kk, 1000 * v / done) for kk, v in sorted(cpu.items())))
    bad = {kk: v for kk, v in kinds.items() if serious(kk)}
    named = {kk: v for kk, v in kinds.items() if not serious(kk)}
    print("fuzz: %d agree, %d disagree%s" % (
        done - sum(kinds.values()), sum(bad.values()),
        "".join(", %s %d" % kv for kv in sorted(bad.items()))))
    if named:
        print("fuzz: explained by named differences (spec/differences.md): "
              + ", ".join("%s %d" % kv for kv in sorted(named.items())))
    for f in findings:
        rel = os.path.relpath(f["path"])
        print("fuzz: %s: case %d, %d lines: %s" % (
            f["kind"], f["case"], f["lines"],
            f["path"] if rel.startswith("..") else rel))
    for e in errors:
        print("fuzz: error: %s" % e)
    if errors:
        return 2
    if bad:
        return 1
    if done < total:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
