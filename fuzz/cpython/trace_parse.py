"""Parser and static checks for the trace language (spec/trace.md).

parse(path, data) -> Trace, or raises TraceError(line, message).
Only the standard library; runs on CPython 3.11 to 3.14 and Pyodide.
"""

import re

MAX_LINE_BYTES = 4096
MAX_NAME_BYTES = 64
MAX_SLOTS = 64
MAX_DISPLAY = 15
MAX_OPS = 1000000
MAX_CLASSES = 65536
MAX_NAMES = 1000000
MAX_NUMBER = (1 << 31) - 1

KINDS = ("instance", "list", "tuple", "dict", "atom")
QUERIES_PLAIN = ("count", "stats", "threshold", "freeze_count", "garbage")
QUERIES_NAMED = ("tracked", "finalized", "refcount")

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# bytes that make a line need the careful path: control characters but tab
# and newline, and everything outside ASCII
_PLAIN_NOT = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f-\xff]")


class TraceError(Exception):
    def __init__(self, line, message):
        Exception.__init__(self, message)
        self.line = line
        self.message = message


class Class:
    """A declared class.  `action` is None or one of
    ('observe',), ('resurrect', name), ('clear', k), ('create', cls, name),
    ('legacy',) -- names and classes as indices."""

    def __init__(self, index, name, kind, line):
        self.index = index
        self.name = name
        self.kind = kind
        self.line = line
        self.slots = 0
        self.weakref = False
        self.action = None


class Op:
    """One operation.  `kind` is the keyword ('new', 'set', ..., 'query');
    the other fields are filled according to it (names as indices, the
    value '_' as None)."""

    __slots__ = ("kind", "line", "name", "cls", "slot", "value", "values",
                 "args", "callback", "what")

    def __init__(self, kind, line):
        self.kind = kind
        self.line = line
        self.name = None      # target / subject binding index
        self.cls = None       # Class (new)
        self.slot = None      # set: slot index
        self.value = None     # set, bind, weakref: binding index or None
        self.values = None    # new: list of binding index or None
        self.args = None      # collect: [g]; threshold: 1..3 numbers
        self.callback = False  # weakref
        self.what = None      # query kind; debug: 'saveall'/'none'


class Trace:
    def __init__(self, path):
        self.path = path
        self.classes = []        # declaration order
        self.class_index = {}    # name -> Class
        self.names = []          # binding names, first-use order
        self.name_index = {}
        self.ops = []            # every operation, class lines included
        self.by_line = {}        # line -> Op

    def name(self, text, line):
        i = self.name_index.get(text)       # known, so valid
        if i is not None:
            return i
        if not _NAME.match(text) or len(text.encode()) > MAX_NAME_BYTES:
            raise TraceError(line, "invalid name '%s'" % text)
        if len(self.names) >= MAX_NAMES:
            raise TraceError(line, "more than %d names" % MAX_NAMES)
        i = len(self.names)
        self.name_index[text] = i
        self.names.append(text)
        return i

    def value(self, text, line):
        if text == "_":
            return None
        return self.name(text, line)

    def declared(self, text, line):
        if not _NAME.match(text) or len(text.encode()) > MAX_NAME_BYTES:
            raise TraceError(line, "invalid class name '%s'" % text)
        c = self.class_index.get(text)
        if c is None:
            raise TraceError(line, "class '%s' is not declared" % text)
        return c


def number(text, line, what="number"):
    if not _NUMBER.match(text):
        raise TraceError(line, "invalid %s '%s'" % (what, text))
    n = int(text)
    if n > MAX_NUMBER:
        raise TraceError(line, "%s '%s' does not fit in 31 bits" % (what, text))
    return n


def _class(t, toks, line):
    if len(toks) < 3:
        raise TraceError(line, "class needs a name and a kind")
    name, kind = toks[1], toks[2]
    if not _NAME.match(name) or len(name.encode()) > MAX_NAME_BYTES:
        raise TraceError(line, "invalid class name '%s'" % name)
    if name in t.class_index:
        raise TraceError(line, "class '%s' is already declared" % name)
    if kind not in KINDS:
        raise TraceError(line, "unknown class kind '%s'" % kind)
    if len(t.classes) >= MAX_CLASSES:
        raise TraceError(line, "more than %d classes" % MAX_CLASSES)
    c = Class(len(t.classes), name, kind, line)
    seen = set()
    for a in toks[3:]:
        key = a.split("=", 1)[0] if "=" in a else a
        if key not in ("slots", "weakref", "del") or (key == "weakref") == ("=" in a):
            raise TraceError(line, "unknown class attribute '%s'" % a)
        if key in seen:
            raise TraceError(line, "attribute '%s' given twice" % key)
        seen.add(key)
        if key == "slots":
            c.slots = number(a[6:], line, "slot count")
            if c.slots > MAX_SLOTS:
                raise TraceError(line, "slots= must be 0 to %d" % MAX_SLOTS)
        elif key == "weakref":
            c.weakref = True
        else:
            c.action = _action(t, a[4:], line)
    if kind == "atom" and c.slots:
        raise TraceError(line, "an atom has no slots")
    if kind in ("list", "tuple", "dict") and c.slots > MAX_DISPLAY:
        # spec/differences.md, display-splitting: longer displays compile
        # into several instructions with temporaries of their own
        raise TraceError(line, "a %s class has at most %d slots"
                         % (kind, MAX_DISPLAY))
    if kind == "tuple" and c.slots < 1:
        raise TraceError(line, "a tuple class needs at least one slot")
    if kind != "instance" and (c.weakref or c.action):
        raise TraceError(line, "only instance classes take weakref and del=")
    if c.action and c.action[0] == "clear" and c.action[1] >= c.slots:
        raise TraceError(line, "clear:%d needs a slot index below slots=%d"
                         % (c.action[1], c.slots))
    t.classes.append(c)
    t.class_index[name] = c
    return c


def _action(t, text, line):
    parts = text.split(":")
    head = parts[0]
    if head in ("observe", "legacy") and len(parts) == 1:
        return (head,)
    if head == "resurrect" and len(parts) == 2:
        return ("resurrect", t.name(parts[1], line))
    if head == "clear" and len(parts) == 2:
        return ("clear", number(parts[1], line, "slot index"))
    if head == "create" and len(parts) == 3:
        c = t.declared(parts[1], line)
        if c.kind != "instance":
            raise TraceError(line, "create:%s names an %s class, not an "
                             "instance class" % (c.name, c.kind)
                             if c.kind == "atom" else
                             "create:%s names a %s class, not an "
                             "instance class" % (c.name, c.kind))
        return ("create", c, t.name(parts[2], line))
    raise TraceError(line, "unknown del= action '%s'" % text)


def _need(toks, line, lo, hi=None):
    n = len(toks) - 1
    hi = lo if hi is None else hi
    if n < lo or n > hi:
        if lo == hi:
            want = "%d operand%s" % (lo, "" if lo == 1 else "s")
        else:
            want = "%d to %d operands" % (lo, hi)
        raise TraceError(line, "'%s' takes %s" % (toks[0], want))


def _op(t, toks, line):
    kw = toks[0]
    op = Op(kw, line)
    if kw == "new":
        if len(toks) < 3:
            raise TraceError(line, "new needs a name and a class")
        op.name = t.name(toks[1], line)
        op.cls = t.declared(toks[2], line)
        vals = toks[3:]
        if vals and len(vals) != op.cls.slots:
            raise TraceError(line, "class '%s' has %d slots, %d values given"
                             % (op.cls.name, op.cls.slots, len(vals)))
        if op.cls.kind == "atom" and vals:
            raise TraceError(line, "an atom takes no values")
        op.values = [t.value(v, line) for v in vals] or [None] * op.cls.slots
    elif kw == "set":
        _need(toks, line, 2)
        target, dot, k = toks[1].partition(".")
        if not dot:
            raise TraceError(line, "set needs NAME.NUMBER")
        op.name = t.name(target, line)
        op.slot = number(k, line, "slot index")
        op.value = t.value(toks[2], line)
    elif kw == "bind":
        _need(toks, line, 2)
        op.name = t.name(toks[1], line)
        op.value = t.value(toks[2], line)
    elif kw == "del":
        _need(toks, line, 1)
        op.name = t.name(toks[1], line)
    elif kw == "weakref":
        _need(toks, line, 2, 3)
        op.name = t.name(toks[1], line)
        op.value = t.value(toks[2], line)
        if len(toks) == 4:
            if toks[3] != "callback":
                raise TraceError(line, "expected 'callback', got '%s'" % toks[3])
            op.callback = True
    elif kw == "collect":
        _need(toks, line, 0, 1)
        g = number(toks[1], line, "generation") if len(toks) == 2 else 2
        if g > 2:
            raise TraceError(line, "generation must be 0, 1 or 2")
        op.args = [g]
    elif kw == "threshold":
        _need(toks, line, 1, 3)
        op.args = [number(a, line, "threshold") for a in toks[1:]]
    elif kw in ("enable", "disable", "freeze", "unfreeze"):
        _need(toks, line, 0)
    elif kw == "debug":
        _need(toks, line, 1)
        if toks[1] not in ("saveall", "none"):
            raise TraceError(line, "debug takes 'saveall' or 'none'")
        op.what = toks[1]
    elif kw == "garbage":
        _need(toks, line, 1)
        if toks[1] != "clear":
            raise TraceError(line, "expected 'garbage clear'")
    elif kw == "query":
        if len(toks) < 2:
            raise TraceError(line, "query needs a subject")
        op.what = toks[1]
        if op.what in QUERIES_PLAIN:
            _need(toks, line, 1)
        elif op.what in QUERIES_NAMED:
            _need(toks, line, 2)
            op.name = t.name(toks[2], line)
        else:
            raise TraceError(line, "unknown query '%s'" % op.what)
    else:
        raise TraceError(line, "unknown operation '%s'" % kw)
    return op


def parse(path, data):
    """Parse the bytes DATA read from PATH into a Trace."""
    t = Trace(path)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    # plain ASCII without control characters (the usual case): str.split()
    # then splits on spaces and tabs only, as the lexical rules say
    plain = _PLAIN_NOT.search(data) is None
    for i, raw in enumerate(lines):
        line = i + 1
        if len(raw) > MAX_LINE_BYTES:
            raise TraceError(line, "line longer than %d bytes" % MAX_LINE_BYTES)
        if plain:
            toks = raw.decode("ascii").split("#", 1)[0].split()
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise TraceError(line, "invalid UTF-8") from None
            bad = _CONTROL.search(text)
            if bad:
                raise TraceError(line, "control character U+%04X"
                                 % ord(bad.group()))
            text = text.split("#", 1)[0]
            toks = [x for x in re.split(r"[ \t]+", text) if x]
        if not toks:
            continue
        if len(t.ops) >= MAX_OPS:
            raise TraceError(line, "more than %d operations" % MAX_OPS)
        if toks[0] == "class":
            op = Op("class", line)
            op.cls = _class(t, toks, line)
        else:
            op = _op(t, toks, line)
        t.ops.append(op)
        t.by_line[line] = op
    return t
