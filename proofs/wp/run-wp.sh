#!/bin/bash
# run-wp.sh FILE...: prove the ACSL contracts of FILE(s) (the pymalloc
# model's proof build: -DPM_PROOF) with Frama-C/WP, one function at a time,
# and print a table: function, goals, proven, seconds, and a total.
#
# Exits 1 if a goal is not proven or WP prints a warning (for instance about
# the memory model), 2 on bad usage or a Frama-C error.
#
# Environment: PM_PROOF_BITS (64, default, or 32: the CPython configuration
# under proof), WP_TIMEOUT (seconds per goal and prover, default 60),
# WP_PAR (default 2), WP_CACHE (update, default, or replay in CI),
# WP_FUNCTIONS (a comma-separated subset of the functions).
set -u -o pipefail

usage() { echo "usage: proofs/wp/run-wp.sh FILE..." >&2; exit 2; }
[ $# -ge 1 ] || usage
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
for f in "$@"; do
    [ -f "$f" ] || { echo "run-wp.sh: error: no such file: $f" >&2; exit 2; }
done
command -v frama-c >/dev/null || { echo "run-wp.sh: error: frama-c not installed (make setup)" >&2; exit 2; }

BITS=${PM_PROOF_BITS:-64}
case "$BITS" in 64|32) ;; *) echo "run-wp.sh: error: PM_PROOF_BITS must be 64 or 32" >&2; exit 2;; esac
mkdir -p build proofs/wp/cache
export WHY3CONFIG="$ROOT/build/why3.conf"
[ -s "$WHY3CONFIG" ] || why3 config detect >/dev/null 2>&1
LOGDIR=build/wp-logs/$BITS
mkdir -p "$LOGDIR"

# The functions defined in the files (ghost lemma functions included).
if [ -n "${WP_FUNCTIONS:-}" ]; then
    FUNCS=$(echo "$WP_FUNCTIONS" | tr ',' ' ')
else
    # a definition: a line "TYPE NAME(" whose parameter list ends on a line
    # followed by "{" (declarations end with ";")
    FUNCS=$(awk '
        match($0, /^ *(static )?(void|int|int32_t|uint64_t) +\*?[a-z_0-9]+\(/) {
            name = $0; sub(/\(.*/, "", name); sub(/.* \*?/, "", name); pending = name }
        pending != "" && /\) *$/ { want = pending; pending = ""; next }
        pending != "" && /;/ { pending = "" }
        want != "" { if ($0 ~ /^ *\{/) print want; want = "" }
    ' "$@" | sort -u)
fi

WP_OPTS=(-pp-annot -cpp-extra-args="-DPM_PROOF -DPM_PROOF_BITS=$BITS -I$ROOT/model"
         -warn-unsigned-overflow -warn-unsigned-downcast -warn-signed-downcast
         -wp -wp-rte -wp-model Typed -wp-prover z3,cvc4
         -wp-par "${WP_PAR:-2}" -wp-timeout "${WP_TIMEOUT:-60}" -wp-split
         -wp-cache "${WP_CACHE:-update}" -wp-cache-dir "$ROOT/proofs/wp/cache")

printf '%-28s %7s %7s %9s\n' function goals proven seconds
total_goals=0 total_proven=0 total_time=0 bad=0
for fn in $FUNCS; do
    log="$LOGDIR/$fn.log"
    t0=$(date +%s.%N)
    frama-c "${WP_OPTS[@]}" -wp-fct "$fn" "$@" >"$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    line=$(grep -E '^\[wp\] Proved goals:' "$log" | tail -1)
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        if grep -q 'No proof obligations\|0 goal scheduled\|No goal' "$log"; then
            line="[wp] Proved goals: 0 / 0"
        else
            echo "run-wp.sh: error: frama-c failed on $fn (see $log)" >&2
            sed -n '1,20p' "$log" >&2
            exit 2
        fi
    fi
    proven=$(echo "$line" | sed -E 's/.*: *([0-9]+) *\/ *([0-9]+).*/\1/')
    goals=$(echo "$line" | sed -E 's/.*: *([0-9]+) *\/ *([0-9]+).*/\2/')
    printf '%-28s %7d %7d %9.1f\n' "$fn" "$goals" "$proven" "$secs"
    total_goals=$((total_goals + goals))
    total_proven=$((total_proven + proven))
    total_time=$(awk -v a="$total_time" -v b="$secs" 'BEGIN { printf "%.1f", a + b }')
    if [ "$proven" -ne "$goals" ]; then
        bad=1
        grep -E '^\[wp\] \[Failed\]|^\[wp\] \[Timeout\]|^\[wp\] \[Unknown\]' "$log" | sed 's/^/    /'
    fi
    if grep -E '^\[wp\].*[Ww]arning' "$log" | grep -v 'Cache' >/dev/null; then
        bad=1
        grep -E '^\[wp\].*[Ww]arning' "$log" | sed 's/^/    /'
    fi
done
printf '%-28s %7d %7d %9.1f\n' "TOTAL ($BITS-bit)" "$total_goals" "$total_proven" "$total_time"
exit $bad
