#!/usr/bin/env python3
"""pymalloc_stats_check.py: the model's sys._debugmallocstats() text
(model/obmalloc_stats.c) against CPython's own, for the same state.

The probe takes a snapshot of pymalloc's tables and, in the same C call,
_PyObject_DebugMallocStats's text; the model loads the snapshot and prints its
text.  The pymalloc part must be equal line for line, except the radix tree's
node counts, which depend on every arena ever mapped (the model knows the
arenas of the snapshot only).  Exit 0 if equal, 1 if not, 2 on set-up errors.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pymalloc_diff  # noqa: E402

NODE_LINES = ("# arena map mid nodes", "# arena map bot nodes",
              "# bytes lost to arena map mid", "# bytes lost to arena map bot")


def pymalloc_part(text):
    """Lines up to the arena map totals; node-count lines left out."""
    out = []
    for ln in text.splitlines():
        if ln.startswith(NODE_LINES):
            continue
        out.append(ln)
        if ln.startswith("# bytes lost to arena map root"):
            break
    return out


def main():
    build = os.path.join(pymalloc_diff.ROOT, "build", "pymalloc_probe")
    exe = pymalloc_diff.build(build)
    sys.path.insert(0, build)
    import pymalloc_probe as probe
    path, _ = probe.locate()
    probe.setup(pymalloc_diff.elf_symbols(path, pymalloc_diff.SYMBOLS))
    keep = []
    for i in range(20000):          # a state with some variety
        keep.append(bytearray(i % 700))
    del keep[::3]
    snap, text = probe.stats()
    res = subprocess.run([exe, "-s"], input=snap, capture_output=True, text=True)
    if res.returncode != 0:
        print(res.stderr, file=sys.stderr)
        return 2
    want, got = pymalloc_part(text), pymalloc_part(res.stdout)
    if want == got:
        print(f"_debugmallocstats: model and CPython agree on {len(want)} lines")
        print("1 passed, 0 failed")
        return 0
    for i, (x, y) in enumerate(zip(want, got)):
        if x != y:
            print(f"line {i + 1}: cpython '{x}'\n         model   '{y}'")
            break
    else:
        print(f"lengths differ: cpython {len(want)}, model {len(got)}")
    print("0 passed, 1 failed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
