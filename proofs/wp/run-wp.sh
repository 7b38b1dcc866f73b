#!/bin/bash
# run-wp.sh [FILE...]: prove the ACSL contracts of FILE(s) (the pymalloc
# model's proof build: -DPM_PROOF) with Frama-C/WP, one function at a time,
# and print a table: file, function, goals, proven, provers, seconds, and a
# total.
# Without FILE: the allocator, model/obmalloc_{lemma*,pool,arena,usable,entry}.c,
# which must be read together (calls cross files; the contracts are at the
# definitions), then its configuration and class arithmetic (obmalloc.c),
# its statistics (obmalloc_stats.c) and its run-time check
# (obmalloc_valid.c).
#
# Exits 1 if a goal is not proven or WP prints a warning (for instance about
# the memory model), 2 on bad usage or a Frama-C error.
#
# Environment: PM_PROOF_BITS (64, default, or 32: the CPython configuration
# under proof), WP_TIMEOUT (seconds per goal and prover, default 60),
# WP_PAR (default 2), WP_CACHE (update, default, or replay in CI),
# WP_FUNCTIONS (a comma-separated subset of the functions), WP_PROP (passed
# to -wp-prop: only those properties of each function, e.g. "inv" or
# "-pool,-where"; for re-proving the open parts while iterating -- a full run
# leaves it unset), WP_MEMLIMIT (MB per prover run, default 4000).
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
[ $# -ge 1 ] || set -- model/obmalloc_lemma.c model/obmalloc_lemma_take.c model/obmalloc_lemma_give.c model/obmalloc_lemma_free.c model/obmalloc_lemma_entry.c model/obmalloc_pool.c model/obmalloc_arena.c \
                       model/obmalloc_usable.c model/obmalloc_entry.c model/obmalloc.c model/obmalloc_stats.c model/obmalloc_valid.c
for f in "$@"; do
    [ -f "$f" ] || { echo "run-wp.sh: error: no such file: $f" >&2; exit 2; }
done
command -v frama-c >/dev/null || { echo "run-wp.sh: error: frama-c not installed (make setup)" >&2; exit 2; }

BITS=${PM_PROOF_BITS:-64}
case "$BITS" in 64|32) ;; *) echo "run-wp.sh: error: PM_PROOF_BITS must be 64 or 32" >&2; exit 2;; esac
mkdir -p build proofs/wp/cache
export WHY3CONFIG="$ROOT/build/why3.conf"
[ -s "$WHY3CONFIG" ] || why3 config detect >/dev/null 2>&1
# Why3's memory limit per prover run (MB; build/why3.conf says 1000): some
# invariant goals of obm_insert_to_freepool need more (Z3 "out of memory").
# A copy of the configuration with WP_MEMLIMIT (default 4000) is used.
sed "s/^memlimit = .*/memlimit = ${WP_MEMLIMIT:-4000}/" "$WHY3CONFIG" \
    >build/why3-wp.conf
export WHY3CONFIG="$ROOT/build/why3-wp.conf"
LOGDIR=build/wp-logs/$BITS
mkdir -p "$LOGDIR"

# The functions defined in the files (ghost lemma functions included).
if [ -n "${WP_FUNCTIONS:-}" ]; then
    FUNCS=$(echo "$WP_FUNCTIONS" | tr ',' ' ')
else
    # the functions that Frama-C sees defined in the proof build (its
    # metrics; code under #ifndef PM_PROOF is not among them), in the order
    # of their first appearance in the files
    FUNCS=$(frama-c -pp-annot -cpp-extra-args="-DPM_PROOF -DPM_PROOF_BITS=$BITS -I$ROOT/model" \
                "$@" -metrics 2>/dev/null |
            sed -n '/Defined functions/,/^ *$/p' | tail -n +3 | tr ';' '\n' |
            sed -E 's/\(.*//; s/ //g' | grep -v '^$' |
            while read -r fn; do
                echo "$(cat "$@" | grep -nE "(^|[^a-z_0-9])$fn\(" | head -1 | cut -d: -f1) $fn"
            done | sort -n | awk '{ print $2 }')
    [ -n "$FUNCS" ] || { echo "run-wp.sh: error: no function found in $*" >&2; exit 2; }
fi

WP_OPTS=(-pp-annot -cpp-extra-args="-DPM_PROOF -DPM_PROOF_BITS=$BITS -I$ROOT/model"
         -warn-unsigned-overflow -warn-unsigned-downcast -warn-signed-downcast
         -wp -wp-rte -wp-model Typed -wp-check-memory-model -wp-prover z3,cvc4
         -wp-par "${WP_PAR:-2}" -wp-timeout "${WP_TIMEOUT:-60}" -wp-split
         -wp-cache "${WP_CACHE:-update}" -wp-cache-dir "$ROOT/proofs/wp/cache"
         -wp-literals)
# -wp-literals: the content of string literals, without which WP cannot show
# that a literal passed to fputs or as a format is a string
# (obmalloc_stats.c, obmalloc_valid.c); the allocator files have no literal
# and their goals keep their cache keys (checked on obm_block_take).

# WP warnings fail the run, but for one kind: the Typed model's hypothesis
# that the state pm_g and the caller's result buffers (out, a, k, b) do not
# overlap.  -wp-check-memory-model turns it into a precondition checked at
# every call, and each entry point states it in its contract.  A parameter
# compared with NULL (pm_pymalloc_free's out) gets it as `out + (..)`.
# pm_pymalloc_is_valid's message buffer gets it as `why + (..)` and
# `why + (0 .. len - 1)` (the range it assigns).  The radix tree's key
# table (obmalloc_env.c) gets it as `pm_g.map_keys + (0 .. pm_g.map_capkeys
# - 1)`.
warnings_ok() {
    python3 - "$1" <<'PYEOF'
import re, sys
text = open(sys.argv[1]).read()
ok = True
for w in re.split(r'\n(?=\[)', text):
    if not re.match(r'\[[a-z:-]+\].*[Ww]arning', w) or 'Cache' in w.split('\n')[0]:
        continue
    if 'Memory model hypotheses' in w:
        hyps = re.findall(r'requires ([^;]*);', w)
        sep = re.compile(r'\\separated\((&pm_g, *(&?(out|a|k|b)(->\w+)?|\{[abk, ]+\})|((out|a|k|b)( \+ \(\.\.\))?|why \+ \((\.\.|0 \.\. len - 1)\)|pm_g\.map_keys \+ \(0 \.\. pm_g\.map_capkeys - 1\)), *&pm_g)\)$')
        if hyps and all(sep.match(h.strip()) for h in hyps):
            continue
    print('    ' + w.replace('\n', '\n    '))
    ok = False
sys.exit(0 if ok else 1)
PYEOF
}

# The file that defines a function (a line "TYPE NAME(" not ending in ";").
file_of() {
    [ "$1" = "(lemmas)" ] && { echo "obmalloc.acsl"; return; }
    local f
    f=$(grep -lE "^ *(static )?(/\\*@ *ghost +)?[a-z_0-9]+ +\\*?$1\\([^;]*$" "${FILES[@]}" | head -1)
    basename "${f:-?}"
}
# The provers that proved goals of a run: WP's summary lines after
# "Proved goals" ("  Z3 4.8.12:  6 (...)"), without the version.
provers_of() {
    sed -n '/^\[wp\] Proved goals:/,$p' "$1" |
        sed -nE 's/^ +(Qed|Z3|CVC4|Alt-Ergo)[^:]*: +([0-9]+).*/\1 \2/p' |
        awk '$2 > 0 { print $1 }' | sort -u | paste -sd, -
}
FILES=("$@")

# The proof record (proofs/wp/record.sh): one file per set of files and
# configuration; a function's key covers its code, the program's contracts
# and logic as Frama-C prints them, and the options that decide the goals
# (not the timeout, parallelism or cache).
. "$ROOT/proofs/wp/record.sh"
if [ $# -eq 1 ]; then set_name=$(basename "$1" .c); else set_name=allocator; fi
RECORD=$ROOT/proofs/wp/records/$set_name-$BITS.txt
frama-c "${WP_OPTS[@]:0:5}" "$@" -print -ocode "$LOGDIR/program.c" >"$LOGDIR/print.log" 2>&1 ||
    { echo "run-wp.sh: error: frama-c cannot parse $* (see $LOGDIR/print.log)" >&2; exit 2; }
wp_record_keys "$LOGDIR/program.c" "$LOGDIR/keys.txt" "-DPM_PROOF -DPM_PROOF_BITS=$BITS" \
    "${WP_OPTS[@]:2:8}" -wp-split -wp-literals -- "(lemmas)" $FUNCS ||
    { echo "run-wp.sh: error: cannot compute the record's keys" >&2; exit 2; }
nrec=0

printf '%-26s %-28s %7s %7s  %-14s %9s\n' file function goals proven provers seconds
total_goals=0 total_proven=0 total_time=0 bad=0
# The ACSL lemmas of spec/acsl/obmalloc.acsl (the per-function runs use
# them as hypotheses and do not prove them) come first, as "(lemmas)".
[ -n "${WP_FUNCTIONS:-}" ] || FUNCS="(lemmas) $FUNCS"
for fn in $FUNCS; do
    rec=$(wp_record_row "$RECORD" "$(wp_record_key "$LOGDIR/keys.txt" "$fn")" "$fn")
    if [ -n "$rec" ]; then
        row=${rec#* }
        echo "$row  rec ${rec%% *}"
        read -r _ _ goals proven _ <<<"$row"
        total_goals=$((total_goals + goals))
        total_proven=$((total_proven + proven))
        nrec=$((nrec + 1))
        continue
    fi
    log="$LOGDIR/$fn.log"
    sel=(-wp-fct "$fn")
    [ -n "${WP_PROP:-}" ] && sel+=(-wp-prop "$WP_PROP")
    [ "$fn" = "(lemmas)" ] && sel=(-wp-prop @lemma)
    t0=$(date +%s.%N)
    frama-c "${WP_OPTS[@]}" "${sel[@]}" "$@" >"$log" 2>&1
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
    row=$(printf '%-26s %-28s %7d %7d  %-14s %9.1f' "$(file_of "$fn")" "$fn" "$goals" "$proven" \
        "$(provers_of "$log")" "$secs")
    echo "$row"
    total_goals=$((total_goals + goals))
    total_proven=$((total_proven + proven))
    total_time=$(awk -v a="$total_time" -v b="$secs" 'BEGIN { printf "%.1f", a + b }')
    if [ "$proven" -ne "$goals" ]; then
        bad=1
        grep -E '^\[wp\] \[Failed\]|^\[wp\] \[Timeout\]|^\[wp\] \[Unknown\]' "$log" | sed 's/^/    /'
    fi
    if ! warnings_ok "$log"; then
        bad=1
    elif [ "$proven" -eq "$goals" ]; then
        wp_record_put "$RECORD" "$(wp_record_key "$LOGDIR/keys.txt" "$fn")" "$fn" "$row"
    fi
done
printf '%-55s %7d %7d  %-14s %9.1f\n' "TOTAL ($BITS-bit)" "$total_goals" "$total_proven" "" "$total_time"
[ $nrec -eq 0 ] ||
    echo "($nrec functions marked rec: proved for this very input on the date shown, proofs/wp/records/; WP_RECORD=0 proves them again)"
exit $bad
