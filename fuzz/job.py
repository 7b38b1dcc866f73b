"""One fuzzing job (a process that fuzz.py starts): its own interpreter
process and model process, the cases FIRST, FIRST+STEP, ... below CASES,
in batches.  It reports to fuzz.py as JSON Lines on standard output:
  {"t": "info", ...}            the interpreter and the model, once
  {"t": "progress", "done": N, "kinds": {KIND: COUNT}}   after each batch
  {"t": "finding", "kind": K, "case": C, "path": P}      a written finding
  {"t": "end", "done": N, "kinds": ..., "cpu": {PROCESS: SECONDS}}
Disagreements are classified by judge.classify, shrunk (shrink.py) and
written under --findings; with --check-driver the two sides are the
driver's batch mode and its plain mode (trace_exec.run) on the same
interpreter instead of the driver and the model."""

import json
import sys
import time

import gen
import judge
import runner
import shrink


def say(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


class Job:
    def __init__(self, spec):
        self.spec = spec
        argv, self.label = runner.interpreter_argv(spec.get("python"),
                                                   spec.get("pyodide"))
        self.py = runner.Proc(argv, self.label)
        self.info = self.py.hello()
        self.check_driver = spec.get("check_driver", False)
        if self.check_driver:
            self.ref = runner.Proc(argv, self.label + " (plain mode)")
            self.ref.hello()
            self.ref.control("%mode single")
        else:
            self.ref = runner.Proc([spec["model"]], "model")
            self.ref.hello()
        self.profile = spec["profile"]
        self.legacy = self.info.get("tp_del") == "1"
        self.kinds = {}
        self.findings = {}
        self.written = 0

    # -------------------------------------------------------------- runs
    def header(self, ans):
        """The model's header fields for a trace, given the driver's
        answer for it."""
        h = " profile=%s" % self.profile
        if not self.check_driver:
            for k in ("frozen_base", "frozen_immortal"):
                if k in ans.info:
                    h += " %s=%s" % (k, ans.info[k])
        return h

    def run_pairs(self, names, texts, meanwhile=None):
        """(driver answers, reference answers, MEANWHILE()) for the texts:
        MEANWHILE runs while the two processes work."""
        blocks = [runner.block(n, t) for n, t in zip(names, texts)]
        self.py.send(blocks)
        if self.check_driver:
            self.ref.send(blocks)
        else:
            # the model at once, with frozen_base only where the trace
            # unfreezes (it runs again once the driver has said how many)
            self.ref.send([runner.block(n, t, " profile=%s" % self.profile)
                           for n, t in zip(names, texts)])
        extra = meanwhile() if meanwhile else None
        if self.check_driver:
            return (self.py.receive(len(blocks)),
                    self.ref.receive(len(blocks)), extra)
        mans = self.ref.receive(len(blocks))
        pans = []
        while True:
            got = self.py.receive_upto_crash(len(blocks) - len(pans))
            pans += got
            if not got or "crashed" not in got[-1].info:
                break
            self.restart()                # the interpreter crashed: a new
            if len(pans) == len(blocks):  # one for the rest, and for what
                break                     # comes next
            self.py.send(blocks[len(pans):])
        again = [i for i, a in enumerate(pans) if "frozen_base" in a.info]
        if again:
            redo = self.ref.run([runner.block(names[i], texts[i],
                                              self.header(pans[i]))
                                 for i in again])
            for i, a in zip(again, redo):
                mans[i] = a
        return pans, mans, extra

    def classify(self, text, pa, ma):
        if self.check_driver:
            if pa.ok == ma.ok and pa.events == ma.events and \
                    (pa.error is None) == (ma.error is None):
                return None
            return "unexplained" if pa.ok and ma.ok else (
                "error-both" if not pa.ok and not ma.ok else
                "error-driver" if not pa.ok else "error-model")

        def rerun(h):
            return self.ref.run([runner.block("x", text, " profile=%s%s"
                                              % (self.profile, h))])[0]
        return judge.classify(text, pa, ma, self.profile, rerun)

    def restart(self):
        """A new interpreter process after a crash of the old one."""
        self.py.close()
        argv, _ = runner.interpreter_argv(self.spec.get("python"),
                                          self.spec.get("pyodide"))
        self.py = runner.Proc(argv, self.label)
        self.py.hello()

    # ------------------------------------------------------------- cases
    def go(self):
        s = self.spec
        say({"t": "info", "interpreter": self.info, "label": self.label})
        cases = range(s["first"], s["cases"], s["step"])
        bsize = s["batch"]
        batches = [cases[i:i + bsize] for i in range(0, len(cases), bsize)]
        done = 0
        nxt = self.make(batches[0]) if batches else None
        for bi, batch in enumerate(batches):
            names, texts = nxt
            later = batches[bi + 1] if bi + 1 < len(batches) else None
            pans, mans, nxt = self.run_pairs(
                names, texts, lambda: self.make(later) if later else None)
            stop = False
            for c, text, pa, ma in zip(batch, texts, pans, mans):
                done += 1
                kind = self.classify(text, pa, ma)
                if kind is None:
                    continue
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
                self.found(kind, c, text, pa, ma)
                if self.serious(kind) and not s["keep_going"]:
                    stop = True
                    break
            say({"t": "progress", "done": done, "kinds": self.kinds})
            if stop:
                break
        import resource
        r = resource.getrusage(resource.RUSAGE_SELF)
        say({"t": "end", "done": done, "kinds": self.kinds,
             "cpu": {"job": r.ru_utime + r.ru_stime, "interpreter":
                     self.py.cpu(), "model": self.ref.cpu()}})

    def make(self, batch):
        s = self.spec
        names = ["c%d" % c for c in batch]
        texts = [gen.generate(s["seed"], c, s["objects"], self.legacy)
                 for c in batch]
        return names, texts

    @staticmethod
    def serious(kind):
        return kind == "unexplained" or kind.startswith("error-")

    # ---------------------------------------------------------- findings
    def found(self, kind, case, text, pa, ma):
        s = self.spec
        serious = self.serious(kind)
        if not serious and kind in self.findings:
            return               # one example of each named difference
        if serious and self.written >= s["max_findings"]:
            return
        self.findings[kind] = self.findings.get(kind, 0) + 1
        small, spa, sma = text, pa, ma
        if not s["no_shrink"]:
            t0 = time.time()
            small = self.shrink(text, kind)
            spa, sma, _ = self.run_pairs(["shrunk"], [small])
            spa, sma = spa[0], sma[0]
            if self.classify(small, spa, sma) != kind:   # should not happen
                small, spa, sma = text, pa, ma
            took = time.time() - t0
        else:
            took = 0.0
        tag = "%s-%s" % ("pyodide" if s.get("pyodide") else "cpython",
                         self.info.get("version", "?"))
        prefix = "driver-" if self.check_driver else ""
        name = "%s%s-%s-p%s-s%d-c%d" % (prefix, tag, kind, self.profile,
                                        s["seed"], case)
        f = {"kind": kind, "interpreter": self.label,
             "impl": self.info.get("impl", "?") + " " +
             self.info.get("version", "?"),
             "profile": self.profile if not self.check_driver else
             "(driver plain mode)",
             "seed": s["seed"], "case": case, "trace": small,
             "original_lines": text.count("\n"), "py": spa, "model": sma,
             "command": s["command"]}
        path = judge.write_finding(s["findings"], name, f)
        if serious:
            self.written += 1
        say({"t": "finding", "kind": kind, "case": case, "path": path,
             "lines": small.count("\n"), "shrink_seconds": round(took, 1)})

    def shrink(self, text, kind):
        def still(cands):
            names = ["s%d" % i for i in range(len(cands))]
            pans, mans, _ = self.run_pairs(names, cands)
            return [self.classify(t, p, m) == kind
                    for t, p, m in zip(cands, pans, mans)]
        budget = 4000 if self.serious(kind) else 600
        return shrink.shrink(text, still, budget)

    def close(self):
        self.py.close()
        self.ref.close()


def main(spec):
    try:
        job = Job(spec)
    except runner.ProcError as e:
        say({"t": "error", "message": str(e)})
        return 2
    try:
        job.go()
    except runner.ProcError as e:
        say({"t": "error", "message": str(e)})
        return 2
    finally:
        job.close()
    return 0
