"""Random traces (spec/trace.md) for the differential fuzzer.

generate(seed, case, max_objects=20, legacy=False) -> trace text

The text depends only on the arguments (see Rng), so any case can be
produced again from its two numbers.  Every trace is valid: no static or dynamic
error (the generator tracks what each name holds), and it avoids what
spec/differences.md says the generator must avoid:
- `display-splitting`: containers have at most 15 slots;
- `specialized-stores`: a name bound by a finalizer is bound by no other
  finalizer and by nothing else: each `resurrect:`/`create:` class gets its
  own name (`rN`, which the trace only ever deletes) and at most one
  instance, and is never the class a `create:` makes.  So no finalizer body
  that stores into the namespace runs twice.
`del=legacy` classes appear only when LEGACY is true (the interpreter has
`_testcapi.with_tp_del`).
"""

import random

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class Rng:
    """Random draws for one case: Python's Mersenne Twister seeded with a
    splitmix64 hash of (seed, case).  Only random() is used: the one
    method whose sequence Python keeps the same across versions for the
    same integer seed (the `random` module's documentation, "Notes on
    Reproducibility")."""

    def __init__(self, seed, case):
        z = _mix((_mix(seed & MASK) + GOLDEN * (case + 1)) & MASK)
        self.random = random.Random(z).random

    def below(self, n):
        return int(self.random() * n)

    def between(self, lo, hi):
        return lo + int(self.random() * (hi - lo + 1))

    def chance(self, p):
        return self.random() < p

    def pick(self, seq):
        return seq[int(self.random() * len(seq))]

    def weighted(self, pairs):
        total = 0
        for _, w in pairs:
            total += w
        x = self.random() * total
        for v, w in pairs:
            if x < w:
                return v
            x -= w
        return pairs[-1][0]


class Cls:
    def __init__(self, name, kind, slots=0, weakref=False, action=None,
                 arg=None):
        self.name = name
        self.kind = kind
        self.slots = slots
        self.weakref = weakref
        self.action = action     # None, observe, resurrect, clear, create, legacy
        self.arg = arg           # resurrect: name; clear: k; create: (Cls, name)
        self.binding = action in ("resurrect", "create")
        self.instances = 0

    def decl(self):
        s = "class %s %s" % (self.name, self.kind)
        if self.kind != "atom" and (self.slots or self.kind == "instance"):
            s += " slots=%d" % self.slots
        if self.weakref:
            s += " weakref"
        if self.action == "resurrect":
            s += " del=resurrect:%s" % self.arg
        elif self.action == "clear":
            s += " del=clear:%d" % self.arg
        elif self.action == "create":
            s += " del=create:%s:%s" % (self.arg[0].name, self.arg[1])
        elif self.action:
            s += " del=%s" % self.action
        return s

    def settable(self):
        return self.kind in ("instance", "list", "dict") and self.slots > 0


WEAKREF = Cls("<weakref>", "weakref")


class Gen:
    def __init__(self, seed, case, max_objects, legacy):
        self.r = r = Rng(seed, case)
        self.legacy = legacy
        self.n = r.between(1, max(1, max_objects))
        self.out = []
        self.classes = []
        self.holds = {}          # trace name -> Cls (WEAKREF) while bound
        self.cache = {}          # bound(pred) until the next change
        self.names = []
        self.fin_names = []      # names finalizers bind (only deleted here)
        self.made = 0
        # the style of this case
        self.p_none = r.pick([0.0, 0.2, 0.5])
        self.density = r.pick([0.0, 0.5, 1.0, 2.0, 3.0])
        self.p_fin = r.pick([0.2, 0.5, 0.8, 1.0])
        self.p_weak = r.pick([0.1, 0.4, 0.8])
        self.p_gc = r.pick([0.02, 0.08, 0.2])
        self.p_query = r.pick([0.02, 0.1, 0.25])
        self.big = r.chance(0.05)
        self.pool = max(2, self.n + r.between(0, 3))

    # ---------------------------------------------------------- helpers
    def emit(self, s):
        self.out.append(s)

    def name(self):
        """A trace name: usually a fresh one while the pool lasts."""
        if len(self.names) < self.pool and (not self.names or
                                             self.r.chance(0.7)):
            nm = "a%d" % len(self.names)
            self.names.append(nm)
            self.cache = {}
            return nm
        return self.r.pick(self.names)

    def hold(self, name, cls):
        """NAME now holds an object of CLS (None: nothing)."""
        if cls is None:
            self.holds.pop(name, None)
        else:
            self.holds[name] = cls
        self.cache = {}

    def bound(self, pred=None):
        """The bound names (in pool order) whose class satisfies PRED."""
        b = self.cache.get(pred)
        if b is None:
            b = self.cache[pred] = [
                n for n in self.names
                if n in self.holds and (pred is None or pred(self.holds[n]))]
        return b

    def value(self):
        if self.r.chance(self.p_none):
            return "_"
        b = self.bound()
        return self.r.pick(b) if b else "_"

    # ---------------------------------------------------------- classes
    def slots(self, kind):
        r = self.r
        if kind == "atom":
            return 0
        top = 64 if kind == "instance" else 15
        if self.big and r.chance(0.5):
            return r.between(9, top)
        s = r.weighted([(0, 1), (1, 6), (2, 6), (3, 4), (4, 2),
                        (r.between(5, 8), 2), (r.between(9, 15), 1)])
        if kind == "tuple":
            s = max(1, s)
        return s

    def make_classes(self):
        r = self.r
        k = r.between(1, 6)
        for i in range(k):
            kind = r.weighted([("instance", 10), ("list", 3), ("tuple", 2),
                               ("dict", 3), ("atom", 1)])
            c = Cls("C%d" % i, kind, self.slots(kind))
            if kind == "instance":
                c.weakref = r.chance(0.6)
                if r.chance(self.p_fin):
                    self.action(c)
            self.classes.append(c)
            self.emit(c.decl())
        if not any(c.settable() for c in self.classes):
            kind = r.pick(["instance", "list", "dict"])
            c = Cls("C%d" % len(self.classes), kind, r.between(1, 4),
                    weakref=kind == "instance" and r.chance(0.6))
            self.classes.append(c)
            self.emit(c.decl())

    def action(self, c):
        r = self.r
        plain = [d for d in self.classes
                 if d.kind == "instance" and not d.binding]
        choices = [("observe", 4), ("resurrect", 2)]
        if c.slots:
            choices.append(("clear", 2))
        if plain:
            choices.append(("create", 2))
        if self.legacy:
            choices.append(("legacy", 1))
        a = r.weighted(choices)
        c.action = a
        c.binding = a in ("resurrect", "create")
        if a == "clear":
            c.arg = r.below(c.slots)
        elif a in ("resurrect", "create"):
            nm = "r%d" % len(self.fin_names)
            self.fin_names.append(nm)
            c.arg = nm if a == "resurrect" else (r.pick(plain), nm)
            if a == "create":
                # created objects are instances too, and never of a binding
                # class (at most one instance of those)
                pass

    # ------------------------------------------------------- operations
    def newable(self):
        return [c for c in self.classes
                if not (c.binding and c.instances >= 1)]

    def op_new(self, cls=None, name=None):
        r = self.r
        if cls is None:
            cands = self.newable()
            if not cands:
                return None
            cls = r.pick(cands)
        name = name or self.name()
        vals = ""
        if cls.slots and (cls.kind == "tuple" or r.chance(0.5)):
            vals = " " + " ".join(self.value() for _ in range(cls.slots))
        self.emit("new %s %s%s" % (name, cls.name, vals))
        cls.instances += 1
        self.hold(name, cls)
        self.made += 1
        return name

    def op_set(self, x=None, v=None):
        r = self.r
        if x is None:
            b = self.bound(Cls.settable)
            if not b:
                return False
            x = r.pick(b)
        c = self.holds[x]
        self.emit("set %s.%d %s" % (x, r.below(c.slots),
                                    self.value() if v is None else v))
        return True

    def op_weakref(self):
        b = self.bound(lambda c: c.weakref)
        if not b:
            return
        x = self.r.pick(b)
        w = self.name()
        cb = " callback" if self.r.chance(0.5) else ""
        self.emit("weakref %s %s%s" % (w, x, cb))
        self.hold(w, WEAKREF)

    def op_drop(self):
        r = self.r
        if self.fin_names and r.chance(0.1):
            self.emit("del %s" % r.pick(self.fin_names))
            return
        if not self.names:
            return
        x = r.pick(self.names)
        if r.chance(0.75):
            self.emit("del %s" % x)
            self.hold(x, None)
        else:
            v = self.value()
            self.emit("bind %s %s" % (x, v))
            self.hold(x, None if v == "_" else self.holds[v])

    def op_cycle(self):
        """A cycle through k objects that can hold references (new ones
        when needed), sometimes with a chord: nested cycles."""
        r = self.r
        k = r.weighted([(1, 2), (2, 3), (3, 2), (r.between(4, 12), 2)])
        b = self.bound(Cls.settable)
        ring = []
        for _ in range(k):
            if b and r.chance(0.5):
                ring.append(r.pick(b))
            else:
                cands = [c for c in self.newable() if c.settable()]
                if not cands:
                    break
                ring.append(self.op_new(r.pick(cands)))
        if not ring:
            return
        for i, x in enumerate(ring):
            if x not in self.holds or not self.holds[x].settable():
                return           # rebound meanwhile by a fresh name's reuse
            self.op_set(x, ring[(i + 1) % len(ring)])
        if len(ring) > 2 and r.chance(0.4):
            i, j = r.below(len(ring)), r.below(len(ring))
            if ring[i] in self.holds and ring[j] in self.holds:
                self.op_set(ring[i], ring[j])

    def op_garbage_cycle(self):
        """A cycle of new objects that becomes garbage at once (for the
        next collection, often an automatic one inside an allocation)."""
        r = self.r
        cands = [c for c in self.newable() if c.settable()]
        if not cands:
            return
        ring = [self.op_new(r.pick(cands)) for _ in range(r.between(1, 5))]
        if len(set(ring)) < len(ring):
            return               # a name taken twice: not a ring any more
        for i, x in enumerate(ring):
            self.op_set(x, ring[(i + 1) % len(ring)])
        if r.chance(self.p_weak):
            self.op_weakref()
        for x in ring:
            self.emit("del %s" % x)
            self.hold(x, None)

    def op_gc(self):
        r = self.r
        kind = r.weighted([("collect", 8), ("threshold", 3), ("able", 2),
                           ("debug", 2), ("gclear", 2), ("freeze", 1)])
        if kind == "collect":
            g = r.weighted([(0, 2), (1, 2), (2, 4)])
            self.emit("collect" if g == 2 and r.chance(0.5) else
                      "collect %d" % g)
        elif kind == "threshold":
            self.emit(self.threshold())
        elif kind == "able":
            self.emit(r.pick(["enable", "disable", "enable"]))
        elif kind == "debug":
            self.emit(r.pick(["debug saveall", "debug none"]))
        elif kind == "gclear":
            self.emit("garbage clear")
        elif r.chance(0.35):     # unfreeze is expensive (trace_batch.py)
            self.emit("freeze" if r.chance(0.85) else "unfreeze")

    def threshold(self):
        r = self.r
        t0 = r.weighted([(0, 1), (r.between(1, 3), 6), (r.between(4, 10), 4),
                         (r.between(11, 40), 2), (700, 2),
                         (r.between(41, 2000), 1)])
        args = [t0]
        if r.chance(0.5):
            args.append(r.weighted([(0, 1), (r.between(1, 4), 3), (10, 2)]))
            if r.chance(0.5):
                args.append(r.weighted([(0, 1), (r.between(1, 4), 3),
                                        (10, 2)]))
        return "threshold " + " ".join(str(a) for a in args)

    def op_query(self):
        r = self.r
        q = r.weighted([("count", 4), ("stats", 2), ("threshold", 1),
                        ("freeze_count", 1), ("garbage", 3), ("named", 8)])
        if q == "freeze_count" and not r.chance(0.12):
            q = "count"          # a walk of the permanent generation
        if q != "named":
            self.emit("query " + q)
            return
        b = self.bound()
        if b:
            self.emit("query %s %s" % (r.pick(["tracked", "finalized",
                                                "refcount"]), r.pick(b)))

    # ------------------------------------------------------------ trace
    def trace(self):
        r = self.r
        if r.chance(0.7):
            self.emit(self.threshold())
        if r.chance(0.1):
            self.emit("disable")
        if r.chance(0.1):
            self.emit("debug saveall")
        self.make_classes()
        edges = int(self.density * self.n + 0.5)
        steps = self.n + edges + r.between(2, self.n + 4)
        for _ in range(steps):
            x = r.random()
            if self.made < self.n and x < 0.35:
                self.op_new()
            elif x < 0.55:
                if not self.op_set():
                    self.op_new()
            elif x < 0.62:
                if r.chance(0.5):
                    self.op_cycle()
                else:
                    self.op_garbage_cycle()
            elif x < 0.62 + 0.2 * self.p_weak:
                self.op_weakref()
            elif x < 0.80:
                self.op_drop()
            elif x < 0.80 + self.p_gc:
                self.op_gc()
            elif x < 0.80 + self.p_gc + self.p_query:
                self.op_query()
            elif self.made < self.n:
                self.op_new()
        if r.chance(0.4):
            # churn: garbage, then allocations that automatic collections
            # (low thresholds) run inside
            for nm in self.names:
                if nm in self.holds and r.chance(0.5):
                    self.emit("del %s" % nm)
                    self.hold(nm, None)
            for _ in range(r.between(1, self.n // 2 + 2)):
                self.op_new()
        # the end: drop most names, then collect (or let thresholds act)
        for nm in self.names:
            if nm in self.holds and r.chance(0.8):
                self.emit("del %s" % nm)
                self.hold(nm, None)
        if r.chance(0.8):
            self.emit("collect" if r.chance(0.6) else
                      "collect %d" % r.below(3))
        if r.chance(0.5):
            self.op_query()
        if r.chance(0.3):
            self.emit("query garbage")
        return "".join(s + "\n" for s in self.out)


def generate(seed, case, max_objects=20, legacy=False):
    """The trace text of case CASE of campaign SEED."""
    return Gen(seed, case, max_objects, legacy).trace()


def main(argv):
    """gen.py SEED CASE [COUNT] [--objects N] [--legacy]: print cases."""
    legacy = "--legacy" in argv
    argv = [a for a in argv if a != "--legacy"]
    objects = 20
    if "--objects" in argv:
        i = argv.index("--objects")
        objects = int(argv[i + 1])
        del argv[i:i + 2]
    if not 2 <= len(argv) <= 3:
        sys.stderr.write("usage: gen.py SEED CASE [COUNT] [--objects N] "
                         "[--legacy]\n")
        return 2
    seed, first = int(argv[0]), int(argv[1])
    count = int(argv[2]) if len(argv) > 2 else 1
    for c in range(first, first + count):
        if count > 1:
            sys.stdout.write("# case %d\n" % c)
        sys.stdout.write(generate(seed, c, objects, legacy))
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
