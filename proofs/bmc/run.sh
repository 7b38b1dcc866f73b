#!/usr/bin/env bash
# run.sh CBMC_BIN OUTDIR [HARNESS...]: run the CBMC harnesses of proofs/bmc.
#
# Each harness is a directory proofs/bmc/NAME/ with harness.c (its main),
# README (one line) and bounds, a shell fragment that sets:
#   SOURCES   extra sources, relative to proofs/bmc (common/*.c ...)
#   MODEL     model sources, relative to the tree (model/heap.c ...)
#   DEFINES   -D options (the bounds of the harness)
#   UNWIND    the default loop and recursion bound
#   UNWINDSET per-loop and per-function bounds (cbmc --unwindset)
#   FLAGS     further cbmc options (rarely)
#   COVER_DEFINES  -D options for the coverage run only, when the bound that
#             is verified makes `--cover location` too slow (the table then
#             says at which bound coverage was measured)
#   COVER_TIMEOUT  seconds for the coverage run (default BMC_TIMEOUT); when
#             it runs out the table says so instead of a coverage figure
#   TIMEOUT   seconds for the verification run (default BMC_TIMEOUT)
# Every harness runs with the same checks and with --unwinding-assertions,
# so a bound that is too small is a failure, never a silent cut.  Then a
# second run with --cover location gives the coverage.  One line per
# harness goes into the table; the exit status is 1 if any harness failed.
#
# Environment: BMC_JOBS (parallel harnesses, default 2), BMC_MEM (KiB of
# virtual memory per cbmc, default 8000000), BMC_TIMEOUT (seconds per cbmc
# run, default 600; a harness's bounds file may set its own TIMEOUT and
# COVER_TIMEOUT), BMC_TIMEOUT_MIN (raises every verification run's limit to
# at least this many seconds, for a loaded machine: `make mutate` sets it),
# BMC_COVER (0 skips the coverage run).
set -uo pipefail

me=proofs/bmc/run.sh
die() { echo "$me: error: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: $me CBMC OUTDIR [HARNESS...]"
cbmc=$1; out=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

[ -x "$cbmc" ] || die "$cbmc not found: run 'make setup' (CBMC 6.6 is required; harnesses are never skipped)"
ver=$("$cbmc" --version 2>/dev/null) || die "$cbmc does not run"
case "$ver" in 6.6.*) ;; *) die "$cbmc is version '$ver', expected 6.6.x" ;; esac

CHECKS=(--bounds-check --pointer-check --signed-overflow-check
        --unsigned-overflow-check --conversion-check --undefined-shift-check
        --unwinding-assertions)
export BMC_MEM=${BMC_MEM:-8000000} BMC_TIMEOUT=${BMC_TIMEOUT:-600} BMC_COVER=${BMC_COVER:-1}

if [ $# -eq 0 ]; then
  set -- $(cd "$here" && for d in */harness.c; do echo "${d%/harness.c}"; done)
fi
[ $# -gt 0 ] || die "no harness found in $here"
mkdir -p "$out"

# run_one NAME: writes OUT/NAME.row "name|result|seconds|coverage"
run_one() {
  local name=$1 dir=$here/$1 log=$out/$1.log
  local SOURCES= MODEL= DEFINES= UNWIND=1 UNWINDSET= FLAGS= COVER_DEFINES= COVER_TIMEOUT= TIMEOUT=
  [ -f "$dir/bounds" ] || { echo "$name|NO BOUNDS FILE|0|-" > "$out/$name.row"; return; }
  # shellcheck disable=SC1090
  . "$dir/bounds"
  TIMEOUT=${TIMEOUT:-$BMC_TIMEOUT}
  [ "$TIMEOUT" -lt "${BMC_TIMEOUT_MIN:-0}" ] && TIMEOUT=$BMC_TIMEOUT_MIN
  local srcs=("$dir/harness.c") s
  for s in $SOURCES; do srcs+=("$here/$s"); done
  for s in $MODEL; do srcs+=("$root/$s"); done
  local base=(-I"$root/model" -I"$here/common" $DEFINES --unwind "$UNWIND")
  [ -n "$UNWINDSET" ] && base+=(--unwindset "$UNWINDSET")
  local t0 t1 rc result cover=-
  t0=$(date +%s.%N)
  ( ulimit -v "$BMC_MEM"; exec timeout "${TIMEOUT:-$BMC_TIMEOUT}" nice "$cbmc" "${srcs[@]}" "${base[@]}" \
      "${CHECKS[@]}" $FLAGS ) > "$log" 2>&1
  rc=$?
  case $rc in
    0) result=PASS ;;
    10) result=FAIL ;;
    124) result=TIMEOUT ;;
    *) if grep -q "out of memory\|Out of memory\|std::bad_alloc" "$log"; then result=OOM;
       else result="ERROR($rc)"; fi ;;
  esac
  if [ "$result" = PASS ] && [ "$BMC_COVER" != 0 ]; then
    local cbase=("${base[@]}") at=
    if [ -n "$COVER_DEFINES" ]; then
      cbase=(-I"$root/model" -I"$here/common" $COVER_DEFINES --unwind "$UNWIND")
      [ -n "$UNWINDSET" ] && cbase+=(--unwindset "$UNWINDSET")
      at=" at $(echo "$COVER_DEFINES" | grep -o 'BMC_NOBJ=[0-9]*')"
    fi
    local ct=${COVER_TIMEOUT:-$BMC_TIMEOUT} crc
    ( ulimit -v "$BMC_MEM"; exec timeout "$ct" nice "$cbmc" "${srcs[@]}" "${cbase[@]}" \
        --cover location $FLAGS ) > "$out/$name.cover" 2>&1
    crc=$?
    cover=$(sed -n 's/^\*\* \([0-9]*\) of \([0-9]*\) covered (\([0-9.]*%\)).*/\1\/\2 (\3)/p' \
              "$out/$name.cover" | tail -n1)
    if [ -n "$cover" ]; then cover="$cover$at"
    elif [ "$crc" = 124 ]; then cover="not measured: coverage run stopped at its ${ct} s limit"
    else cover="cover run failed"; fi
  fi
  t1=$(date +%s.%N)
  printf '%s|%s|%.1f|%s\n' "$name" "$result" "$(echo "$t1 - $t0" | bc)" "$cover" > "$out/$name.row"
}
export -f run_one
export here root out cbmc
export CHECKS_STR="${CHECKS[*]}"

start=$(date +%s)
printf '%s\n' "$@" | xargs -P "${BMC_JOBS:-2}" -I{} bash -c \
  'CHECKS=($CHECKS_STR); run_one "$1"' _ {}
total=$(( $(date +%s) - start ))

fail=0
printf '%-22s %-10s %9s  %s\n' harness result "time (s)" "coverage (--cover location)"
for name in "$@"; do
  row=$(cat "$out/$name.row" 2>/dev/null || echo "$name|NOT RUN|0|-")
  IFS='|' read -r n r t c <<< "$row"
  printf '%-22s %-10s %9s  %s\n' "$n" "$r" "$t" "$c"
  [ "$r" = PASS ] || { fail=1; grep -E ': FAILURE$' "$out/$name.log" 2>/dev/null | head -n 5 | sed 's/^/    /'; }
done
echo "total: ${total} s wall clock; logs in $out"
[ $fail -eq 0 ] || { echo "make bmc: some harnesses did not pass" >&2; exit 1; }
