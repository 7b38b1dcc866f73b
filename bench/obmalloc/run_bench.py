#!/usr/bin/env python3
"""run_bench.py: malloc/free pairs per second, model against CPython's own
pymalloc (through the probe, fuzz/cpython/pymalloc_probe), in one run.

Usage: run_bench.py [--pairs N] [--build DIR]
Prints one line per workload (LIVE blocks kept allocated) and the ratio
model/CPython of pairs per second."""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "fuzz", "cpython"))
import pymalloc_diff  # noqa: E402  (builds the probe and the model)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=2_000_000)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "pymalloc_probe"))
    args = ap.parse_args()
    pymalloc_diff.build(args.build)
    model_src = os.path.join(ROOT, "model")
    exe = os.path.join(args.build, "bench_model")
    msrc = sorted(os.path.join(model_src, f) for f in os.listdir(model_src)
                  if f.startswith("obmalloc") and f.endswith(".c"))
    subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-O2",
                    "-D_POSIX_C_SOURCE=200809L", "-I" + model_src,
                    os.path.join(HERE, "bench_model.c"), *msrc, "-o", exe],
                   check=True)
    sys.path.insert(0, args.build)
    import pymalloc_probe as probe
    print(f"{'live':>6} {'cpython pairs/s':>16} {'model pairs/s':>14} {'ratio':>7}")
    for live in (1, 1000, 100000):
        ns_c = probe.bench(args.pairs, live)
        ns_m = int(subprocess.run([exe, str(args.pairs), str(live)], check=True,
                                  capture_output=True, text=True).stdout)
        pc, pm = args.pairs / ns_c * 1e9, args.pairs / ns_m * 1e9
        print(f"{live:>6} {pc:>16,.0f} {pm:>14,.0f} {pm / pc:>7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
