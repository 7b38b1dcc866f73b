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
  generation, and so does what a trace freezes itself; a *rebase*
  (unfreeze, collect until clean) releases it every REBASE_EVERY traces,
  and before a trace that unfreezes: such a trace brings the permanent
  generation into gen2, which must then hold only live objects, as in
  trace_exec.run.  `frozen_base` and `frozen_immortal` (as trace_exec.run's)
  are reported for the traces that unfreeze: reading them walks the whole
  permanent generation.

Protocol (text, line based; lines starting with `%` are control lines,
which no valid trace contains):

    %hello                      -> %info version=X.Y.Z impl=NAME tp_del=0|1
    %trace NAME                 the lines of one trace follow, up to
    ...                         a line `%end`
    %end                        -> its events (`LINE: EVENT`), then
                                   [%error FILE:LINE: error: MESSAGE]
                                   %done ok|error [frozen_base=N
                                                   frozen_immortal=M]
    %rebase                     -> %done rebase
    %mode single|batch          -> %done mode: run the next traces with
                                   trace_exec.run (each from a full reset,
                                   as driver.py TRACE does) or as above
"""

import gc
import re
import sys
import types

import trace_exec as tx
import trace_gen as tg
from trace_parse import TraceError, parse

REBASE_EVERY = 300            # traces between two rebases

_NUM = re.compile(r"(?<![\w.])(\d+)")
_BIG = 999000000              # placeholders: _BIG + k (never a trace number)
_TEMPLATES = {}
_LINES = {}
# The caches hold only tuples, strings, ints and code objects, so that a
# collection can untrack their entries: the traces' collections never see
# them, and the rebases' full collections only walk the dictionaries.  Each
# is emptied when it reaches its size.
_LINES_MAX = 50000
_TEMPLATES_MAX = 10000


def _split(line):
    """(parts, numbers) of one line of source: the text between its
    numbers, and the numbers (cached: most lines recur from trace to
    trace)."""
    r = _LINES.get(line)
    if r is None:
        pieces = _NUM.split(line)
        r = (tuple(pieces[0::2]), tuple(int(x) for x in pieces[1::2]))
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        _LINES[line] = r
    return r


def _template(shape):
    """The template of a function whose source lines have the non-number
    parts SHAPE (a tuple of parts per line): (code, ints, tuples), where
    code was compiled with placeholders for the numbers, ints lists the
    constants that are one number (index, k, sign: number k, negated when
    the compiler folded a minus) and tuples the constant tuples that hold
    some (index, tuple with placeholders), such as the keys of a dict
    display (BUILD_CONST_KEY_MAP).  code is None when some number did not
    end up among the constants; such a shape is compiled as it is."""
    t = _TEMPLATES.get(shape)
    if t is not None:
        return t
    src, k = [], 0
    for parts in shape:
        for j, p in enumerate(parts):
            src.append(p)
            if j < len(parts) - 1:
                src.append(str(_BIG + k))
                k += 1
        src.append("\n")
    mod = compile("".join(src), "<pymemref op>", "exec")
    code = next(c for c in mod.co_consts if isinstance(c, types.CodeType))
    ints, tuples, found = [], [], set()
    for i, c in enumerate(code.co_consts):
        if type(c) is int and 0 <= abs(c) - _BIG < k:
            ints.append((i, abs(c) - _BIG, 1 if c > 0 else -1))
            found.add(abs(c) - _BIG)
        elif type(c) is tuple and _collect(c, k, found):
            tuples.append((i, c))
    if found != set(range(k)):
        code = None
    if len(_TEMPLATES) >= _TEMPLATES_MAX:
        _TEMPLATES.clear()
    t = _TEMPLATES[shape] = (code, tuple(ints), tuple(tuples))
    return t


def _collect(c, k, found):
    """Whether C (a constant) holds placeholders; adds them to FOUND."""
    if type(c) is int:
        if 0 <= abs(c) - _BIG < k:
            found.add(abs(c) - _BIG)
            return True
        return False
    if type(c) is tuple:
        return any([_collect(x, k, found) for x in c])
    return False


def _fill(c, nums):
    if type(c) is int:
        k = abs(c) - _BIG
        if 0 <= k < len(nums):
            return nums[k] if c > 0 else -nums[k]
        return c
    if type(c) is tuple:
        return tuple(_fill(x, nums) for x in c)
    return c


def _function(lines, g, name):
    """The function whose source is LINES (one `def` line first), with its
    numbers as constants of a fresh code object (never run, so never
    specialized)."""
    shape, nums = [], []
    for line in lines:
        parts, n = _split(line)
        shape.append(parts)
        nums.extend(n)
    code, ints, tuples = _template(tuple(shape))
    if code is None:
        mod = compile("".join(l + "\n" for l in lines), "<pymemref op>",
                      "exec")
        code = next(c for c in mod.co_consts if isinstance(c, types.CodeType))
        return types.FunctionType(code.replace(co_name=name), g, name)
    consts = list(code.co_consts)
    for i, k, sign in ints:
        consts[i] = nums[k] if sign > 0 else -nums[k]
    for i, c in tuples:
        consts[i] = _fill(c, nums)
    return types.FunctionType(code.replace(co_consts=tuple(consts),
                                           co_name=name), g, name)


_HEAD = ("def F():", "    N = None")
_OPS = {}
_OPS_MAX = 30000


def _op_function(body, tail, g):
    """The function of one operation: _HEAD, the lines BODY (a tuple),
    then the line TAIL.  Bodies recur from trace to trace, and only the
    number in TAIL (the next operation's marker) differs: those are looked
    up whole."""
    key = (body, tail[:3])
    hit = _OPS.get(key)
    if hit is None:
        shape, nums = [("def F():",), ("    N = None",)], []
        for line in body:
            parts, n = _split("    " + line)
            shape.append(parts)
            nums.extend(n)
        tparts, tnums = _split("    " + tail)
        shape.append(tparts)
        code, ints, tuples = _template(tuple(shape))
        hit = (code, ints, tuples, tuple(nums), len(tnums))
        if len(_OPS) >= _OPS_MAX:
            _OPS.clear()
        _OPS[key] = hit
    code, ints, tuples, nums, nt = hit
    if nt:
        nums = nums + _split("    " + tail)[1]
    if code is None:
        return _function(list(_HEAD) + ["    " + l for l in body] +
                         ["    " + tail], g, "OP")
    consts = list(code.co_consts)
    for i, k, sign in ints:
        consts[i] = nums[k] if sign > 0 else -nums[k]
    for i, c in tuples:
        consts[i] = _fill(c, nums)
    return types.FunctionType(code.replace(co_consts=tuple(consts),
                                           co_name="OP"), g, "OP")


def build(trace, g):
    """Put the trace's finalizers, classes and MAIN into globals G.

    The function of an operation ends with the marker of the next one
    (`A(-LINE)`), the last one with DISABLE(), so that the calls between
    them (the loop in MAIN, the entry of each function: eval-breaker checks
    on 3.12+) all come right after an eval-breaker check that follows a
    call, as between the operations of trace_gen's straight-line chunks:
    a collection scheduled before the marker runs after it in both."""
    for c in trace.classes:
        if c.kind == "instance" and c.action and c.action[0] != "legacy":
            src = tg.finalizer_source(c).rstrip("\n").split("\n")
            src[0] = "def F" + src[0][src[0].index("("):]
            g[tg.del_func(c)] = _function(src, g, tg.del_func(c))
    gen = tg.Generator(trace)
    bodies = []
    for op in trace.ops:
        lines = gen.op(op)
        if lines:
            bodies.append(lines)
    funcs = []
    last = len(bodies) - 1
    for i, lines in enumerate(bodies):
        funcs.append(_op_function(tuple(lines[1:]), bodies[i + 1][0]
                                  if i < last else "DISABLE()", g))
    tx._build_classes(trace, g)
    funcs = tuple(funcs)
    g["FUNCS"] = funcs           # keeps the tuple alive when IT is exhausted
    g["IT"] = iter(funcs)
    if bodies:
        main = ["def F():", "    " + bodies[0][0], "    for f in IT:",
                "        f()"]
    else:
        main = ["def F():", "    DISABLE()"]
    g["MAIN"] = _function(main, g, "MAIN")


def _go(main, E, need_fc0, info=None):
    """trace_exec._go, except that the freeze counts (walks over the whole
    permanent generation) are read only when the trace needs them: for its
    `query freeze_count` or, after its `unfreeze`, as frozen_base and
    frozen_immortal (a trace that unfreezes comes right after a rebase, so
    that then only the immortal objects are frozen, as there); and that the
    collection before the freeze is made only then (INFO given): otherwise
    whatever the young generations hold, garbage included, goes into the
    permanent generation with the driver's objects, where the trace never
    sees it (nothing of a trace refers to another's objects)."""
    # Disabled until the trace starts: the counts are not zeroed by a
    # collection before the snapshot of the statistics here, so a
    # collection that an allocation made now scheduled (3.12+) could run
    # between that snapshot and the freeze.
    gc.disable()
    if info is not None:
        gc.collect()
    if gc.garbage:
        gc.enable()
        return None
    if info is not None:
        info["frozen_immortal"] = gc.get_freeze_count()
    s0 = tx._stats9()
    gc.freeze()
    r = gc.collect()
    fc0 = gc.get_freeze_count() if need_fc0 else -1
    gc.enable()
    err = None
    try:
        main()
    except BaseException as e:
        err = e
    n = len(E)
    return s0, r, fc0, n, err


def _release(R):
    """trace_exec._clean without its collections: drop the names and what
    gc.garbage holds (until no finalizer binds a name again).  What the
    trace left as cyclic garbage is frozen with the next trace's set-up, or
    collected by an automatic collection before that (then gc.garbage may
    fill again, and _go asks for a full clean), or by the next rebase."""
    for _ in range(100):
        for i in range(len(R)):
            R[i] = None
        if gc.garbage:
            garb = list(gc.garbage)
            gc.garbage.clear()
            for obj in garb:
                tx._break(obj)
            obj = garb = None
        if not gc.garbage and not any(x is not None for x in R):
            return
    tx._clean(R)


class Batch:
    """Runs traces one after another in this interpreter."""

    def __init__(self):
        self.since_rebase = 0
        self.namespaces = []
        self.rebase()

    def rebase(self):
        """Unfreeze everything and collect until nothing of the traces is
        left; the next trace freezes the driver's objects again.

        The namespaces of the traces since the last rebase are emptied at
        every round, as trace_exec._clean does with the one of its trace:
        finalizers that run now (`resurrect:`, `create:`) still bind into
        them, and an object with a legacy finalizer bound there would keep
        itself alive for ever (it reaches its class, whose `__tp_del__`
        reaches the trace's globals and so the namespace)."""
        gc.disable()
        gc.set_debug(0)
        gc.unfreeze()
        spaces = self.namespaces
        for _ in range(1000):
            for R in spaces:
                for i in range(len(R)):
                    R[i] = None
            gc.collect()
            if not gc.garbage and not any(x is not None for R in spaces
                                          for x in R):
                break
            garb = list(gc.garbage)
            gc.garbage.clear()
            for obj in garb:
                tx._break(obj)
            obj = garb = None
        self.namespaces = []
        gc.set_threshold(*tx.STARTUP_THRESHOLD)
        gc.enable()
        self.since_rebase = 0

    def run(self, trace, info=None):
        """As trace_exec.run: the observable events of TRACE."""
        kinds = set(op.kind for op in trace.ops)
        if "unfreeze" in kinds or self.since_rebase >= REBASE_EVERY:
            self.rebase()
        g = tx._globals(trace)
        self.namespaces.append(g["R"])
        build(trace, g)
        unraisable = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = lambda u: unraisable.append((len(g["E"]),
                                                          u.exc_value))
        gc.set_threshold(*tx.STARTUP_THRESHOLD)
        gc.set_debug(0)
        gc.enable()
        try:
            need = "unfreeze" in kinds
            fc = need or any(op.kind == "query" and op.what == "freeze_count"
                             for op in trace.ops)
            imm = {} if need else None
            res = _go(g["MAIN"], g["E"], fc, imm)
            if res is None:        # garbage left by earlier traces
                self.rebase()
                self.namespaces.append(g["R"])
                res = _go(g["MAIN"], g["E"], fc, imm)
            s0, r, fc0, n, err = res
            if err is not None:
                err = tx._dynamic_error(trace, g["E"], n, err, g["R"])
        finally:
            sys.unraisablehook = old_hook
            self._restore(g, kinds)
        self.since_rebase += 1
        E = g["E"]
        if info is not None and need:
            info["frozen_base"] = fc0
            info["frozen_immortal"] = imm["frozen_immortal"]
        if err is not None:
            raise err
        if unraisable:
            pos, exc = unraisable[0]
            raise TraceError(tx._line_at(E, pos),
                             "exception in a finalizer: %r" % exc)
        s0 = list(s0)
        s0[6] += 1          # the driver's own collection after the freeze
        s0[7] += r
        return tx.decode(trace, E, n, s0, fc0)

    def _restore(self, g, kinds):
        gc.disable()
        gc.set_debug(0)
        # The driver's objects stay frozen; after an unfreeze, all of them
        # are in gen2 and the next trace's freeze takes them back.  What a
        # trace froze itself stays frozen until the next rebase.
        _release(g["R"])
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
    and returns the answers that became complete; with EMIT, each trace's
    answer goes to EMIT(text) as soon as it is complete instead (so that
    when the interpreter crashes, every answer before the trace that
    crashed it has been written)."""

    def __init__(self, emit=None):
        self.emit = emit
        self.batch = None
        self.single = False
        self.buf = ""
        self.scan = 0            # where to look for the next `%end` from
        self.name = None         # the trace being received, if any

    def feed(self, text):
        out = []
        buf = self.buf + text
        pos = 0
        while True:
            if self.name is None:
                nl = buf.find("\n", pos)
                if nl < 0:
                    break
                self._control(buf[pos:nl], out)
                pos = nl + 1
                self.scan = pos
                continue
            if buf.startswith("%end\n", pos):
                end, body = pos + 5, ""
            else:
                i = buf.find("\n%end\n", max(self.scan, pos + 1) - 1)
                if i < 0:
                    self.scan = max(pos, len(buf) - 5)
                    break
                end, body = i + 6, buf[pos:i + 1]
            if self.emit is not None:
                self.emit("".join(out) + self.answer(self.name, body))
                out = []
            else:
                out.append(self.answer(self.name, body))
            self.name = None
            pos = self.scan = end
        self.buf = buf[pos:]
        self.scan -= pos
        return "".join(out)

    def _control(self, line, out):
        if line.startswith("%trace"):
            self.name = line[6:].strip() or "<trace>"
        elif line == "%hello":
            out.append(info_line() + "\n")
        elif line in ("%mode single", "%mode batch"):
            self.single = line == "%mode single"
            if self.single and self.batch is not None:
                self.batch.rebase()     # trace_exec.run starts unfrozen
            out.append("%done mode\n")
        elif line == "%rebase":
            self._batch().rebase()
            out.append("%done rebase\n")
        elif line.strip():
            out.append("%%error <batch>:0: error: unexpected line %r\n"
                       "%%done error\n" % line[:80])

    def _batch(self):
        if self.batch is None:
            self.batch = Batch()
        return self.batch

    def answer(self, name, text):
        info = {}
        run = tx.run if self.single else self._batch().run
        try:
            events = run(parse(name, text.encode("utf-8", "surrogateescape")),
                         info)
        except TraceError as e:
            return "%%error %s:%d: error: %s\n%%done error%s\n" % (
                name, e.line, e.message, _fb(info))
        except Exception as e:      # a bug of the driver: say so, go on
            try:
                self._batch().rebase()
            except Exception:
                pass
            msg = ("internal error: %s: %s" % (type(e).__name__, e)).replace(
                "\n", " ")
            return "%%error %s:0: error: %s\n%%done error\n" % (name, msg)
        return "".join(tx.format_text(ev) + "\n" for ev in events) + \
            "%%done ok%s\n" % _fb(info)


def _fb(info):
    return "".join(" %s=%d" % (k, info[k]) for k in
                   ("frozen_base", "frozen_immortal") if k in info)


def serve(inp, out):
    """Answer the protocol on binary streams INP and OUT until end of input
    (or until the reader goes away).  Bytes that are not UTF-8 reach the
    parser as they are (which reports them)."""
    import codecs
    import os
    def emit(r):
        out.write(r.encode("utf-8", "surrogateescape"))
        out.flush()
    s = Server(emit)
    dec = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    fd = inp.fileno()
    try:
        while True:
            data = os.read(fd, 1 << 16)
            r = s.feed(dec.decode(data, final=not data))
            if r:
                out.write(r.encode("utf-8", "surrogateescape"))
                out.flush()
            if not data:
                break
        r = s.feed("\n")
        if r:
            out.write(r.encode("utf-8", "surrogateescape"))
        out.flush()
    except BrokenPipeError:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, out.fileno())       # nothing left to flush at exit
