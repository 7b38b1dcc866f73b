#!/usr/bin/env python3
"""Speed of the differential fuzzer, end to end (make bench).

usage: run.py [--python PATH] [--cases N] [--pyodide-cases N] [--jobs N]

Runs fuzz/fuzz.py against the native interpreter PATH (default python3)
with traces of at most 20 objects, then against each pinned Pyodide build,
and prints for each: cases/s over the whole run, cases/s once the
processes have started (Pyodide takes seconds to load), and the CPU time
that all the processes used per case.  Other work on the machine slows
the first two (the load average is printed with them); the third, measured
as the CPU time of this run minus that of a run of two cases per job, says
what the same run would do on idle CPUs: cases/s = CPUs / (CPU time per
case), an estimate (CPU time itself grows when the CPUs are shared).
Targets: 1,000 cases/s native, 100 cases/s per Pyodide.
"""

import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FUZZ = os.path.join(ROOT, "fuzz", "fuzz.py")
RATE = re.compile(r", ([0-9.]+) s, ([0-9]+) cases/s \(([0-9]+) cases/s after "
                  r"([0-9.]+) s of start-up\)")
DISAGREE = re.compile(r"fuzz: [0-9]+ agree, ([0-9]+) disagree")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(sel, cases, jobs, seed):
    c0 = children_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([sys.executable, FUZZ] + sel +
                           ["--cases", str(cases), "--objects", "20",
                            "--jobs", str(jobs), "--seed", str(seed),
                            "--quiet", "--keep-going", "--no-shrink",
                            "--findings", tmp],
                           stdout=subprocess.PIPE, text=True)
    cpu = children_cpu() - c0
    if p.returncode == 3:
        return "no model profile"
    # 1: disagreements (counted and shown, not this benchmark's business)
    m = RATE.search(p.stdout)
    if p.returncode not in (0, 1) or not m:
        sys.stdout.write(p.stdout)
        return None
    d = DISAGREE.search(p.stdout)
    return (float(m.group(1)), int(m.group(2)), int(m.group(3)),
            float(m.group(4)), cpu, int(d.group(1)) if d else 0)


def main(argv):
    python, cases, pcases, jobs = "python3", 5000, 600, os.cpu_count() or 1
    i = 0
    while i + 1 < len(argv):
        o, v = argv[i], argv[i + 1]
        if o == "--python":
            python = v
        elif o == "--cases":
            cases = int(v)
        elif o == "--pyodide-cases":
            pcases = int(v)
        elif o == "--jobs":
            jobs = int(v)
        else:
            break
        i += 2
    if i != len(argv):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    ncpu = os.cpu_count() or 1
    print("fuzz bench: %d jobs on %d CPUs, load average %.1f at the start"
          % (jobs, ncpu, os.getloadavg()[0]))
    rows = [("native %s" % python, ["--python", python], cases, 1000)]
    rows += [("pyodide %s" % v, ["--pyodide", v], pcases, 100)
             for v in ("3.12", "3.13", "3.14")]
    bad = 0
    for label, sel, n, target in rows:
        t0 = time.time()
        small = run(sel, 2 * jobs, jobs, 12)     # start-up and shut-down
        r = run(sel, n, jobs, 11) if isinstance(small, tuple) else small
        if r is None:
            print("  %-20s FAILED" % label)
            bad += 1
            continue
        if r == "no model profile":
            # no model to compare with: the driver alone, batch mode
            # against its plain mode, says nothing about speed; say so
            print("  %-20s no model profile yet (%.0f s)" % (label,
                                                          time.time() - t0))
            continue
        secs, rate, steady, startup, cpu, dis = r
        cpu = max(cpu - small[4], 1e-9) / (n - 2 * jobs)
        print("  %-20s %5d cases in %5.1f s: %5d cases/s, %5d after %.1f s "
              "start-up; %.2f ms CPU per case = %d cases/s on %d idle CPUs "
              "(target %d)%s" % (label, n, secs, rate, steady, startup,
                                 cpu * 1000, ncpu / cpu, ncpu, target,
                                 "; %d disagreements" % dis if dis else ""))
    print("  load average %.1f at the end" % os.getloadavg()[0])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
