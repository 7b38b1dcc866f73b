#!/bin/bash
# proofs/wp/core/run.sh: prove the ACSL contracts of the reference-counting
# and collector model (model/heap.h, heap.c, gc.c; spec/acsl/heap.acsl)
# with Frama-C/WP, and print a table: function, goals, proven, provers,
# seconds (prover time, the cached time for cached goals), and a total.
#
# Every annotated function (the list below) is proved; the static inline
# helpers of heap.h get a copy per file that includes it, and each copy is
# proved.  Exit status: 0 when every goal is proven and
# WP reports no memory-model hypothesis other than `\valid(m)` for the
# model pointer of the by-reference model (inserted into the contracts and
# checked at every call by -wp-check-memory-model); 1 otherwise; 2 when
# Frama-C fails.
#
# Functions whose proof is recorded for this very input (proofs/wp/record.sh,
# proofs/wp/records/collector.txt) are not given to WP again: their rows come
# from the record, marked "rec".  The others are proved by WP_JOBS Frama-C
# runs at once (default 2), the functions shared out by their goal counts:
# Frama-C's own work per goal (building, printing and hashing each prover's
# task, cached or not) runs on one core per process.
#
# Environment: WP_TIMEOUT (seconds per goal and prover, default 60: room
# for a loaded 2-core machine; cached verdicts do not depend on it),
# WP_PAR (prover processes per Frama-C run, default 3: z3, cvc4 and
# cvc4-fsq start on a goal at once, spec/gc.md), WP_JOBS (Frama-C runs at
# once, default 2), WP_RECORD (0: ignore the record), WP_MEMLIMIT (MB per prover run, default 4000),
# WP_CACHE (update, default; replay: use the cache and
# prove what it lacks without writing it, as `make test` does on a clean
# clone), WP_CACHE_DIR (default proofs/wp/core/cache; an empty directory
# measures a cold run), WP_FUNCTIONS (a comma-separated subset of the
# functions below), WP_PROP (passed to -wp-prop: property names or
# @categories, e.g. @invariant, to rerun part of a function; WP then
# leaves out what the other properties need, so a goal's text, and its
# cache key, differ from those of a run without it: a restricted run
# does not fill the cache for make proofs, spec/gc.md).  Each run works in its own build/wp-core/run-PID
# directory (two runs at once do not mix their logs); the last logs are
# copied to build/wp-core/ (wp-1.log, wp-2.log, ...).
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT" || exit 2
command -v frama-c >/dev/null || { echo "run.sh: error: frama-c not installed (make setup)" >&2; exit 2; }
[ -s build/why3.conf ] || { echo "run.sh: error: build/why3.conf missing (make setup)" >&2; exit 2; }

CACHE=${WP_CACHE_DIR:-$ROOT/proofs/wp/core/cache}
OUT=build/wp-core/run-$$
rm -rf "$OUT"
mkdir -p "$OUT" "$CACHE"
rm -f build/wp-core/wp-*.log
trap 'cp -f "$ROOT/$OUT"/*.log "$ROOT/build/wp-core/" 2>/dev/null; rm -rf "$ROOT/$OUT"' EXIT
# Why3's memory limit per prover run (MB; build/why3.conf says 1000): the
# invariant goals of move_unreachable need more (Z3 "out of memory").
sed "s/^memlimit = .*/memlimit = ${WP_MEMLIMIT:-4000}/" build/why3.conf |
    cat - proofs/wp/core/why3-extra.conf >"$OUT/why3.conf"
export WHY3CONFIG="$ROOT/$OUT/why3.conf"

FILES=(model/heap.c model/gc.c model/gc_reach.c model/refcount.c model/ops.c)
# The annotated functions (the lemma functions are ghost functions of gc.c).
BASE=(
    pm_slot_get pm_slot_put pm_obj_kind pm_is_gc pm_is_tracked pm_may_be_tracked
    pm_traverse_item pm_traverse_count
    gc_list_init gc_list_is_empty gc_list_append gc_list_remove gc_list_move
    gc_list_merge gc_list_size pm_track pm_untrack
    lemma_occ_mono lemma_refs_mono lemma_refs_step lemma_refs_zero lemma_slot_edge lemma_item_edge lemma_reach_outside
    update_refs subtract_refs visit_reachable scan_reachable move_to_unreachable move_unreachable
    untrack_tuples untrack_dicts has_legacy_finalizer move_legacy_finalizers
    move_legacy_finalizer_reachable clear_collecting clear_unreachable
)
if [ -n "${WP_FUNCTIONS:-}" ]; then
    read -r -a BASE <<<"$(echo "$WP_FUNCTIONS" | tr ',' ' ')"
fi
FRAMA=(frama-c -pp-annot -cpp-extra-args="-DPM_PROOF -I$ROOT/model"
       -warn-unsigned-overflow -warn-unsigned-downcast -warn-signed-downcast)

# Every definition of those names, copies of static inline functions too.
"${FRAMA[@]}" "${FILES[@]}" -print -ocode "$OUT/all.c" >"$OUT/parse.log" 2>&1 ||
    { echo "run.sh: error: frama-c cannot parse the model (see build/wp-core/parse.log)" >&2;
      sed -n '1,20p' "$OUT/parse.log" >&2; exit 2; }
re=$(IFS='|'; echo "${BASE[*]}")
FUNCS=$(grep -oE "^[A-Za-z_ 0-9]*[ *](${re})(_[0-9]+)?\(" "$OUT/all.c" |
        sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort -u)
for b in "${BASE[@]}"; do
    echo "$FUNCS" | grep -qxE "${b}(_[0-9]+)?" ||
        { echo "run.sh: error: no function $b in ${FILES[*]}" >&2; exit 2; }
done

# The proof record: each function's key, from this program and the options
# that decide the goals (record.sh); the functions it already holds.
. "$ROOT/proofs/wp/record.sh"
RECORD=$ROOT/proofs/wp/records/collector.txt
WP_GOAL_OPTS=(-warn-unsigned-overflow -warn-unsigned-downcast -warn-signed-downcast
              -wp-rte -wp-model Typed+ref -wp-check-memory-model -wp-split)
wp_record_keys "$OUT/all.c" "$OUT/keys.txt" -DPM_PROOF "${WP_GOAL_OPTS[@]}" -- $FUNCS ||
    { echo "run.sh: error: cannot compute the record's keys" >&2; exit 2; }
: >"$OUT/recorded.txt"
TODO=()
for f in $FUNCS; do
    rec=$(wp_record_row "$RECORD" "$(wp_record_key "$OUT/keys.txt" "$f")" "$f")
    if [ -n "$rec" ]; then
        printf '%s\t%s\n' "$f" "$rec" >>"$OUT/recorded.txt"
    else
        TODO+=("$f")
    fi
done

# The file that defines each function (heap.h for the static inline
# helpers, whose copies are numbered _0, _1, ...).
for b in "${BASE[@]}"; do
    f=$(grep -lE "^ *(static )?(inline )?[a-z_0-9 ]*[ *]$b\([^;]*$" model/heap.h "${FILES[@]}" | head -1)
    echo "$b ${f:-?}"
done >"$OUT/files.txt"

# Share the functions out among WP_JOBS groups, largest first, each to the
# group with the fewest goals so far; a function's goal count is taken from
# any line of the record (of any key), 50 when it has none.
JOBS=${WP_JOBS:-2}
[ ${#TODO[@]} -lt "$JOBS" ] && JOBS=${#TODO[@]}
if [ ${#TODO[@]} -gt 0 ]; then
    for f in "${TODO[@]}"; do
        n=$( ( [ -f "$RECORD" ] && awk -v f="$f" '!/^#/ && $2 == f { print $6; exit }' "$RECORD" ) || true)
        echo "${n:-50} $f"
    done | sort -rn | awk -v j="$JOBS" '
        { g = 0; for (i = 1; i < j; i++) if (load[i] < load[g]) g = i
          load[g] += $1; fn[g] = fn[g] (fn[g] == "" ? "" : ",") $2 }
        END { for (i = 0; i < j; i++) print fn[i] }' >"$OUT/groups.txt"
fi

t0=$(date +%s)
pids=() i=0
while read -r group; do
    i=$((i + 1))
    "${FRAMA[@]}" "${FILES[@]}" \
        -wp -wp-rte -wp-model Typed+ref -wp-check-memory-model \
        -wp-prover z3,cvc4,cvc4-fsq -wp-split \
        -wp-par "${WP_PAR:-3}" -wp-timeout "${WP_TIMEOUT:-60}" \
        -wp-cache "${WP_CACHE:-update}" -wp-cache-dir "$CACHE" \
        -wp-fct "$group" ${WP_PROP:+-wp-prop "$WP_PROP"} >"$OUT/wp-$i.log" 2>&1 &
    pids+=($!)
done < <([ ${#TODO[@]} -gt 0 ] && cat "$OUT/groups.txt")
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=$?; done
t1=$(date +%s)
for ((k = 1; k <= i; k++)); do
    if [ $rc -ne 0 ] || ! grep -q '^\[wp\] Proved goals:' "$OUT/wp-$k.log"; then
        echo "run.sh: error: frama-c failed (see build/wp-core/wp-$k.log)" >&2
        grep -v '^\[wp\] \[' "$OUT/wp-$k.log" | sed -n '1,30p' >&2
        exit 2
    fi
done
LOG="$OUT/wp.log"
cat /dev/null "$OUT"/wp-*.log >"$LOG" 2>/dev/null

# One line per goal: "[wp] [PROVER] Goal typed_ref_FN_PROP : Valid (...)",
# or "[wp] [Failed] Goal ..." followed by the provers' verdicts.
python3 - "$LOG" "$OUT/files.txt" "$OUT/recorded.txt" "$OUT/proved.txt" $FUNCS <<'EOF'
import re, sys
log, ftab, recfile, provedfile, funcs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
recorded = {}
for l in open(recfile):
    f, rest = l.rstrip('\n').split('\t', 1)
    recorded[f] = rest.split(' ', 1)        # date, row
fileof = dict(l.split() for l in open(ftab) if len(l.split()) == 2)
def where(f):
    return fileof.get(re.sub(r'_[0-9]+$', '', f), fileof.get(f, '?'))
funcs.sort(key=len, reverse=True)
rows = {f: [0, 0, 0.0, set()] for f in funcs}
bad = 0
def secs(text):
    t = 0.0
    for v, u in re.findall(r'\((?:Qed:)?([0-9.]+)(ms|s)\)', text):
        t = max(t, float(v) / (1000 if u == 'ms' else 1))
    return t
summary = None
for line in open(log):
    s = re.match(r'\[wp\] Proved goals:\s*([0-9]+)\s*/\s*([0-9]+)', line)
    if s:
        summary = (summary[0] + int(s.group(1)), summary[1] + int(s.group(2))) if summary \
            else (int(s.group(1)), int(s.group(2)))
    m = re.match(r'\[wp\] \[([^\]]+)\] Goal typed_ref_(\S+) : (\S+)(.*)', line)
    if not m:
        # a goal no prover proved: "[wp] [Failed] Goal NAME" (verdicts follow)
        f = re.match(r'\[wp\] \[(?:Failed|Unknown|Timeout)\] Goal typed_ref_(\S+)\s*$', line)
        if not f:
            continue
        m = (None, f.group(1), 'Failed', '')
    else:
        m = m.groups()
    prover, goal, status, rest = m
    fn = next((f for f in funcs if goal.startswith(f + '_')), None)
    if fn is None:
        continue
    r = rows[fn]
    r[0] += 1
    if status == 'Valid':
        r[1] += 1
        r[3].add(prover.split()[0] + (' fsq' if 'fsq' in prover else ''))
    r[2] += secs(rest)
names = sorted(rows, key=lambda f: (where(f), f))
print('%-17s %-34s %6s %7s  %-22s %8s' % ('file', 'function', 'goals', 'proven', 'provers', 'seconds'))
tg = tp = 0; tt = 0.0
proved = open(provedfile, 'w')
for f in names:
    if f in recorded:
        date, row = recorded[f]
        g, p = (int(x) for x in row.split()[2:4])
        tg += g; tp += p
        print('%s  rec %s' % (row, date))
        continue
    g, p, t, pv = rows[f]
    tg += g; tp += p; tt += t
    row = '%-17s %-34s %6d %7d  %-22s %8.1f' % (where(f), f, g, p, ','.join(sorted(pv)), t)
    print(row + ('' if g == p else '   <- UNPROVEN'))
    if g != p or g == 0:
        bad = 1
    else:
        proved.write('%s\t%s\n' % (f, row))
proved.close()
print('%-52s %6d %7d  %-22s %8.1f' % ('TOTAL (collector model)', tg, tp, '', tt))
if recorded:
    print('(%d functions marked rec: proved for this very input on the date shown, '
          'proofs/wp/records/collector.txt; WP_RECORD=0 proves them again)' % len(recorded))
# WP's own count must agree: every goal proved, none missed by the table.
if len(recorded) < len(funcs) and (summary is None or summary[0] != summary[1]):
    print('run.sh: WP reports %s goals proved' % ('%d / %d' % summary if summary else 'no count of'),
          file=sys.stderr)
    bad = 1
sys.exit(bad)
EOF
bad=$?
echo "wall-clock seconds: $((t1 - t0))"
grep -A3 '^\[wp\] \[Failed\]\|^\[wp\] \[Unknown\]\|^\[wp\] \[Timeout\]' "$LOG" | sed 's/^/    /'

# WP warnings: only the by-reference model's \valid(m) hypotheses, which
# -wp-check-memory-model turns into checked preconditions, are accepted.
python3 - "$LOG" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
bad = False
for w in re.split(r'\n(?=\[)', text):
    if not re.match(r'\[wp[^\]]*\].*Warning', w):
        continue
    if 'Memory model hypotheses' in w:
        hyps = re.findall(r'requires ([^;]*);', w)
        if hyps and all(h.strip() in ('\\valid(m)', '\\valid_read(m)') for h in hyps):
            continue
    print('run.sh: WP warning:\n' + w, file=sys.stderr)
    bad = True
sys.exit(1 if bad else 0)
EOF
if [ $? -ne 0 ]; then
    bad=1
else
    # record the functions whose every goal was proven (record.sh: only
    # with WP_CACHE=update and without WP_PROP)
    while IFS=$'\t' read -r f row; do
        wp_record_put "$RECORD" "$(wp_record_key "$OUT/keys.txt" "$f")" "$f" "$row"
    done <"$OUT/proved.txt"
fi
exit $bad
