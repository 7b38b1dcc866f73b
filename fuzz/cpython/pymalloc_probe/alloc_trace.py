"""alloc_trace.py: the driver's side of the allocator operations
(spec/trace.md "Allocator operations"): `pymalloc`, `malloc`, `free`,
`realloc` in a trace that has no object operations, run in this CPython's
own pymalloc by the C extension pymalloc_trace (trace_probe.c), built here
on first use with the interpreter's headers.

    is_alloc_trace(data) -> bool
    available() -> (bool, reason)
    run(path, data) -> list of event lines `LINE: EVENT`, or raises
        TraceError (bad trace, or one the driver cannot run) or ModelOnly

What is compared, and why (spec/differences.md, `pymalloc-fresh-arena`):
the probe first brings pymalloc into a state that behaves like the model's
initial one, then each call's block is described by its size class, its
arena (numbered in order of first appearance), its pool's number in the
arena and its offset in the pool; the addresses themselves are not.
"""

import hashlib
import os
import struct
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))

from trace_parse import TraceError, MAX_NUMBER  # noqa: E402

ALLOC_OPS = ("pymalloc", "malloc", "free", "realloc")


class ModelOnly(TraceError):
    """A trace whose behaviour is undefined in CPython (a double free, a
    free of an address pymalloc did not hand out): the model alone runs it."""


def _words(line):
    return line.split("#", 1)[0].split()


def is_alloc_trace(data):
    """True if some line of DATA (bytes) is an allocator operation."""
    for raw in data.split(b"\n"):
        w = raw.split(b"#", 1)[0].split()
        if w and w[0].decode("ascii", "replace") in ALLOC_OPS:
            return True
    return False


def default_pools():
    """Usable pools per arena when the trace has no directive: what this
    version's arenas get from mmap here (as the model's profile default)."""
    return 64 if sys.version_info[:2] >= (3, 13) else 63


def _ident(text, line, what):
    if not text or not (text[0].isascii() and text[0].isalpha()) or not all(
            c.isascii() and (c.isalnum() or c == "_") for c in text) or \
            len(text.encode()) > 64:
        raise TraceError(line, "bad %s name `%s`" % (what, text[:40]))
    return text


def _number(text, line, what):
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0") \
            or int(text) > MAX_NUMBER:
        raise TraceError(line, "expected a number %s, got `%s`" % (what, text[:40]))
    return int(text)


def parse(data):
    """(pools, ops): ops are (line, kind, name, size, plus).  Static rules
    as model/trace_parse.c; object operations are refused (the objects'
    own allocations would share the pymalloc the trace observes)."""
    pools = None
    directive_line = first_alloc = 0
    bound = set()
    ops = []
    for no, raw in enumerate(data.split(b"\n"), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TraceError(no, "invalid UTF-8")
        w = _words(line)
        if not w:
            continue
        op = w[0]
        if op not in ALLOC_OPS:
            raise TraceError(no, "the driver runs allocator operations only in traces "
                             "without object operations (`%s`)" % op[:40])
        if op == "pymalloc":
            if directive_line:
                raise TraceError(no, "a second `pymalloc` directive (the first is on "
                                 "line %d)" % directive_line)
            if first_alloc:
                raise TraceError(no, "the `pymalloc` directive must come before the "
                                 "first allocator operation (line %d)" % first_alloc)
            attrs = dict(a.split("=", 1) if "=" in a else (a, "") for a in w[1:])
            if set(attrs) - {"pools", "bits"} or "pools" not in attrs:
                raise TraceError(no, "expected `pymalloc pools=63|64 [bits=64|32]`")
            pools = _number(attrs["pools"], no, "after `pools=`")
            if pools not in (63, 64) or attrs.get("bits", "64") != "64":
                raise TraceError(no, "the driver runs `pools=63|64` with 64-bit pointers")
            directive_line = no
            continue
        first_alloc = first_alloc or no
        if op == "malloc":
            if len(w) != 3:
                raise TraceError(no, "expected `malloc POINTER SIZE`")
            name = _ident(w[1], no, "pointer")
            ops.append((no, "m", name, _number(w[2], no, "(a size in bytes)"), 0))
            bound.add(name)
            continue
        if len(w) != (2 if op == "free" else 3):
            raise TraceError(no, "expected `free POINTER` or `realloc POINTER SIZE`")
        name, _, plus = w[1].partition("+")
        name = _ident(name, no, "pointer")
        plus = _number(plus, no, "after `+` in a pointer") if plus else 0
        if name not in bound:
            raise TraceError(no, "pointer `%s` was never bound by `malloc`" % name)
        size = _number(w[2], no, "(a size in bytes)") if op == "realloc" else 0
        ops.append((no, op[0], name, size, plus))
    return pools, ops


def check_defined(ops):
    """Raise ModelOnly at the first call whose behaviour CPython leaves
    undefined: an address that is not a live block's start."""
    live = {}
    for no, kind, name, _size, plus in ops:
        if kind == "m":
            live[name] = True
            continue
        if plus:
            raise ModelOnly(no, "model-only: `%s` passes `%s+%d`, not a block that "
                            "pymalloc handed out (undefined behaviour in CPython)"
                            % ("free" if kind == "f" else "realloc", name, plus))
        if not live[name]:
            raise ModelOnly(no, "model-only: `%s` of `%s`, a block already freed "
                            "(undefined behaviour in CPython)"
                            % ("free" if kind == "f" else "realloc", name))
        if kind == "f":
            live[name] = False


def available():
    """(True, '') if this interpreter can load the probe."""
    if sys.implementation.name != "cpython" or sys.platform == "emscripten":
        return False, "%s on %s cannot load C extensions" % (
            sys.implementation.name, sys.platform)
    if sys.maxsize < 2 ** 32:
        return False, "a 32-bit build"
    if sys.flags.dev_mode or os.environ.get("PYTHONMALLOC"):
        return False, "the object allocator has debug hooks (PYTHONMALLOC or -X dev)"
    if not sysconfig.get_config_var("WITH_PYMALLOC"):
        return False, "built without pymalloc"
    inc = sysconfig.get_paths().get("include") or ""
    if not os.path.exists(os.path.join(inc, "Python.h")):
        return False, "no Python.h for this interpreter (python3-dev)"
    return True, ""


_MODULE = None


def _load():
    """Build (if needed) and import pymalloc_trace for this interpreter."""
    global _MODULE
    if _MODULE is not None:
        return _MODULE
    ok, why = available()
    if not ok:
        raise TraceError(0, "the pymalloc probe cannot run here: " + why)
    src = os.path.join(HERE, "trace_probe.c")
    tag = hashlib.sha1(("%s %s" % (os.path.realpath(sys.executable), sys.version))
                       .encode()).hexdigest()[:12]
    out_dir = os.path.join(ROOT, "build", "pymalloc_trace", tag)
    target = os.path.join(out_dir, "pymalloc_trace" + sysconfig.get_config_var("EXT_SUFFIX"))
    if not os.path.exists(target) or os.path.getmtime(target) < os.path.getmtime(src):
        os.makedirs(out_dir, exist_ok=True)
        tmp = "%s.%d.tmp" % (target, os.getpid())
        cmd = [os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2", "-Wall", "-Wextra",
               "-Werror", "-I" + sysconfig.get_paths()["include"], src, "-o", tmp]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise TraceError(0, "cannot build the pymalloc probe: " +
                             r.stdout.decode(errors="replace").strip()[:300])
        os.replace(tmp, target)
    sys.path.insert(0, out_dir)
    try:
        import pymalloc_trace
    finally:
        sys.path.remove(out_dir)
    _MODULE = pymalloc_trace
    return _MODULE


def run(path, data):
    """The events of the allocator trace DATA, as `LINE: EVENT` lines."""
    pools, ops = parse(data)
    check_defined(ops)
    if not ops:
        return []
    probe = _load()
    ids = {}
    blob = b"".join(struct.pack("<qqq", ord(k), ids.setdefault(name, len(ids)), size)
                    for _no, k, name, size, _plus in ops)
    try:
        lines = probe.run(blob, pools or default_pools()).splitlines()
    except RuntimeError as e:
        raise TraceError(0, str(e))
    events = []
    for (no, kind, name, size, _plus), desc in zip(ops, lines):
        w = desc.split()
        if w[0] == "small":
            w[1:5] = ["c" + w[1], "a" + w[2], "p" + w[3], "+" + w[4]]
            w = w[1:]
        if kind == "m":
            events.append("%d: malloc %s %d %s" % (no, name, size, " ".join(w)))
        elif kind == "r":
            events.append("%d: realloc %s %d %s" % (no, name, size, " ".join(w)))
        else:
            events.append("%d: freed %s %s" % (no, name, " ".join(w)))
    return events


def to_json(event):
    """The JSON form (`run --json`) of one event line of run()."""
    import json
    head, _, rest = event.partition(": ")
    w = rest.split()
    d = {"line": int(head), "event": w[0], "name": w[1]}
    i = 2
    if w[0] != "freed":
        d["size"] = int(w[2])
        i = 3
    if w[i].startswith("c"):
        d.update(block="small", **{"class": int(w[i][1:])}, arena=int(w[i + 1][1:]),
                 pool=int(w[i + 2][1:]), offset=int(w[i + 3][1:]))
        i += 4
    else:
        d["block"] = w[i]
        i += 1
    flags = w[i:]
    if w[0] == "realloc" and d["block"] == "small":
        d["moved"] = "moved" in flags
    d["new_arena"] = "new_arena" in flags
    d["freed_arena"] = "freed_arena" in flags
    return json.dumps(d, separators=(",", ":"))


def install(trace_batch):
    """Batch mode (driver.py --batch): answer the allocator traces here and
    say in `%info` whether the probe can run (pymalloc_probe=1|0)."""
    info_line = trace_batch.info_line

    def info_line_with_probe():
        return info_line() + " pymalloc_probe=%d" % available()[0]

    answer = trace_batch.Server.answer

    def answer_alloc(self, name, text):
        data = text.encode("utf-8", "surrogateescape")
        if not is_alloc_trace(data):
            return answer(self, name, text)
        try:
            events = run(name, data)
        except TraceError as e:
            return "%%error %s:%d: error: %s\n%%done error\n" % (name, e.line, e.message)
        return "".join(ev + "\n" for ev in events) + "%done ok\n"

    trace_batch.info_line = info_line_with_probe
    trace_batch.Server.answer = answer_alloc
