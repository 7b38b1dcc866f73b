"""Shrinking a disagreeing trace (delta debugging, Zeller and Hildebrandt
2002) to a small one that still disagrees in the same way.

shrink(text, still) -> smaller text.  STILL(list of texts) says, for each
candidate, whether it still shows the disagreement (the caller runs them
all through the interpreter and the model in one batch; a candidate that
either side refuses does not count).  Candidates are always well-formed
lines; validity (names bound, slots in range) is left to STILL.

Passes, repeated until none makes progress:
- remove operations (ddmin over the non-class lines, chunks halving);
- remove class declarations, their `weakref` and `del=` attributes;
- simplify operands: `new` without values, single values to `_`, weak
  references without callback, `collect` of generation 2, fewer
  threshold numbers;
- rename bindings and classes in order of first use (a, b, ..., C1, ...).
"""

BATCH = 16


def _lines(text):
    out = []
    for line in text.split("\n"):
        line = " ".join(line.split("#", 1)[0].split())
        if line:
            out.append(line)
    return out


def _text(lines):
    return "".join(l + "\n" for l in lines)


class Shrinker:
    def __init__(self, still, budget=4000):
        self.still = still
        self.budget = budget       # candidates tried at most
        self.tried = 0

    def first(self, cands):
        """The first candidate (list of lines) that still disagrees."""
        seen = set()
        uniq = []
        for c in cands:
            t = tuple(c)
            if t not in seen:
                seen.add(t)
                uniq.append(c)
        for i in range(0, len(uniq), BATCH):
            if self.tried >= self.budget:
                return None
            part = uniq[i:i + BATCH]
            self.tried += len(part)
            res = self.still([_text(c) for c in part])
            for c, ok in zip(part, res):
                if ok:
                    return c
        return None

    def ddmin(self, lines):
        idx = [i for i, l in enumerate(lines) if not l.startswith("class ")]
        n = 2
        while len(idx) >= 1:
            size = max(1, len(idx) // n)
            chunks = [idx[i:i + size] for i in range(0, len(idx), size)]
            cands = []
            for ch in chunks:
                drop = set(ch)
                cands.append([l for i, l in enumerate(lines) if i not in drop])
            found = self.first(cands)
            if found is not None:
                lines = found
                idx = [i for i, l in enumerate(lines)
                       if not l.startswith("class ")]
                n = max(n - 1, 2)
                continue
            if size == 1:
                break
            n = min(len(idx), n * 2)
        return lines

    def variants(self, lines):
        """Single-line simplifications of LINES, simplest first."""
        for i, l in enumerate(lines):
            t = l.split()
            alt = []
            if t[0] == "class":
                alt.append(None)
                for j, a in enumerate(t[3:], 3):
                    if a == "weakref" or a.startswith("del="):
                        alt.append(" ".join(t[:j] + t[j + 1:]))
                    if a.startswith("del=") and a != "del=observe":
                        alt.append(" ".join(t[:j] + ["del=observe"] + t[j + 1:]))
            elif t[0] == "new" and len(t) > 3:
                alt.append(" ".join(t[:3]))
                for j in range(3, len(t)):
                    if t[j] != "_":
                        alt.append(" ".join(t[:j] + ["_"] + t[j + 1:]))
            elif t[0] == "set" and t[2] != "_":
                alt.append(" ".join(t[:2] + ["_"]))
            elif t[0] == "weakref" and len(t) == 4:
                alt.append(" ".join(t[:3]))
            elif t[0] == "collect" and len(t) == 2:
                alt.append("collect")
            elif t[0] == "threshold" and len(t) > 2:
                alt.append(" ".join(t[:-1]))
            for a in alt:
                yield lines[:i] + ([] if a is None else [a]) + lines[i + 1:]

    def simplify(self, lines):
        while True:
            found = self.first(list(self.variants(lines)))
            if found is None:
                return lines
            lines = found


def rename(lines):
    """Bindings a, b, ..., z, a1, ...; classes C1, C2, ... in first use."""
    classes, names = {}, {}
    kw = {"class", "new", "set", "bind", "del", "weakref", "collect",
          "threshold", "enable", "disable", "debug", "freeze", "unfreeze",
          "garbage", "query"}

    def nm(x):
        if x == "_":
            return x
        if x not in names:
            k = len(names)
            names[x] = "abcdefghijklmnopqrstuvwxyz"[k % 26] + (
                str(k // 26) if k >= 26 else "")
        return names[x]

    def cl(x):
        if x not in classes:
            classes[x] = "C%d" % (len(classes) + 1)
        return classes[x]
    # class names first, in declaration order
    for l in lines:
        t = l.split()
        if t[0] == "class":
            cl(t[1])
    out = []
    for l in lines:
        t = l.split()
        k = t[0]
        if k == "class":
            attrs = []
            for a in t[3:]:
                if a.startswith("del=resurrect:"):
                    a = "del=resurrect:" + nm(a.split(":")[1])
                elif a.startswith("del=create:"):
                    _, c, n = a.split(":")
                    a = "del=create:%s:%s" % (cl(c), nm(n))
                attrs.append(a)
            t = t[:1] + [cl(t[1]), t[2]] + attrs
        elif k == "new":
            t = [k, nm(t[1]), cl(t[2])] + [nm(v) for v in t[3:]]
        elif k == "set":
            x, _, s = t[1].partition(".")
            t = [k, "%s.%s" % (nm(x), s), nm(t[2])]
        elif k in ("bind", "weakref"):
            t = [k, nm(t[1]), nm(t[2])] + t[3:]
        elif k == "del":
            t = [k, nm(t[1])]
        elif k == "query" and len(t) == 3:
            t = [k, t[1], nm(t[2])]
        assert k in kw
        out.append(" ".join(t))
    return out


def shrink(text, still, budget=4000):
    s = Shrinker(still, budget)
    lines = _lines(text)
    while True:
        before = len(lines), sum(len(l) for l in lines)
        lines = s.ddmin(lines)
        lines = s.simplify(lines)
        if (len(lines), sum(len(l) for l in lines)) == before or \
                s.tried >= s.budget:
            break
    r = rename(lines)
    if s.first([r]) is not None:
        lines = r
    return _text(lines)

