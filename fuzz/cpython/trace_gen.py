"""Translate a parsed trace into Python source (spec/trace.md, column "Python").

The trace becomes straight-line functions T0, T1, ... (CHUNK operations
each) called in turn by MAIN: every bytecode runs once, so nothing is
specialized, and a call allocates no gc object (3.11+).  The code logs to the
array E through A = E.append, plain ints only (record layout in trace_exec).
Inside an operation it creates no object the spec's footprint does not name:
None in displays comes from the local N (a display of constants would be
folded into a code constant), results of queries are read by subscript (no
tuple unpacking, whose generic form allocates an iterator).
"""

from trace_parse import TraceError

CHUNK = 1000

# Record tags (first int of a record in E); a negative int -L marks the start
# of the operation on line L.
NEW, DEL, TPDEL, CALLBACK, COLLECTED, COUNT, THRESHOLD, STATS, FREEZE_COUNT, \
    GARBAGE, TRACKED, FINALIZED, WEAKREF, REFCOUNT = range(14)

WEAKREF_CLASS = "weakref"   # the class tag of weak references in the analysis


def slot(k):
    return "s%03d" % k


def class_var(c):
    return "C%d" % c.index


def del_func(c):
    return "D%d" % c.index


def prelude():
    """Helpers shared by every trace; exec'd in the trace's globals, which
    already hold A, ID, R, GARB, NOP and Unbound."""
    return """
def CB(wr):
    A(%(cb)d); A(ID(wr))

def QG():
    n = len(GARB)
    A(%(garbage)d); A(n)
    i = 0
    while i < n:
        A(ID(GARB[i]))
        i += 1

def UB(i):
    raise Unbound(i)

# __hash__ of the classes declared with weakref.  A weak reference caches
# its referent's hash on the first hash() (Objects/weakrefobject.c,
# weakref_hash), and the driver hashes every weak reference right after
# ref() returns: WH runs then only for a new weak reference, never for a
# basic reference that ref() reused (weakref___new__), whatever a
# collection run in between did to its reference count.
HC = [0]

def WH(self):
    HC[0] = 1
    return 0

class TDGet:
    # __tp_del__ of legacy classes on 3.11: _testcapi's slot_tp_del looks the
    # attribute up with the descriptor protocol, and a plain method would
    # allocate a bound method (a gc object) there.  This __get__ records the
    # event and hands back a function that does nothing.
    __slots__ = ()
    def __get__(self, obj, typ):
        A(%(tpdel)d); A(ID(obj))
        return NOP

def TPDEL(self):
    # __tp_del__ on 3.12+: slot_tp_del calls _PyType_Lookup's result with self
    A(%(tpdel)d); A(ID(self))
""" % {"cb": CALLBACK, "garbage": GARBAGE, "tpdel": TPDEL}


def finalizer_source(c):
    """Source of the __del__ function of instance class C (not legacy)."""
    lines = ["def %s(self):" % del_func(c),
             "    A(%d); A(ID(self))" % DEL]
    act = c.action
    if act[0] == "resurrect":
        lines.append("    R[%d] = self" % act[1])
    elif act[0] == "clear":
        lines.append("    self.%s = None" % slot(act[1]))
    elif act[0] == "create":
        lines += ["    o = %s()" % class_var(act[1]),
                  "    A(%d); A(ID(o))" % NEW,
                  "    R[%d] = o" % act[2],
                  "    o = None"]
    return "\n".join(lines) + "\n"


class Analysis:
    """Which classes a name may hold at each operation.  Names are bound by
    the trace's own operations (known statically) and by finalizers
    (resurrect:N, create:C:N), which only ever bind instances."""

    def __init__(self, trace):
        self.trace = trace
        self.fin = {}
        for c in trace.classes:
            a = c.action
            if a and a[0] == "resurrect":
                self.fin.setdefault(a[1], set()).add(c)
            elif a and a[0] == "create":
                self.fin.setdefault(a[2], set()).add(a[1])
        self.state = {}

    def get(self, i):
        return self.state.get(i, frozenset([None]))

    def maybe_unbound(self, i):
        return None in self.get(i)

    def possible(self, i):
        return (set(self.get(i)) | self.fin.get(i, set())) - {None}

    def certain(self, i):
        """The one class name i surely holds, or None."""
        s = self.get(i)
        if len(s) == 1 and i not in self.fin and None not in s:
            return next(iter(s))
        return None

    def step(self, op):
        k = op.kind
        if k == "new":
            self.state[op.name] = frozenset([op.cls])
        elif k == "bind":
            if op.value is None:
                self.state[op.name] = frozenset([None])
            else:
                self.state[op.name] = frozenset(
                    set(self.get(op.value)) | self.fin.get(op.value, set()))
        elif k == "del":
            self.state[op.name] = frozenset([None])
        elif k == "weakref":
            self.state[op.name] = frozenset([WEAKREF_CLASS])


def _kind(c):
    return WEAKREF_CLASS if c == WEAKREF_CLASS else c.kind


def _val(v):
    return "N" if v is None else "R[%d]" % v


class Generator:
    def __init__(self, trace):
        self.trace = trace
        self.an = Analysis(trace)

    def check(self, out, i):
        """Raise Unbound(i) at run time if name i may hold nothing."""
        if i is not None and self.an.maybe_unbound(i):
            out.append("if R[%d] is None: UB(%d)" % (i, i))

    def op(self, op):
        out = []
        k = op.kind
        if k == "class":
            return out
        out.append("A(%d)" % -op.line)
        getattr(self, "op_" + k)(op, out)
        self.an.step(op)
        return out

    def op_new(self, op, out):
        c = op.cls
        for v in op.values:
            self.check(out, v)
        if c.kind == "instance":
            out.append("o = %s()" % class_var(c))
            out.append("A(%d); A(ID(o))" % NEW)
            for k, v in enumerate(op.values):
                if v is not None:
                    out.append("o.%s = R[%d]" % (slot(k), v))
            out += ["R[%d] = o" % op.name, "o = None"]
            return
        items = [_val(v) for v in op.values]
        if c.kind == "list":
            disp = "[%s]" % ", ".join(items)
        elif c.kind == "tuple":
            disp = "(%s%s)" % (", ".join(items), "," if len(items) == 1 else "")
        elif c.kind == "dict":
            disp = "{%s}" % ", ".join("%d: %s" % (k, x) for k, x in enumerate(items))
        else:
            disp = "AT + %d" % op.line
        # ID(t) first: on 3.12+ a collection that building the display
        # scheduled runs at the first call after it (an eval-breaker
        # check), and its finalizers' records must not come between the
        # tag and the id
        out += ["t = %s" % disp, "i = ID(t); A(%d); A(i)" % NEW,
                "R[%d] = t" % op.name, "t = None"]

    def op_set(self, op, out):
        x, k, v = op.name, op.slot, op.value
        c = self.an.certain(x)
        if c is not None and c != WEAKREF_CLASS and \
                c.kind in ("instance", "list", "dict") and k >= c.slots:
            raise TraceError(op.line, "set %s.%d: class '%s' has %d slots"
                             % (self.trace.names[x], k, c.name, c.slots))
        self.check(out, x)
        self.check(out, v)
        kinds = set(_kind(c) for c in self.an.possible(x))
        attr = "R[%d].%s = %s" % (x, slot(k), _val(v))
        item = "R[%d][%d] = %s" % (x, k, _val(v))
        if not kinds & {"list", "dict"}:
            out.append(attr)
        elif kinds <= {"list", "dict"}:
            out.append(item)
        else:
            out += ["if R[%d].__class__ is LIST or R[%d].__class__ is DICT:"
                    % (x, x), "    " + item, "else:", "    " + attr]

    def op_bind(self, op, out):
        self.check(out, op.value)
        out.append("R[%d] = %s" % (op.name, _val(op.value)))

    def op_del(self, op, out):
        # deleting an unbound name is not an error (as in the model): the
        # store of None into the namespace changes nothing
        out.append("R[%d] = None" % op.name)

    def op_weakref(self, op, out):
        self.check(out, op.value)
        cb = ", CB" if op.callback else ""
        # the record: tag, id, 1 if new (WH ran: see prelude) else 0
        out += ["t = ref(%s%s)" % (_val(op.value), cb),
                "A(%d); A(ID(t)); HC[0] = 0; HASH(t); A(HC[0])" % WEAKREF,
                "R[%d] = t" % op.name, "t = None"]

    def op_collect(self, op, out):
        g = op.args[0]
        out.append("n = COLLECT(%d); A(%d); A(%d); A(n)" % (g, COLLECTED, g))

    def op_threshold(self, op, out):
        out.append("SETTH(%s)" % ", ".join(str(a) for a in op.args))

    def op_enable(self, op, out):
        out.append("ENABLE()")

    def op_disable(self, op, out):
        out.append("DISABLE()")

    def op_debug(self, op, out):
        out.append("SETDEBUG(%d)" % (32 if op.what == "saveall" else 0))

    def op_freeze(self, op, out):
        out.append("FREEZE()")

    def op_unfreeze(self, op, out):
        out.append("UNFREEZE()")

    def op_garbage(self, op, out):
        out.append("GCLEAR()")

    def op_query(self, op, out):
        w = op.what
        if w in ("count", "threshold"):
            fn, tag = ("GETCOUNT", COUNT) if w == "count" else ("GETTH", THRESHOLD)
            # not "a, b, c = ...": an unspecialized UNPACK_SEQUENCE
            # allocates a tuple iterator (a gc object; Python/ceval.c,
            # unpack_iterable)
            out.append("s = %s(); A(%d); A(s[0]); A(s[1]); A(s[2]); s = None"
                       % (fn, tag))
        elif w == "stats":
            out += ["s = GETSTATS()", "A(%d)" % STATS]
            for g in range(3):
                out.append("; ".join("A(s[%d][%r])" % (g, key) for key in
                                     ("collections", "collected", "uncollectable")))
            out.append("s = None")
        elif w == "freeze_count":
            out.append("A(%d); A(FREEZECOUNT())" % FREEZE_COUNT)
        elif w == "garbage":
            out.append("QG()")
        else:
            self.check(out, op.name)
            fn, tag = {"tracked": ("ISTRACKED", TRACKED),
                       "finalized": ("ISFINALIZED", FINALIZED),
                       "refcount": ("GRC", REFCOUNT)}[w]
            out.append("A(%d); A(%s(R[%d]))" % (tag, fn, op.name))


def trace_source(trace):
    """Source of the finalizers, then of each chunk function, then of MAIN,
    as pieces to compile one by one (a single module for a long trace would
    need gigabytes for its syntax tree)."""
    for c in trace.classes:
        if c.kind == "instance" and c.action and c.action[0] != "legacy":
            yield finalizer_source(c)
    gen = Generator(trace)
    body, chunks, nops = [], 0, 0
    for op in trace.ops:
        lines = gen.op(op)
        if lines:
            body += lines
            nops += 1
            if nops % CHUNK == 0:
                yield _chunk(chunks, body)
                chunks, body = chunks + 1, []
    if body or chunks == 0:
        yield _chunk(chunks, body)
        chunks += 1
    # DISABLE() last: a collection that an allocation scheduled (3.12+) and
    # that no eval-breaker check ran before the end does not run after it
    # (spec/trace.md, "Eval-breaker checks")
    yield "def MAIN():\n%s    DISABLE()\n" % "".join("    T%d()\n" % i for i in range(chunks))


def _chunk(i, body):
    return "def T%d():\n    N = None\n%s" % (i, "".join("    %s\n" % s for s in body))
