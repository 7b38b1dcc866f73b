#!/usr/bin/env python3
"""pymalloc_diff.py: differential check of the pymalloc model against the
pymalloc of the running CPython (64-bit 3.11, with a symbol table).

For each seed, a random batch of PyObject_Malloc / PyObject_Free /
PyObject_Realloc calls is run by the probe (pymalloc_probe/probe.c) inside
one C call, between a snapshot of pymalloc's tables before and after.  The
model (pymalloc_probe/model_batch.c) starts from the snapshot before, runs
the same batch, and must print the same line for every call (small or
large; arena index, pool number, offset in the pool and address of small
blocks; arenas allocated) and the same snapshot after.  The addresses that
mmap gave to new arenas are the one input the model takes from CPython.

Usage: pymalloc_diff.py [--seeds N] [--first S] [--build DIR] [--keep DIR]
Exit status: 0 all batches agree, 1 some disagree, 2 bad usage/set-up.
"""
import argparse
import os
import random
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
    symbol 'obmalloc.c'."""
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
        die(f"{path}: no symbol table (stripped); use a python3 with symbols")
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
            in_obmalloc = name == "obmalloc.c"
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
    subprocess.run([cc, "-shared", "-fPIC", *warn, "-I" + inc,
                    os.path.join(src, "probe.c"), "-o", probe], check=True)
    subprocess.run([cc, "-std=c11", *warn, "-D_POSIX_C_SOURCE=200809L",
                    "-I" + model, os.path.join(src, "model_batch.c"), *msrc,
                    "-o", batch], check=True)
    return batch


SMALL_EDGES = [1, 15, 16, 17, 31, 32, 33, 48, 255, 256, 257, 496, 497, 511, 512]


def rand_size(rng):
    r = rng.random()
    if r < 0.70:
        return rng.randint(1, 512)
    if r < 0.85:
        return rng.choice(SMALL_EDGES)
    if r < 0.88:
        return 0
    return rng.randint(513, 8192)


def make_batch(seed):
    """A random batch: a list of (kind, id, size)."""
    rng = random.Random(seed)
    shape = rng.random()
    live, ops, next_id = [], [], 0
    if shape < 0.12:
        # fill: several MiB of small blocks (new arenas; with 40,000 or more
        # blocks of 512 bytes the arena table grows), then free in a random
        # order (pools emptied, arenas released but the last)
        n = rng.choice([4000, 10000, 20000, 45000])
        size = rng.choice([None, 512, 16, 256])
        for i in range(n):
            ops.append((ord("m"), i, size or rng.randint(1, 512)))
        order = list(range(n))
        rng.shuffle(order)
        if rng.random() < 0.5:
            order.sort(key=lambda x: (x % 7, x))   # a strided order
        for x in order:
            ops.append((ord("f"), x, 0))
        return ops
    if shape < 0.25:
        nops = rng.randint(6000, 14000)
    else:
        nops = rng.randint(20, 2000)
    p_alloc = rng.uniform(0.45, 0.8)
    one_class = rng.random() < 0.2            # stress a single size class
    cls_size = rng.randint(1, 512)
    for i in range(nops):
        if i == nops // 2:
            p_alloc = rng.uniform(0.2, 0.5)    # a freeing phase
        r = rng.random()
        if not live or r < p_alloc:
            size = cls_size if one_class and rng.random() < 0.8 else rand_size(rng)
            ops.append((ord("m"), next_id, size))
            live.append(next_id)
            next_id += 1
        elif r < p_alloc + (1 - p_alloc) * 0.8:
            j = rng.randrange(len(live))
            live[j], live[-1] = live[-1], live[j]
            ops.append((ord("f"), live.pop(), 0))
        else:
            ops.append((ord("r"), rng.choice(live), rand_size(rng)))
    rng.shuffle(live)
    for x in live:
        ops.append((ord("f"), x, 0))
    return ops


def model_input(before, lines, ops):
    out = [before]
    for ln in lines.splitlines():
        if ln.startswith("newarena "):
            out.append(ln + "\n")
    for k, i, n in ops:
        out.append(f"op {chr(k)} {i} {n}\n" if k != ord("f") else f"op f {i}\n")
    return "".join(out)


def class_counts(snapshot):
    """{class: [pools in use, blocks in use]} from a snapshot."""
    counts = {}
    for ln in snapshot.splitlines():
        w = ln.split()
        if w and w[0] == "pool" and int(w[4]) > 0:
            c = counts.setdefault(int(w[3]), [0, 0])
            c[0] += 1
            c[1] += int(w[4])
    return counts


def counters(snapshot):
    for ln in snapshot.splitlines():
        if ln.startswith("counters "):
            return [int(x) for x in ln.split()[1:]]
    return [0, 0, 0, 0]


def reclaimed(snapshot):
    """# arenas reclaimed: arenas allocated total - allocated current."""
    c = counters(snapshot)
    return c[0] - c[1]


def maxarenas(snapshot):
    for ln in snapshot.splitlines():
        if ln.startswith("maxarenas "):
            return int(ln.split()[1])
    return 0


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: cpython '{x}' model '{y}'"
    return f"lengths differ: cpython {len(la)} lines, model {len(lb)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "pymalloc_probe"))
    ap.add_argument("--keep", help="write failing batches' inputs here")
    args = ap.parse_args()
    if sys.maxsize < 2**32 or sys.version_info[:2] != (3, 11):
        die("needs a 64-bit CPython 3.11 (the probe knows 3.11's tables)")
    batch_exe = build(args.build)
    sys.path.insert(0, args.build)
    import pymalloc_probe as probe
    path, _ = probe.locate()
    probe.setup(elf_symbols(path, SYMBOLS))

    agree = disagree = nops_total = 0
    t_probe = t_model = 0.0
    deltas = {}
    with_new = with_released = with_grown = 0
    for seed in range(args.first, args.first + args.seeds):
        ops = make_batch(seed)
        blob = b"".join(struct.pack("<qqq", *o) for o in ops)
        t0 = time.perf_counter()
        before, lines, after = probe.run(blob)
        t1 = time.perf_counter()
        inp = model_input(before, lines, ops)
        res = subprocess.run([batch_exe], input=inp, capture_output=True,
                             text=True)
        t2 = time.perf_counter()
        t_probe += t1 - t0
        t_model += t2 - t1
        nops_total += len(ops)
        expect = lines + after
        if res.returncode == 0 and res.stdout == expect:
            agree += 1
            with_new += "newarena" in lines
            with_released += reclaimed(after) > reclaimed(before)
            with_grown += maxarenas(after) > maxarenas(before)
            c0, c1 = class_counts(before), class_counts(after)
            for c in set(c0) | set(c1):
                d = deltas.setdefault(c, [0, 0])
                d[0] = max(d[0], abs(c1.get(c, [0, 0])[0] - c0.get(c, [0, 0])[0]))
            continue
        disagree += 1
        why = (res.stderr.strip() if res.returncode != 0
               else first_difference(expect, res.stdout))
        print(f"seed {seed}: DISAGREE ({len(ops)} ops): {why}")
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            with open(os.path.join(args.keep, f"seed{seed}.in"), "w") as f:
                f.write(inp)
            with open(os.path.join(args.keep, f"seed{seed}.cpython"), "w") as f:
                f.write(expect)
    print(f"pymalloc differential: {agree + disagree} batches, {nops_total} "
          f"calls; probe {t_probe:.2f} s, model {t_model:.2f} s "
          f"({nops_total / max(t_model, 1e-9):,.0f} calls/s incl. process start)")
    print(f"agreeing batches that allocated arenas: {with_new}, released "
          f"arenas: {with_released}, grew the arena table: {with_grown}")
    print(f"{agree} passed, {disagree} failed")
    return 0 if disagree == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
