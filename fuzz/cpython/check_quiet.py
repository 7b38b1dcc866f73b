#!/usr/bin/env python3
"""Check that the driver's code for an operation allocates no gc object that
the spec's footprint does not name (spec/trace.md, "footprint").

usage: check_quiet.py [--batch]  (run it with the interpreter to check)

--batch checks the driver's batch mode (trace_batch.py: one function per
operation, called by a loop) instead of the plain one.

For each operation below: set up a heap, read count0, set threshold0 to
exactly count0 (the 1-tuple of set_threshold comes from its free list), run
the operation and read the counts again.  Any gc allocation inside the
operation, even one freed at once (a transient iterator, a bound method),
makes count0 exceed the threshold and triggers a generation-0 collection,
which shows as count1 going from 0 to 1.  Two controls that do allocate must
trigger it.  Exit status 1 if any operation is not quiet or a control is.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import trace_exec  # noqa: E402
from trace_parse import parse  # noqa: E402

SETUP = """\
class I instance slots=2 weakref
class F instance slots=1 weakref del=observe
class Z instance slots=1 del=resurrect:keep
class K instance slots=2 del=clear:1
class G instance slots=0 del=legacy
class L list slots=2
class D dict slots=2
class X atom
class GL instance slots=1 del=legacy
new gl GL
set gl.0 gl
del gl
collect 0
threshold 700
threshold 700 10
threshold 700 10 10
query count
query threshold
new x X
new a I x _
new b I
new l L a b
new d D a b
new f F
new z Z
new k K
new g G
new wa F
weakref cw wa callback
weakref bw a
query garbage
query count
"""

QUIET = [
    "set a.0 b", "set l.0 b", "set d.1 b", "bind y a", "bind y _", "del l",
    "del f",            # __del__ on the refcount path
    "del z",            # resurrecting __del__
    "del k",            # __del__ that clears a slot
    "del g",            # legacy tp_del
    "del wa",           # __del__, then one weakref callback
    "del bw",           # a weak reference dies
    "query tracked a", "query finalized a", "query refcount a",
    "query freeze_count",
    "query garbage",    # one legacy object in it (the loop runs)
    "query count", "query threshold",
    "enable", "disable", "debug saveall", "debug none", "garbage clear",
    "weakref w2 a",     # reused basic reference, 1-tuple from its free list
    "threshold 700 10 10",
]
CONTROLS = ["new n I", "weakref w3 a callback"]


RUN = [trace_exec.run]


def counts(text):
    events = RUN[0](parse("<check_quiet>", text.encode()))
    return [f["counts"] for _, name, f in events if name == "count"]


def collected_during(op):
    c0 = counts(SETUP)[-1][0]
    text = SETUP + "threshold %d\nquery count\n%s\nquery count\n" % (c0, op)
    before, after = counts(text)[-2:]
    if before[0] != c0:
        raise AssertionError("setup is not deterministic: %r" % (before,))
    return after[1] != before[1]


def main():
    if sys.argv[1:] == ["--batch"]:
        import trace_batch
        RUN[0] = trace_batch.Batch().run
    elif sys.argv[1:]:
        sys.stderr.write("usage: check_quiet.py [--batch]\n")
        return 2
    bad = 0
    for op in QUIET:
        c = collected_during(op)
        bad += c
        print("%-24s %s" % (op, "ALLOCATES" if c else "quiet"))
    for op in CONTROLS:
        c = collected_during(op)
        bad += not c
        print("%-24s %s" % (op, "allocates (control)" if c else
                            "CONTROL DID NOT TRIGGER"))
    v = sys.version.split()[0]
    print("check_quiet: %s%s: %s" % (v, " (batch mode)" if RUN[0] is not
                                      trace_exec.run else "",
                                      "FAILED" if bad else "all quiet"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
