#!/usr/bin/env bash
# run.sh [--list|--check-apply] [FAULT...]: mutation testing (`make mutate`).
#
# For each fault of tests/mutate/faults.txt: copy the tree (without build/
# and .git) to build/mutate/tree, plant the fault there with sed (never in
# the working tree), and run the checks, cheapest first, stopping at the
# first that fails (that check "kills" the fault).  A check kills a fault
# only by a verdict: a failed unit test or conformance trace (a crash or a
# hang of a test that takes seconds counts: the fault caused it), a CBMC
# counterexample (FAIL), a disagreement with CPython.  A CBMC run that times
# out or runs out of memory, or a campaign that ends in an error, says
# nothing about the fault: it is noted as inconclusive and the next check
# runs; a fault no check kills is SURVIVED, with the inconclusive ones named.
#   unit         the unit tests (tests/unit, except test_model)
#   conformance  test_model, test_check, test_serve: every conformance
#                trace and example against the stored CPython events
#   fuzz         fuzz/fuzz.py, MUTATE_FUZZ_CASES cases (default 300) of the
#                model built from the mutant against python3
#   pymalloc     fuzz/cpython/pymalloc_diff.py, MUTATE_PYMALLOC_SEEDS
#                batches (default 40) against the pymalloc of the first
#                3.11-3.13 interpreter of build/pymalloc-interpreters.txt
#                (make setup; the system 3.11 with its symbol table) or,
#                without that list, python3's
#   bmc          the CBMC harnesses (proofs/bmc/run.sh, without coverage):
#                last, as the dearest (about 15 minutes of two cores)
# Frama-C/WP is not among them: one WP run of the model takes longer than
# this whole campaign (make proofs).
# Prints a table (fault, killed by, seconds) and the total; exit status 1
# if a fault survived or could not be planted, 2 on bad usage.
# Environment: MUTATE_CHECKS (the checks, in order; default all five),
# MUTATE_JOBS (make -j and parallel CBMC runs, default 2),
# MUTATE_BMC_TIMEOUT (seconds at least per CBMC run, default 1800).
set -uo pipefail
me=tests/mutate/run.sh
die() { echo "$me: error: $*" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
faults=$here/faults.txt
work=$root/build/mutate
tree=$work/tree
PY=${PYTHON:-$(command -v python3 || echo /usr/bin/python3)}
PMPY=$(awk '$1 ~ /^3[.]1[123][.]/ { print $2; exit }' \
       "$root/build/pymalloc-interpreters.txt" 2>/dev/null)
PMPY=${PMPY:-$PY}
CHECKS=${MUTATE_CHECKS:-unit conformance fuzz pymalloc bmc}
JOBS=${MUTATE_JOBS:-2}

mode=run
case "${1:-}" in
  --list) mode=list; shift ;;
  --check-apply) mode=apply; shift ;;
  -*) die "unknown option $1" ;;
esac

# NAME :: FILES :: SED, comments and blank lines skipped
mapfile -t lines < <(grep -v '^\s*#' "$faults" | grep -v '^\s*$')
declare -A F_FILES F_SED
names=()
n=0
for l in "${lines[@]}"; do
  n=$((n + 1))
  name=${l%% :: *}; rest=${l#* :: }
  files=${rest%% :: *}; sed=${rest#* :: }
  [ "$name" != "$l" ] && [ "$files" != "$rest" ] ||
    die "$faults: fault $n: expected NAME :: FILES :: SED"
  [ -z "${F_SED[$name]+x}" ] || die "$faults: fault '$name' listed twice"
  F_FILES[$name]=$files; F_SED[$name]=$sed; names+=("$name")
done
if [ $# -gt 0 ]; then
  for f in "$@"; do [ -n "${F_SED[$f]+x}" ] || die "no fault named '$f'"; done
  names=("$@")
fi
if [ $mode = list ]; then printf '%s\n' "${names[@]}"; exit 0; fi
# --check-apply works apart, so that it can run beside a campaign
if [ $mode = apply ]; then work=$root/build/mutate-apply; tree=$work/tree; fi

# A pristine copy of the tree once; each fault starts from it.
mkdir -p "$work"
rm -rf "$work/base"
mkdir -p "$work/base"
(cd "$root" && tar --exclude=./build --exclude=./.git --exclude=./proofs/wp/cache \
   --exclude=./fuzz/findings -cf - .) | (cd "$work/base" && tar -xf -)

# plant NAME: copy base to tree and apply the fault; prints the file changed
plant() {
  local name=$1 f changed=()
  rm -rf "$tree"
  cp -al "$work/base" "$tree"      # hard links: sed -i writes a new file
  # shellcheck disable=SC2086
  for f in $(cd "$tree" && ls -d ${F_FILES[$name]} 2>/dev/null); do
    cp "$tree/$f" "$work/orig"
    sed -i -e "${F_SED[$name]}" "$tree/$f" || return 1
    cmp -s "$tree/$f" "$work/orig" || changed+=("$f")
  done
  [ ${#changed[@]} -eq 1 ] || return 1
  # the tools are those of the real tree: the copy's setup is done
  mkdir -p "$tree/build" && touch "$tree/build/.setup-done"
  echo "${changed[0]}"
}

# check NAME LOG: 0 if the mutant passes it, 1 if it kills the mutant, 2 if
# inconclusive (why in $why)
check() {
  local c=$1 log=$2 t rc
  why=
  case $c in
    unit)
      # the unit tests that take no trace directory (test_model, test_check
      # and test_serve run the conformance traces: next check)
      for t in "$tree"/tests/unit/test_*.c; do
        t=$(basename "$t" .c)
        case $t in test_model|test_check|test_serve) continue ;; esac
        (cd "$tree" && make -s BUILD=build "build/tests/$t" && timeout 300 "build/tests/$t") \
          >>"$log" 2>&1 || return 1
      done ;;
    conformance)
      (cd "$tree" && make -s -j"$JOBS" BUILD=build build/tests/test_model \
          build/tests/test_check build/tests/test_serve && \
        for t in test_model test_check test_serve; do \
          timeout 600 build/tests/$t tests/conformance tests/examples || exit 1; done) >>"$log" 2>&1 || return 1 ;;
    bmc)
      # proofs/bmc/run.sh's table: "harness result time coverage"
      # each harness gets at least MUTATE_BMC_TIMEOUT seconds (default 1800):
      # the campaign may share the machine, and a timeout kills nothing
      (cd "$tree" && BMC_COVER=0 BMC_JOBS=$JOBS BMC_TIMEOUT_MIN=${MUTATE_BMC_TIMEOUT:-1800} \
          bash proofs/bmc/run.sh "$root/build/cbmc/bin/cbmc" build/bmc) \
        >"$work/bmc.out" 2>&1; rc=$?
      cat "$work/bmc.out" >>"$log"
      [ $rc -eq 0 ] && return 0
      awk '$2 == "FAIL"' "$work/bmc.out" | grep -q . && return 1
      why="bmc: $(awk '$2 ~ /^(TIMEOUT|OOM|ERROR)/ { printf "%s%s %s", s, $1, $2; s = ", " }' "$work/bmc.out")"
      [ "$why" = "bmc: " ] && why="bmc: exit status $rc"
      return 2 ;;
    fuzz)
      # fuzz.py: 1 when the model and CPython disagree, 2 or 3 on an error
      # (and 1 too if Python itself fails: the summary line tells)
      (cd "$tree" && make -s BUILD=build build/pymemref-fuzz-model) >>"$log" 2>&1 ||
        { why="fuzz: the fuzzer's model does not build"; return 2; }
      (cd "$tree" && timeout 900 "$PY" fuzz/fuzz.py --python "$PY" --cases "${MUTATE_FUZZ_CASES:-300}" \
          --model build/pymemref-fuzz-model --no-shrink --findings build/findings \
          --jobs "$JOBS" --quiet) >"$work/check.out" 2>&1; rc=$?
      cat "$work/check.out" >>"$log"
      [ $rc -eq 0 ] && return 0
      # a kill is a disagreement the fuzzer reports, not any exit status 1
      [ $rc -eq 1 ] && grep -qE '^fuzz: [0-9]+ agree, [1-9][0-9]* disagree' "$work/check.out" && return 1
      case $rc in 124) why="fuzz: timeout" ;; *) why="fuzz: exit status $rc" ;; esac
      return 2 ;;
    pymalloc)
      # pymalloc_diff.py: 1 when a batch disagrees ("seed N: DISAGREE"), 2 or
      # 3 on an error
      (cd "$tree" && timeout 900 "$PMPY" fuzz/cpython/pymalloc_diff.py \
        --seeds "${MUTATE_PYMALLOC_SEEDS:-40}" --first 1 --build build/pymalloc_probe) \
        >"$work/check.out" 2>&1; rc=$?
      cat "$work/check.out" >>"$log"
      [ $rc -eq 0 ] && return 0
      [ $rc -eq 1 ] && grep -q '^seed [0-9]*: DISAGREE' "$work/check.out" && return 1
      case $rc in 124) why="pymalloc: timeout" ;; *) why="pymalloc: exit status $rc" ;; esac
      return 2 ;;
    *) die "unknown check '$c'" ;;
  esac
  return 0
}

mkdir -p "$work/logs"
start=$(date +%s)
rows=()
bad=0
for name in "${names[@]}"; do
  t0=$(date +%s)
  log=$work/logs/$name.log
  : > "$log"
  if ! file=$(plant "$name"); then
    rows+=("$name|NOT PLANTED (pattern matches no file or several)|0"); bad=1; continue
  fi
  if [ $mode = apply ]; then rows+=("$name|planted in $file|0"); continue; fi
  # the mutant must still build: a fault that breaks the build proves nothing
  if ! (cd "$tree" && make -s -j"$JOBS" BUILD=build lib) >>"$log" 2>&1; then
    rows+=("$name|DOES NOT BUILD (fix the fault)|$(( $(date +%s) - t0 ))"); bad=1; continue
  fi
  by=SURVIVED inconclusive=
  for c in $CHECKS; do
    echo "== check $c" >>"$log"
    check "$c" "$log"; rc=$?
    if [ $rc -eq 1 ]; then by=$c; break; fi
    if [ $rc -eq 2 ]; then
      echo "== inconclusive: $why" >>"$log"
      inconclusive="${inconclusive:+$inconclusive; }$why"
    fi
  done
  if [ "$by" = SURVIVED ]; then
    bad=1
    [ -n "$inconclusive" ] && by="SURVIVED (inconclusive: $inconclusive)"
  fi
  rows+=("$name|$by|$(( $(date +%s) - t0 ))")
  printf '%-28s %-14s %5ss\n' "$name" "$by" "$(( $(date +%s) - t0 ))" >&2
done
printf '%-28s %-40s %s\n' fault "killed by" "time (s)"
for r in "${rows[@]}"; do
  IFS='|' read -r a b c <<< "$r"; printf '%-28s %-40s %s\n' "$a" "$b" "$c"
done
echo "faults: ${#names[@]}; total $(( $(date +%s) - start )) s; logs in $work/logs"
exit $bad
