"""Run a parsed trace in the running interpreter and decode its events.

run(trace) -> list of (line, event, fields); raises TraceError on a dynamic
error.  The interpreter is brought into the spec's initial state (spec/trace.md,
"Initial state") and restored afterwards, so many traces can run in one
process.
"""

import gc
import sys
import weakref
from array import array

import trace_gen as tg
from trace_parse import TraceError

try:
    import _testcapi
except ImportError:          # e.g. Pyodide: no legacy finalizers there
    _testcapi = None

STARTUP_THRESHOLD = gc.get_threshold()
STATS_KEYS = ("collections", "collected", "uncollectable")


class Unbound(Exception):
    def __init__(self, index):
        Exception.__init__(self, index)
        self.index = index


def _nop():
    pass


def _stats9():
    return [d[k] for d in gc.get_stats() for k in STATS_KEYS]


_PRELUDE = []


def _globals(trace):
    E = array("q")
    g = {"__name__": "pymemref_trace", "__builtins__": __builtins__,
         "E": E, "A": E.append, "ID": id, "R": [None] * len(trace.names),
         "GARB": gc.garbage, "NOP": _nop, "Unbound": Unbound,
         "ref": weakref.ref, "GRC": sys.getrefcount, "HASH": hash, "LIST": list,
         "DICT": dict, "AT": 1 << 40,
         "COLLECT": gc.collect, "SETTH": gc.set_threshold,
         "ENABLE": gc.enable, "DISABLE": gc.disable,
         "SETDEBUG": gc.set_debug, "FREEZE": gc.freeze,
         "UNFREEZE": gc.unfreeze, "GCLEAR": gc.garbage.clear,
         "GETCOUNT": gc.get_count, "GETTH": gc.get_threshold,
         "GETSTATS": gc.get_stats, "FREEZECOUNT": gc.get_freeze_count,
         "ISTRACKED": gc.is_tracked, "ISFINALIZED": gc.is_finalized}
    if not _PRELUDE:
        _PRELUDE.append(compile(tg.prelude(), "<pymemref prelude>", "exec"))
    exec(_PRELUDE[0], g)
    return g


def _build_classes(trace, g):
    for c in trace.classes:
        if c.kind != "instance":
            continue
        slots = tuple(tg.slot(k) for k in range(c.slots))
        ns = {"__slots__": slots + (("__weakref__",) if c.weakref else ())}
        if c.weakref:
            ns["__hash__"] = g["WH"]      # new or reused weak reference
        legacy = c.action is not None and c.action[0] == "legacy"
        if legacy:
            if _testcapi is None or not hasattr(_testcapi, "with_tp_del"):
                raise TraceError(c.line, "del=legacy needs _testcapi.with_tp_del,"
                                 " which this interpreter lacks")
            if sys.version_info < (3, 12):     # Modules/_testcapimodule.c
                ns["__tp_del__"] = g["TDGet"]()
            else:                               # Modules/_testcapi/gc.c
                ns["__tp_del__"] = g["TPDEL"]
        elif c.action is not None:
            ns["__del__"] = g[tg.del_func(c)]
        cls = type(c.name, (), ns)
        if legacy:
            _testcapi.with_tp_del(cls)
        g[tg.class_var(c)] = cls


def _go(main, E, info=None):
    """Initial state, then the trace.  Nothing is allocated between the
    freeze and the trace's first operation.  INFO gets frozen_immortal:
    everything but the immortal objects was unfrozen (by _restore), and a
    3.12 collection has moved those back to the permanent generation
    (Modules/gcmodule.c, update_refs); elsewhere it is 0."""
    gc.collect()
    if gc.garbage:                 # left by an earlier trace: clean, retry
        return None
    if info is not None:
        info["frozen_immortal"] = gc.get_freeze_count()
    s0 = _stats9()
    gc.freeze()
    r = gc.collect()
    fc0 = gc.get_freeze_count()
    err = None
    try:
        main()
    except BaseException as e:     # decoded below
        err = e
    n = len(E)
    return s0, r, fc0, n, err


def _break(obj):
    """Drop the references of an object left in gc.garbage (a legacy cycle
    would otherwise come back at every collection)."""
    if isinstance(obj, (list, dict)):
        obj.clear()
        return
    for name in getattr(type(obj), "__slots__", ()):
        if name != "__weakref__":
            try:
                delattr(obj, name)
            except AttributeError:
                pass


def _clean(R):
    """Free what the trace left: names, resurrected objects, gc.garbage."""
    for _ in range(100):
        for i in range(len(R)):
            R[i] = None
        gc.collect()
        if not gc.garbage and not any(x is not None for x in R):
            return
        garb = list(gc.garbage)
        gc.garbage.clear()
        for obj in garb:
            _break(obj)
        # the last object must not outlive the next check in `obj`: freeing
        # it can run a finalizer (never called for what was uncollectable)
        obj = garb = None


def _restore(trace, g):
    gc.disable()           # no automatic collection (and finalizer) between
    gc.set_debug(0)        # _clean's last collection and its checks
    _clean(g["R"])         # the driver's objects are still frozen: quick
    gc.unfreeze()          # they become garbage for the next initial state
    if any(op.kind == "freeze" for op in trace.ops):
        _clean(g["R"])     # what the trace froze itself
    gc.set_threshold(*STARTUP_THRESHOLD)
    gc.set_debug(0)
    gc.enable()


def run(trace, info=None):
    """Run TRACE; return its observable events as (line, event, fields)."""
    g = _globals(trace)
    for src in tg.trace_source(trace):
        exec(compile(src, "<trace %s>" % trace.path, "exec"), g)
    _build_classes(trace, g)
    unraisable = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: unraisable.append((len(g["E"]), u.exc_value))
    gc.set_threshold(*STARTUP_THRESHOLD)
    gc.set_debug(0)
    gc.enable()
    try:
        res = _go(g["MAIN"], g["E"], info)
        if res is None:
            _clean([])
            res = _go(g["MAIN"], g["E"], info)
        s0, r, fc0, n, err = res
        if err is not None:
            err = _dynamic_error(trace, g["E"], n, err, g["R"])
    finally:
        sys.unraisablehook = old_hook
        _restore(trace, g)
    E = g["E"]
    if info is not None:
        info["frozen_base"] = fc0
    if err is not None:
        raise err
    if unraisable:
        pos, exc = unraisable[0]
        raise TraceError(_line_at(E, pos), "exception in a finalizer: %r" % exc)
    s0 = list(s0)
    s0[6] += 1          # the driver's own collection after the freeze
    s0[7] += r
    return decode(trace, E, n, s0, fc0)


def _line_at(E, pos):
    for i in range(pos - 1, -1, -1):
        if E[i] < 0:
            return -E[i]
    return 0


def _dynamic_error(trace, E, n, err, R):
    line = _line_at(E, n)
    op = trace.by_line.get(line)
    if isinstance(err, Unbound):
        return TraceError(line, "'%s' is unbound" % trace.names[err.index])
    if op is not None and op.kind == "set":
        what = {tuple: "a tuple", int: "an atom", weakref.ref: "a weak reference",
                list: "a list", dict: "a dict"}.get(type(R[op.name]),
                                                   "an instance")
        return TraceError(line, "set %s.%d on %s (%s: %s)" % (
            trace.names[op.name], op.slot, what, type(err).__name__, err))
    if op is not None and op.kind == "weakref":
        if op.value is None:
            return TraceError(line, "weakref needs an object, got _")
        return TraceError(line, "weakref to an object whose class was not "
                          "declared with weakref (%s)" % err)
    return TraceError(line, "%s: %s" % (type(err).__name__, err))


def decode(trace, E, n, s0, fc0):
    """Turn the records in E[:n] into events (layout: trace_gen tags)."""
    events = []
    ids = {}
    num = 0
    line = 0
    base = fc0
    i = 0
    while i < n:
        v = E[i]
        i += 1
        if v < 0:
            line = -v
            kind = trace.by_line[line].kind
            if kind in ("freeze", "unfreeze"):
                # the driver's own frozen objects go back to the oldest
                # generation with the trace's unfreeze, and come back with
                # its next freeze
                base = fc0 if kind == "freeze" else 0
            continue
        if v == tg.NEW:
            num += 1
            ids[E[i]] = num
            i += 1
        elif v == tg.WEAKREF:
            if E[i + 1]:      # new; otherwise the basic reference reused
                num += 1
                ids[E[i]] = num
            i += 2
        elif v in (tg.DEL, tg.TPDEL, tg.CALLBACK):
            name = {tg.DEL: "del", tg.TPDEL: "tp_del", tg.CALLBACK: "callback"}[v]
            events.append((line, name, {"obj": ids.get(E[i], 0)}))
            i += 1
        elif v == tg.COLLECTED:
            events.append((line, "collected",
                           {"generation": E[i], "result": E[i + 1]}))
            i += 2
        elif v in (tg.COUNT, tg.THRESHOLD):
            key = "counts" if v == tg.COUNT else "thresholds"
            name = "count" if v == tg.COUNT else "threshold"
            events.append((line, name, {key: list(E[i:i + 3])}))
            i += 3
        elif v == tg.STATS:
            st = [E[i + k] - s0[k] for k in range(9)]
            events.append((line, "stats", {"stats": [
                dict(zip(STATS_KEYS, st[3 * g:3 * g + 3])) for g in range(3)]}))
            i += 9
        elif v == tg.FREEZE_COUNT:
            events.append((line, "freeze_count", {"result": E[i] - base}))
            i += 1
        elif v == tg.GARBAGE:
            k = E[i]
            objs = [ids.get(E[i + 1 + j], 0) for j in range(k)]
            events.append((line, "garbage", {"objs": objs}))
            i += 1 + k
        elif v in (tg.TRACKED, tg.FINALIZED, tg.REFCOUNT):
            name = {tg.TRACKED: "tracked", tg.FINALIZED: "finalized",
                    tg.REFCOUNT: "refcount"}[v]
            op = trace.by_line[line]
            events.append((line, name, {"name": trace.names[op.name],
                                        "result": E[i]}))
            i += 1
        else:
            raise AssertionError("bad record %d at %d" % (v, i - 1))
    return events


def format_text(ev):
    line, name, f = ev
    if name in ("del", "tp_del", "callback"):
        rest = "o%d" % f["obj"]
    elif name == "collected":
        rest = "%d %d" % (f["generation"], f["result"])
    elif name in ("count", "threshold"):
        rest = " ".join(str(x) for x in next(iter(f.values())))
    elif name == "stats":
        rest = " ".join(str(d[k]) for d in f["stats"] for k in STATS_KEYS)
    elif name == "freeze_count":
        rest = str(f["result"])
    elif name == "garbage":
        rest = " ".join("o%d" % o for o in f["objs"])
    else:
        rest = "%s %d" % (f["name"], f["result"])
    return ("%d: %s %s" % (line, name, rest)).rstrip()


def format_json(ev):
    import json
    line, name, f = ev
    d = {"line": line, "event": name}
    d.update(f)
    return json.dumps(d, separators=(",", ":"))
