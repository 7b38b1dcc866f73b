"""Batch mode: many traces in one process, fast (driver.py --batch).

Each trace runs the same statements as trace_exec.run (trace_gen.Generator
gives the Python of every operation), from the same initial state
(spec/trace.md, "Initial state"), and prints the same events.  Two things
make it about ten times faster:

- No compile() per trace.  Every operation becomes a function of its own,
  made from a code template: the operation's source with its numbers
  replaced by placeholders is compiled once per shape, and each use gets a
  fresh copy of the template's code with the real numbers as constants
  (code.replace).  A fresh code object has never run, so nothing in it is
  specialized (each bytecode still runs once).  MAIN calls the functions in
  turn, through an iterator made before the trace: a call of a Python
  function allocates no gc object (3.11+), and neither does the loop
  (check_quiet.py --batch measures it).
- The driver's own objects stay frozen between traces.  Before a trace,
  `gc.collect()` then only scans what the previous trace and the set-up of
  this one left in the three generations.  What the set-up of each trace
  freezes (its functions, classes, namespace) accumulates in the permanent
  generation and is released by a *rebase* (unfreeze, collect until clean)
  every REBASE_EVERY traces, after a trace that froze or unfroze, and
  before a trace that unfreezes: such a trace brings the permanent
  generation into gen2, which must then hold only live objects, as in
  trace_exec.run.  `frozen_base` (as trace_exec.run's) is reported for the
  traces that unfreeze or query the freeze count: reading it walks the
  whole permanent generation.

Protocol (text, line based; lines starting with `%` are control lines,
which no valid trace contains):

    %hello                      -> %info version=X.Y.Z impl=NAME tp_del=0|1
    %trace NAME                 the lines of one trace follow, up to
    ...                         a line `%end`
    %end                        -> its events (`LINE: EVENT`), then
                                   [%error FILE:LINE: error: MESSAGE]
                                   %done ok|error [frozen_base=N]
    %rebase                     -> %done rebase
"""

import gc
import re
import sys
import types

import trace_exec as tx
import trace_gen as tg
from trace_parse import TraceError, parse

REBASE_EVERY = 100            # traces between two rebases

_NUM = re.compile(r"(?<![\w.])(\d+)")
_BIG = 999000000              # placeholders: _BIG + k (never a trace number)
_TEMPLATES = {}


def _template(key, parts):
    """(code, plan) for the source whose non-number PARTS are given: the
    code of the one function it defines, compiled with placeholders, and
    where each number goes among its constants: (index, k, sign)."""
    t = _TEMPLATES.get(key)
    if t is None:
        src = "".join(p + (str(_BIG + i) if i < len(parts) - 1 else "")
                      for i, p in enumerate(parts))
        mod = compile(src, "<pymemref op>", "exec")
        code = next(c for c in mod.co_consts if isinstance(c, types.CodeType))
        plan = []
        for i, c in enumerate(code.co_consts):
            if type(c) is int and 0 <= abs(c) - _BIG < len(parts) - 1:
                plan.append((i, abs(c) - _BIG, 1 if c > 0 else -1))
        t = _TEMPLATES[key] = (code, tuple(plan), list(code.co_consts))
    return t


def _function(src, g, name):
    """The function SRC defines, with its numbers as constants of a fresh
    code object (never run, so never specialized)."""
    pieces = _NUM.split(src)
    parts = pieces[0::2]
    code, plan, consts = _template("\0".join(parts), parts)
    nums = pieces[1::2]
    consts = list(consts)
    for i, k, sign in plan:
        consts[i] = sign * int(nums[k])
    code = code.replace(co_consts=tuple(consts), co_name=name)
    return types.FunctionType(code, g, name)


_MAIN_SRC = "def MAIN():\n    for f in IT:\n        f()\n"


def build(trace, g):
    """Put the trace's finalizers, classes and MAIN into globals G."""
    for c in trace.classes:
        if c.kind == "instance" and c.action and c.action[0] != "legacy":
            src = tg.finalizer_source(c)
            src = "def F" + src[src.index("("):]
            g[tg.del_func(c)] = _function(src, g, tg.del_func(c))
    gen = tg.Generator(trace)
    funcs = []
    for op in trace.ops:
        lines = gen.op(op)
        if lines:
            body = "".join("    %s\n" % s for s in lines)
            funcs.append(_function("def F():\n    N = None\n" + body, g, "OP"))
    tx._build_classes(trace, g)
    funcs = tuple(funcs)
    g["FUNCS"] = funcs           # keeps the tuple alive when IT is exhausted
    g["IT"] = iter(funcs)
    g["MAIN"] = _function(_MAIN_SRC, g, "MAIN")


def _go(main, E, need_fc0):
    """trace_exec._go, except that the freeze count (a walk over the whole
    permanent generation) is read only when the trace needs it: for its
    `query freeze_count` or, after its `unfreeze`, as frozen_base."""
    gc.collect()
    if gc.garbage:
        return None
    s0 = tx._stats9()
    gc.freeze()
    r = gc.collect()
    fc0 = gc.get_freeze_count() if need_fc0 else -1
    err = None
    try:
        main()
    except BaseException as e:
        err = e
    n = len(E)
    return s0, r, fc0, n, err


class Batch:
    """Runs traces one after another in this interpreter."""

    def __init__(self):
        self.since_rebase = 0
        self.rebase()

    def rebase(self):
        """Unfreeze everything and collect until nothing of the traces is
        left; the next trace freezes the driver's objects again."""
        gc.disable()
        gc.set_debug(0)
        gc.unfreeze()
        tx._clean([])
        gc.set_threshold(*tx.STARTUP_THRESHOLD)
        gc.enable()
        self.since_rebase = 0

    def run(self, trace, info=None):
        """As trace_exec.run: the observable events of TRACE."""
        kinds = set(op.kind for op in trace.ops)
        if "unfreeze" in kinds or self.since_rebase >= REBASE_EVERY:
            self.rebase()
        base = tx.weakref_refcount_base()
        g = tx._globals(trace)
        build(trace, g)
        unraisable = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = lambda u: unraisable.append((len(g["E"]),
                                                          u.exc_value))
        gc.set_threshold(*tx.STARTUP_THRESHOLD)
        gc.set_debug(0)
        gc.enable()
        try:
            need = bool(kinds & {"unfreeze"}) or any(
                op.kind == "query" and op.what == "freeze_count"
                for op in trace.ops)
            res = _go(g["MAIN"], g["E"], need)
            if res is None:
                tx._clean([])
                res = _go(g["MAIN"], g["E"], need)
            s0, r, fc0, n, err = res
            if err is not None:
                err = tx._dynamic_error(trace, g["E"], n, err, g["R"])
        finally:
            sys.unraisablehook = old_hook
            self._restore(g, kinds)
        self.since_rebase += 1
        E = g["E"]
        if info is not None and fc0 >= 0:
            info["frozen_base"] = fc0
        if err is not None:
            raise err
        if unraisable:
            pos, exc = unraisable[0]
            raise TraceError(tx._line_at(E, pos),
                             "exception in a finalizer: %r" % exc)
        s0 = list(s0)
        s0[6] += 1          # the driver's own collection after the freeze
        s0[7] += r
        return tx.decode(trace, E, n, s0, fc0, base)

    def _restore(self, g, kinds):
        gc.disable()
        gc.set_debug(0)
        tx._clean(g["R"])      # the driver's objects stay frozen
        if kinds & {"freeze", "unfreeze"}:
            self.rebase()      # what the trace froze; or all of it in gen2
        gc.set_threshold(*tx.STARTUP_THRESHOLD)
        gc.set_debug(0)
        gc.enable()


def info_line():
    tp_del = tx._testcapi is not None and hasattr(tx._testcapi, "with_tp_del")
    impl = sys.implementation.name
    if sys.platform == "emscripten":
        impl += "-emscripten"
    return "%%info version=%s impl=%s tp_del=%d" % (
        "%d.%d.%d" % sys.version_info[:3], impl, tp_del)


class Server:
    """The protocol above over text: feed() takes any piece of the input
    and returns the answers that became complete."""

    def __init__(self):
        self.batch = None
        self.pending = ""
        self.name = None
        self.lines = None

    def feed(self, text):
        out = []
        data = self.pending + text
        parts = data.split("\n")
        self.pending = parts.pop()
        for line in parts:
            self._line(line, out)
        return "".join(out)

    def _line(self, line, out):
        if self.lines is not None:
            if line == "%end":
                out.append(self.answer(self.name, "\n".join(self.lines) + "\n"))
                self.lines = None
            else:
                self.lines.append(line)
        elif line.startswith("%trace"):
            self.name = line[6:].strip() or "<trace>"
            self.lines = []
        elif line == "%hello":
            out.append(info_line() + "\n")
        elif line == "%rebase":
            self._batch().rebase()
            out.append("%done rebase\n")
        elif line.strip():
            out.append("%%error <batch>:0: error: unexpected line %r\n"
                       "%%done error frozen_base=0\n" % line[:80])

    def _batch(self):
        if self.batch is None:
            self.batch = Batch()
        return self.batch

    def answer(self, name, text):
        info = {}
        try:
            events = self._batch().run(parse(name, text.encode("utf-8")), info)
        except TraceError as e:
            return "%%error %s:%d: error: %s\n%%done error%s\n" % (
                name, e.line, e.message, _fb(info))
        return "".join(tx.format_text(ev) + "\n" for ev in events) + \
            "%%done ok%s\n" % _fb(info)


def _fb(info):
    fb = info.get("frozen_base")
    return "" if fb is None else " frozen_base=%d" % fb


def serve(inp, out):
    """Answer the protocol on text streams INP and OUT until end of input."""
    s = Server()
    for line in inp:
        r = s.feed(line)
        if r:
            out.write(r)
            if s.lines is None:
                out.flush()
    r = s.feed("\n") if s.pending else ""
    if r:
        out.write(r)
    out.flush()
