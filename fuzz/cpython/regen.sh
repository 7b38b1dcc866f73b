#!/usr/bin/env bash
# regen.sh: (re)generate the CPython events of every bundled trace.
#
#   fuzz/cpython/regen.sh [--check] [PYTHON]
#
# For each tests/examples/*.trace and tests/conformance/*.trace, runs
# fuzz/cpython/driver.py under PYTHON (default: python3) and writes
# NAME.cpython-X.Y.events next to the trace, X.Y being PYTHON's version.
# --check writes nothing: it compares the live output with the stored file
# and exits 1 listing every trace whose output differs (or has no stored
# file).  A trace the driver rejects is an error (exit 2) in both modes.
# Traces whose first line starts with `# model-only:` are not run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
check=0
py=python3
for a in "$@"; do
  case "$a" in
    --check) check=1 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "regen.sh: unknown option $a" >&2; exit 2 ;;
    *) py=$a ;;
  esac
done

ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || {
  echo "regen.sh: cannot run $py" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

shopt -s nullglob
differ=()
count=0
model_only=0
for t in "$root"/tests/examples/*.trace "$root"/tests/conformance/*.trace; do
  out="${t%.trace}.cpython-$ver.events"
  # a trace of what CPython leaves undefined: its events are the model's
  if head -c 13 "$t" | grep -qx -- '# model-only:'; then
    model_only=$((model_only + 1))
    continue
  fi
  if ! "$py" "$here/driver.py" "$t" >"$tmp"; then
    echo "regen.sh: the driver failed on $t" >&2
    exit 2
  fi
  count=$((count + 1))
  if [ "$check" = 1 ]; then
    if [ ! -f "$out" ] || ! cmp -s "$tmp" "$out"; then
      if [ -f "$out" ]; then differ+=("${out#"$root"/}"); else differ+=("${out#"$root"/} (missing)"); fi
    fi
  else
    cp "$tmp" "$out"
  fi
done

if [ "$check" = 1 ]; then
  if [ "${#differ[@]}" -gt 0 ]; then
    echo "regen.sh: $py ($ver) differs from the stored events in ${#differ[@]} of $count traces:"
    printf '  %s\n' "${differ[@]}"
    exit 1
  fi
  echo "regen.sh: $count traces agree with the stored cpython-$ver events ($model_only model-only not run)"
else
  echo "regen.sh: wrote $count cpython-$ver events files"
fi
