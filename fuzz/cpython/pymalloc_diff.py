#!/usr/bin/env python3
"""pymalloc_diff.py: differential check of the pymalloc model against the
pymalloc of the running CPython (64-bit 3.11, 3.12 or 3.13).

Each seed names a random batch of PyObject_Malloc / PyObject_Free /
PyObject_Realloc calls (pymalloc_probe/batch_gen.h, one generator in C for
both sides).  The probe (pymalloc_probe/probe.c) runs the batch inside one C
call, between a snapshot of pymalloc's tables before and after; then the
model, linked into the same module, starts from the snapshot before, runs
the same batch, and must print the same line for every call (small or
large; arena index, pool number, offset in the pool and address of small
blocks; arenas allocated) and the same snapshot after.  The addresses that
mmap gave to new arenas are the one input the model takes from CPython.

On 3.11 the tables are static variables, found through the symbol table of
the library holding PyObject_Malloc; on 3.12 and 3.13 they are fields of
the interpreter state, found through the internal headers.

Usage: pymalloc_diff.py [--seeds N] [--first S] [--jobs J] [--build DIR]
                        [--keep DIR]
A failing batch is written to --keep DIR as seedS.in (input of
pymalloc_probe/model_batch) and seedS.cpython (CPython's text).
Exit status: 0 all batches agree, 1 some disagree, 2 bad usage/set-up,
3 a 3.11 whose library is stripped (its tables cannot be found).
"""
import argparse
import os
import struct
import subprocess
import sys
import sysconfig
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SYMBOLS = ["PyObject_Malloc", "_PyObject_Malloc", "arenas", "maxarenas",
           "usable_arenas", "unused_arena_objects", "nfp2lasta", "usedpools",
           "ntimes_arena_allocated", "narenas_currently_allocated",
           "narenas_highwater", "raw_allocated_blocks"]


def die(msg):
    print(f"pymalloc_diff.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def elf_symbols(path, wanted):
    """st_value of each wanted symbol in the ELF64 file PATH.  Local
    (static) symbols are taken from the group that follows the STT_FILE
    symbol of obmalloc: 'obmalloc.c' in a build from source, 'obmalloc.o'
    when the interpreter was linked from Debian's libpython3.11.a."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        die(f"{path}: not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    symtab = [s for s in sections if s[1] == 2]          # SHT_SYMTAB
    if not symtab:
        print(f"pymalloc_diff.py: {path}: no symbol table (stripped): "
              "this 3.11 cannot be probed", file=sys.stderr)
        sys.exit(3)
    sym = symtab[0]
    strtab = sections[sym[6]]
    strs = data[strtab[4]:strtab[4] + strtab[5]]
    found, in_obmalloc = {}, False
    for off in range(sym[4], sym[4] + sym[5], 24):
        name_off, info, _other, _shndx, value, _size = struct.unpack_from(
            "<IBBHQQ", data, off)
        name = strs[name_off:strs.index(b"\0", name_off)].decode()
        kind, bind = info & 0xF, info >> 4
        if kind == 4:                                     # STT_FILE
            in_obmalloc = os.path.basename(name) in ("obmalloc.c",
                                                     "obmalloc.o")
            continue
        if name in wanted and (bind != 0 or in_obmalloc) and value:
            found.setdefault(name, value)
    missing = [w for w in wanted if w not in found]
    if missing:
        die(f"{path}: symbols not found: {', '.join(missing)}")
    return found


def build(build_dir):
    """Compile the probe and model_batch into BUILD_DIR (cc, no setuptools)."""
    os.makedirs(build_dir, exist_ok=True)
    inc = sysconfig.get_paths()["include"]
    ext = sysconfig.get_config_var("EXT_SUFFIX")
    probe = os.path.join(build_dir, "pymalloc_probe" + ext)
    batch = os.path.join(build_dir, "model_batch")
    src = os.path.join(HERE, "pymalloc_probe")
    model = os.path.join(ROOT, "model")
    msrc = sorted(os.path.join(model, f) for f in os.listdir(model)
                  if f.startswith("obmalloc") and f.endswith(".c"))
    cc = os.environ.get("CC", "cc")
    warn = ["-Wall", "-Wextra", "-Werror", "-O2", "-g"]
    run = os.path.join(src, "model_run.c")
    deps = [os.path.join(src, f) for f in os.listdir(src)
            if f.endswith((".c", ".h"))] + msrc + [
                os.path.join(model, f) for f in os.listdir(model)
                if f.startswith("obmalloc") and f.endswith(".h")]
    newest = max(os.path.getmtime(d) for d in deps)

    def stale(out):
        return not os.path.exists(out) or os.path.getmtime(out) < newest
    # one build directory per interpreter version: the module is tied to it
    if stale(probe):
        tmp = probe + ".tmp%d" % os.getpid()
        subprocess.run([cc, "-shared", "-fPIC", *warn, "-I" + inc,
                        "-I" + model, os.path.join(src, "probe.c"), run,
                        *msrc, "-o", tmp], check=True)
        os.replace(tmp, probe)
    if stale(batch):
        tmp = batch + ".tmp%d" % os.getpid()
        subprocess.run([cc, "-std=c11", *warn, "-D_POSIX_C_SOURCE=200809L",
                        "-I" + model, os.path.join(src, "model_batch.c"), run,
                        *msrc, "-o", tmp], check=True)
        os.replace(tmp, batch)
    return batch


def model_input(before, lines, ops):
    out = [before]
    for ln in lines.splitlines():
        if ln.startswith("newarena "):
            out.append(ln + "\n")
    for k, i, n in ops:
        out.append(f"op {k} {i} {n}\n" if k != "f" else f"op f {i}\n")
    return "".join(out)


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: cpython '{x}' model '{y}'"
    return f"lengths differ: cpython {len(la)} lines, model {len(lb)}"


def setup(build_dir):
    """Build the probe for this interpreter and point it at pymalloc."""
    if sys.maxsize < 2**32 or sys.version_info[:2] not in ((3, 11), (3, 12),
                                                           (3, 13)):
        die("needs a 64-bit CPython 3.11, 3.12 or 3.13 (the probe knows "
            "their tables)")
    if os.environ.get("PYTHONMALLOC", "pymalloc") != "pymalloc" \
            or sys.flags.dev_mode:
        die("PYTHONMALLOC or -X dev changes the object allocator")
    batch_exe = build(build_dir)
    sys.path.insert(0, build_dir)
    import pymalloc_probe as probe
    if sys.version_info[:2] == (3, 11):
        path, _ = probe.locate()
        probe.setup(elf_symbols(path, SYMBOLS))
    else:
        probe.setup_internal()
    return probe, batch_exe


def worker_cmd(args, first, seeds):
    cmd = [sys.executable, os.path.abspath(__file__), "--seeds", str(seeds),
           "--first", str(first), "--build", args.build, "--jobs", "1",
           "--quiet"]
    if args.keep:
        cmd += ["--keep", args.keep]
    return cmd


def run_jobs(args):
    """Split the seeds over ARGS.jobs interpreters; sum their counts."""
    setup(args.build)                     # build once, before the workers
    per = -(-args.seeds // args.jobs)
    procs = []
    for j in range(args.jobs):
        first = args.first + j * per
        n = min(per, args.first + args.seeds - first)
        if n > 0:
            procs.append(subprocess.Popen(worker_cmd(args, first, n),
                                          stdout=subprocess.PIPE, text=True))
    totals = [0] * 6
    status = 0
    for p in procs:
        out, _ = p.communicate()
        for ln in out.splitlines():
            if ln.startswith("counts "):
                totals = [a + int(b) for a, b in zip(totals, ln.split()[1:])]
            else:
                print(ln)
        if p.returncode not in (0, 1):
            die(f"a worker failed (exit {p.returncode})")
        status |= p.returncode
    return totals, status


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--build", default=None)
    ap.add_argument("--keep", help="write failing batches' inputs here")
    ap.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.seeds < 0 or args.first < 0 or args.jobs < 1:
        die("--seeds and --first must be >= 0, --jobs >= 1")
    if args.build is None:
        args.build = os.path.join(ROOT, "build", "pymalloc_probe")
    # the module is built for one interpreter: one directory per version
    args.build = os.path.join(args.build, "py%d.%d" % sys.version_info[:2]) \
        if not args.quiet else args.build
    t0 = time.perf_counter()
    if args.jobs > 1:
        counts, status = run_jobs(args)
    else:
        counts, status = run_seeds(args)
    agree, disagree, nops, new, released, grown = counts
    if args.quiet:
        print("counts", *counts)
        return status
    dt = time.perf_counter() - t0
    v = sys.version.split()[0]
    print(f"pymalloc differential (CPython {v}): {agree + disagree} batches, "
          f"{nops:,} calls, {dt:.1f} s ({(agree + disagree) / max(dt, 1e-9):,.0f} "
          f"batches/s, {nops / max(dt, 1e-9):,.0f} calls/s, {args.jobs} job(s))")
    print(f"agreeing batches that allocated arenas: {new}, released "
          f"arenas: {released}, grew the arena table: {grown}")
    print(f"{agree} passed, {disagree} failed")
    return 0 if disagree == 0 else 1


def run_seeds(args):
    probe, _ = setup(args.build)
    agree = disagree = nops_total = with_new = with_released = with_grown = 0
    for seed in range(args.first, args.first + args.seeds):
        ok, nops, new, released, grown, detail = probe.check(seed)
        nops_total += nops
        if ok:
            agree += 1
            with_new += new
            with_released += released
            with_grown += grown
            continue
        disagree += 1
        why = detail[0]
        before, lines, after, model = (t.decode(errors="replace")
                                       for t in detail[1:])
        expect = lines + after
        print(f"seed {seed}: DISAGREE ({nops} ops): "
              f"{why or first_difference(expect, model)}", flush=True)
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            with open(os.path.join(args.keep, f"seed{seed}.in"), "w") as f:
                f.write(model_input(before, lines, probe.batch(seed)))
            with open(os.path.join(args.keep, f"seed{seed}.cpython"), "w") as f:
                f.write(expect)
    counts = [agree, disagree, nops_total, with_new, with_released, with_grown]
    return counts, 0 if disagree == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
