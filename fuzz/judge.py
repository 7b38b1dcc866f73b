"""Deciding what a disagreement is, and writing it down.

classify() returns None when the interpreter's and the model's answers
agree; otherwise a name: one of spec/differences.md's named differences
when that difference explains it, or "unexplained" (the events differ),
"error-driver", "error-model", "error-both" (one side or both refused the
trace: the generator made an invalid trace, or a side is wrong about its
validity), "error-crash" (the interpreter died by a signal where the model
foresaw no crash).
"""

import os

# spec/differences.md names this module can recognise in a disagreement.
UNFREEZE = "interpreter-objects-after-unfreeze"
SPECIALIZED = "specialized-stores"
TRASHCAN_STACK = "trashcan-c-stack"
CLEAR_WEAKREFS = "clear-weakrefs-collected"
HEAP_SIZE = "incremental-heap-size"
# Profiles with 3.14's incremental collector (model/profile.c).
INCREMENTAL = ("3.14", "3.14.0", "3.14.4")
# heap sizes (the driver's tracked objects) tried for incremental-heap-size
HEAP_SIZES = (5000, 10000, 15000, 30000, 50000, 100000)

FROZEN_WINDOW = 64


def _ops(text):
    for line in text.split("\n"):
        line = line.split("#", 1)[0].split()
        if line:
            yield line


def binding_finalizers_shared(text):
    """The trace lets one name be bound by finalizers more than once (the
    condition under which `specialized-stores` can show): a name bound by
    two classes' finalizers, a binding class with several instances or made
    by a `create:`, or a name the trace itself also binds."""
    binders = {}
    created = set()
    news = {}
    trace_bound = set()
    for op in _ops(text):
        if op[0] == "class":
            for a in op[3:]:
                if a.startswith("del=resurrect:"):
                    binders.setdefault(a.split(":")[1], []).append(op[1])
                elif a.startswith("del=create:"):
                    _, cls, name = a.split(":")
                    binders.setdefault(name, []).append(op[1])
                    created.add(cls)
        elif op[0] == "new":
            news[op[2]] = news.get(op[2], 0) + 1
            trace_bound.add(op[1])
        elif op[0] in ("bind", "weakref"):
            trace_bound.add(op[1])
    for name, classes in binders.items():
        if len(classes) > 1 or name in trace_bound:
            return True
        for c in classes:
            if news.get(c, 0) + (c in created) > 1:
                return True
    return False


def _version(v):
    return tuple(int(x) for x in v.split(".")[:2])


def classify(text, py, model, profile, rerun_model=None):
    """PY and MODEL are runner.Answer; RERUN_MODEL(header) runs the model on
    TEXT again with extra header fields (e.g. " frozen_base=N") and returns
    its Answer."""
    if py.ok and model.ok and py.events == model.events:
        return None
    crashed = "crashed" in py.info
    predicted = not model.ok and model.error is not None and \
        CLEAR_WEAKREFS in model.error
    if crashed or predicted:
        # the interpreter died by a signal, or the model says it would
        return CLEAR_WEAKREFS if crashed and predicted else \
            "error-crash" if crashed else "error-model"
    if not py.ok or not model.ok:
        if not py.ok and not model.ok:
            return "error-both"
        return "error-driver" if not py.ok else "error-model"
    if binding_finalizers_shared(text):
        return SPECIALIZED
    ops = list(_ops(text))
    if profile in INCREMENTAL:
        name = _incremental(text, py, model, rerun_model)
        if name:
            return name
    if any(op[0] == "unfreeze" for op in ops) and \
            _only_freeze_counts_differ(py.events, model.events):
        # a collection after the unfreeze may untrack or free some of the
        # interpreter's own objects, which a later freeze then leaves out
        return UNFREEZE
    if any(op[0] == "unfreeze" for op in ops) and rerun_model is not None:
        base = int(py.info.get("frozen_base", 0))
        imm = py.info.get("frozen_immortal")
        extra = " frozen_immortal=%s" % imm if imm is not None else ""
        for d in range(1, FROZEN_WINDOW + 1):
            for fb in (base - d, base + d):
                if fb >= 0:
                    a = rerun_model(" frozen_base=%d%s" % (fb, extra))
                    if a.ok and a.events == py.events:
                        return UNFREEZE
        if imm is not None:
            a = rerun_model(" frozen_base=%d" % base)
            if a.ok and a.events == py.events:
                return UNFREEZE
    if _version(profile) == (3, 13) and \
            sum(1 for op in ops if op[0] in ("new", "weakref")) >= 1000:
        return TRASHCAN_STACK
    return "unexplained"


def first_difference(a, b):
    """(line index, a's line, b's line) of the first differing event line."""
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "(nothing)"
        y = lb[i] if i < len(lb) else "(nothing)"
        if x != y:
            return i, x, y
    return None


def write_finding(dirname, name, f):
    """Write NAME.trace, NAME.model.events, NAME.cpython.events and NAME.md
    under DIRNAME from the dict F; return the path of the .md file."""
    os.makedirs(dirname, exist_ok=True)
    base = os.path.join(dirname, name)
    with open(base + ".trace", "w") as fh:
        fh.write("# %s: %s, interpreter %s, profile %s\n" % (
            name, f["kind"], f["interpreter"], f["profile"]))
        fh.write("# fuzz.py --seed %d: case %d (%d lines before shrinking)\n"
                 % (f["seed"], f["case"], f["original_lines"]))
        fh.write(f["trace"])
    with open(base + ".model.events", "w") as fh:
        fh.write(_side(f["model"]))
    with open(base + ".cpython.events", "w") as fh:
        fh.write(_side(f["py"]))
    d = first_difference(_side(f["py"]), _side(f["model"]))
    with open(base + ".md", "w") as fh:
        fh.write("# %s\n\n" % name)
        fh.write("- kind: **%s**\n" % f["kind"])
        fh.write("- interpreter: %s (%s)\n" % (f["interpreter"], f["impl"]))
        fh.write("- model profile: %s\n" % f["profile"])
        fh.write("- found by: `%s` (case %d)\n" % (f["command"], f["case"]))
        fh.write("- shrunk from %d to %d lines\n" % (
            f["original_lines"], f["trace"].count("\n")))
        if f["py"].info:
            fh.write("- driver: %s\n" % " ".join(
                "%s=%s" % kv for kv in sorted(f["py"].info.items())))
        if d:
            fh.write("- first difference (event %d): interpreter `%s`, "
                     "model `%s`\n" % (d[0] + 1, d[1], d[2]))
        fh.write("\nReproduce:\n\n    build/pymemref run --observable "
                 "--profile %s%s %s.trace\n    %s fuzz/cpython/driver.py "
                 "%s.trace\n" % (
                     f["profile"], _fb_option(f["py"]), base,
                     f["interpreter"] if f["impl"].startswith("cpython") and
                     "emscripten" not in f["impl"] else "PYTHON", base))
    return base + ".md"


def _fb_option(ans):
    fb = ans.info.get("frozen_base")
    return "" if fb is None else " --frozen-base %s" % fb


def _side(ans):
    return ans.events + ("%s\n" % ans.error if ans.error else "")


def _first_line(a, b):
    """The trace line of the first event where A and B (event texts)
    differ, or None."""
    la, lb = a.split("\n"), b.split("\n")
    for x, y in zip(la, lb):
        if x != y:
            return int((x or y).split(":", 1)[0] or 0)
    if len(la) != len(lb):
        rest = (la if len(la) > len(lb) else lb)[min(len(la), len(lb))]
        return int(rest.split(":", 1)[0] or 0)
    return None


def _incremental(text, py, model, rerun_model):
    """3.14's incremental collector: after `unfreeze` its increments work
    through the driver's own objects, which the model does not have
    (interpreter-objects-after-unfreeze); and the work budget depends on
    the interpreter's heap size, which the model assumes
    (incremental-heap-size: explained when another size agrees)."""
    first = _first_line(py.events, model.events)
    lines = text.split("\n")
    for no, line in enumerate(lines, 1):
        if line.split("#", 1)[0].split()[:1] == ["unfreeze"]:
            if first is None or first > no:
                return UNFREEZE
            break
    if rerun_model is not None:
        for size in HEAP_SIZES:
            a = rerun_model(" frozen_base=%d" % size)
            if a.ok and a.events == py.events:
                return HEAP_SIZE
    return None


def _only_freeze_counts_differ(a, b):
    """A (the interpreter's event text) and B (the model's) have the same
    events but for the results of some `freeze_count` queries, where the
    interpreter counts fewer objects (some of its own left the collector's
    lists)."""
    la, lb = a.split("\n"), b.split("\n")
    if len(la) != len(lb):
        return False
    diff = [(x.split(" "), y.split(" ")) for x, y in zip(la, lb) if x != y]
    return bool(diff) and all(
        len(x) == 3 and len(y) == 3 and x[:2] == y[:2] and
        x[1] == "freeze_count" and int(x[2]) < int(y[2]) for x, y in diff)
