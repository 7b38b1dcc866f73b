#!/usr/bin/env bash
# One full collection of the same random graph in the model and in CPython;
# prints both times and the ratio model/CPython measured in this run.
set -euo pipefail
n=${1:-1000000}; seed=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
bin=${BENCH_GC_FULL_BIN:-build/bench/gc_full}
read -r mf mt < <("$bin" "$n" "$seed")
read -r cf ct < <(${PYTHON:-python3} "$here/cpython_full.py" "$n" "$seed")
if [ "$mf" != "$cf" ]; then
  echo "gc_full: the model found $mf objects, CPython $cf: not comparable" >&2
  exit 1
fi
awk -v n="$n" -v f="$mf" -v mt="$mt" -v ct="$ct" 'BEGIN {
  printf "gc_full: %d objects, %d unreachable; model %.3f s, CPython %.3f s, ratio model/CPython %.2f\n", n, f, mt, ct, mt / ct }'
