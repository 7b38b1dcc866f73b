#!/usr/bin/env python3
"""pymemref CPython driver: run traces (spec/trace.md) in this interpreter.

usage: driver.py [--json] [--frozen-base] TRACE...
       driver.py --batch

Prints the observable events of each trace, `LINE: EVENT` (or JSON Lines
with --json); with several traces, each block starts with `== FILE` (with
--json: {"file":"FILE"}).  --frozen-base also reports on stderr how many
objects the driver froze before each trace (they come back into the old
generation on `unfreeze`), and how many of them are immortal (3.12).  A bad trace: `FILE:LINE: error: MESSAGE` on
stderr, exit status 2, nothing on stdout.  Standard library only.

--batch runs the traces that arrive on standard input, one after another in
this process, and answers each as it completes (protocol in trace_batch.py:
`%trace NAME` ... `%end` in, the events and `%done ok|error [frozen_base=N
frozen_immortal=M]` out); the differential fuzzer (fuzz/fuzz.py) drives it.

Traces of allocator operations (`malloc`, `free`, `realloc`, `pymalloc`)
run in this interpreter's pymalloc through the C extension of
pymalloc_probe/trace_probe.c, built on first use (pymalloc_probe/
alloc_trace.py); in batch mode `%info` then says `pymalloc_probe=1|0`.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from trace_parse import TraceError, parse  # noqa: E402
import trace_exec  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "pymalloc_probe"))
import alloc_trace  # noqa: E402

USAGE = ("usage: driver.py [--json] [--frozen-base] TRACE...\n"
         "       driver.py --batch\n")


def main(argv):
    json_mode = False
    frozen = False
    files = []
    if argv == ["--batch"]:
        import trace_batch
        alloc_trace.install(trace_batch)
        trace_batch.serve(sys.stdin.buffer, sys.stdout.buffer)
        return 0
    for a in argv:
        if a == "--json":
            json_mode = True
        elif a == "--frozen-base":
            frozen = True
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__.split("\n\n", 1)[1])
            return 0
        elif a.startswith("-") and a != "-":
            sys.stderr.write("driver.py: unknown option %s\n%s" % (a, USAGE))
            return 2
        else:
            files.append(a)
    if not files:
        sys.stderr.write(USAGE)
        return 2
    fmt = trace_exec.format_json if json_mode else trace_exec.format_text
    out = []
    for f in files:
        # One at a time: parsed traces waiting for their turn would make the
        # collections of every initial state slower.
        try:
            with open(f, "rb") as fh:
                data = fh.read()
        except OSError as e:
            sys.stderr.write("%s:0: error: cannot read: %s\n" % (f, e.strerror))
            return 2
        info = {"frozen_base": 0, "frozen_immortal": 0}
        if alloc_trace.is_alloc_trace(data):
            try:
                lines = alloc_trace.run(f, data)
            except TraceError as e:
                sys.stderr.write("%s:%d: error: %s\n" % (f, e.line, e.message))
                return 2
            if len(files) > 1:
                out.append('{"file":%s}' % json.dumps(f) if json_mode else "== %s" % f)
            out.extend(alloc_trace.to_json(ev) if json_mode else ev for ev in lines)
            continue
        try:
            events = trace_exec.run(parse(f, data), info)
        except TraceError as e:
            sys.stderr.write("%s:%d: error: %s\n" % (f, e.line, e.message))
            return 2
        if frozen:
            sys.stderr.write("%s: frozen_base %d frozen_immortal %d\n" % (
                f, info["frozen_base"], info["frozen_immortal"]))
        if len(files) > 1:
            out.append('{"file":%s}' % json.dumps(f) if json_mode else "== %s" % f)
        out.extend(fmt(ev) for ev in events)
    sys.stdout.write("".join(s + "\n" for s in out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
