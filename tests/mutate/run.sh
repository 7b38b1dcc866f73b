#!/usr/bin/env bash
# run.sh [--list|--check-apply] [FAULT...]: mutation testing (`make mutate`).
#
# For each fault of tests/mutate/faults.txt: copy the tree (without build/
# and .git) to build/mutate/tree, plant the fault there with sed (never in
# the working tree), and run the checks, cheapest first, stopping at the
# first that fails (that check "kills" the fault):
#   unit         the unit tests (tests/unit, except test_model)
#   conformance  test_model, test_check, test_serve: every conformance
#                trace and example against the stored CPython events
#   bmc          the CBMC harnesses (proofs/bmc/run.sh, without coverage)
#   fuzz         fuzz/fuzz.py, MUTATE_FUZZ_CASES cases (default 300) of the
#                model built from the mutant against python3
#   pymalloc     fuzz/cpython/pymalloc_diff.py, MUTATE_PYMALLOC_SEEDS
#                batches (default 40) against python3's own pymalloc
# Frama-C/WP is not among them: one WP run of the model takes longer than
# this whole campaign (make proofs).
# Prints a table (fault, killed by, seconds) and the total; exit status 1
# if a fault survived or could not be planted, 2 on bad usage.
# Environment: MUTATE_CHECKS (the checks, in order; default all five),
# MUTATE_JOBS (make -j, default 2).
set -uo pipefail
me=tests/mutate/run.sh
die() { echo "$me: error: $*" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
faults=$here/faults.txt
work=$root/build/mutate
tree=$work/tree
PY=${PYTHON:-$(command -v python3 || echo /usr/bin/python3)}
CHECKS=${MUTATE_CHECKS:-unit conformance bmc fuzz pymalloc}
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

# check NAME: 0 if the mutant passes it
check() {
  local c=$1 log=$2 t
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
      (cd "$tree" && BMC_COVER=0 bash proofs/bmc/run.sh "$root/build/cbmc/bin/cbmc" build/bmc) \
        >>"$log" 2>&1 || return 1 ;;
    fuzz)
      (cd "$tree" && make -s BUILD=build build/pymemref-fuzz-model && \
        timeout 900 "$PY" fuzz/fuzz.py --python "$PY" --cases "${MUTATE_FUZZ_CASES:-300}" \
          --model build/pymemref-fuzz-model --no-shrink --findings build/findings \
          --jobs "$JOBS" --quiet) >>"$log" 2>&1 || return 1 ;;
    pymalloc)
      (cd "$tree" && timeout 900 "$PY" fuzz/cpython/pymalloc_diff.py \
        --seeds "${MUTATE_PYMALLOC_SEEDS:-40}" --first 1 --build build/pymalloc_probe) \
        >>"$log" 2>&1 || return 1 ;;
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
  by=SURVIVED
  for c in $CHECKS; do
    echo "== check $c" >>"$log"
    if ! check "$c" "$log"; then by=$c; break; fi
  done
  [ "$by" = SURVIVED ] && bad=1
  rows+=("$name|$by|$(( $(date +%s) - t0 ))")
  printf '%-28s %-14s %5ss\n' "$name" "$by" "$(( $(date +%s) - t0 ))" >&2
done
printf '%-28s %-40s %s\n' fault "killed by" "time (s)"
for r in "${rows[@]}"; do
  IFS='|' read -r a b c <<< "$r"; printf '%-28s %-40s %s\n' "$a" "$b" "$c"
done
echo "faults: ${#names[@]}; total $(( $(date +%s) - start )) s; logs in $work/logs"
exit $bad
