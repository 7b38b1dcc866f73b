#!/usr/bin/env bash
# tests/crash/check.sh PYMEMREF INTERPRETERS: the traces on which a CPython
# version crashes (spec/differences.md names each).  For every trace here
# and every interpreter listed in INTERPRETERS ("X.Y.Z PATH" lines):
#   - on a version the trace's `# crashes:` line names, the driver must die
#     by a signal, and the model, with that version's profile, must stop at
#     the operation with the difference's name;
#   - on any other version, the model must print exactly the driver's events.
# Exit status 1 on any mismatch, 2 on bad usage.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: check.sh PYMEMREF INTERPRETERS" >&2; exit 2; }
cli=$1 list=$2
cd "$(dirname "$0")/../.." || exit 2
driver=fuzz/cpython/driver.py
status=0 n=0
for t in tests/crash/*.trace; do
  crashes=$(sed -n 's/^# crashes: *//p' "$t")        # e.g. "3.11 clear-weakrefs-collected"
  [ -n "$crashes" ] || { echo "$t: error: no '# crashes: X.Y NAME' line" >&2; exit 2; }
  read -r cver cname <<<"$crashes"
  while read -r ver py; do
    [ -n "$ver" ] || continue
    xy=${ver%.*}
    n=$((n + 1))
    if [ "$xy" = "$cver" ]; then
      rc=$( { "$py" "$driver" "$t" >/dev/null 2>&1; echo $?; } 2>/dev/null )  # no crash report
      if [ $rc -le 128 ]; then
        echo "FAIL $t: CPython $ver did not crash (exit $rc)"; status=1; continue; fi
      msg=$("$cli" run --profile "$xy" "$t" 2>&1 >/dev/null); mrc=$?
      if [ $mrc -ne 2 ] || [[ "$msg" != *"$cname"* ]]; then
        echo "FAIL $t: the model ($xy) does not stop with $cname: $msg"; status=1; continue; fi
      echo "ok   $t: CPython $ver crashes (signal $((rc - 128))), the model names $cname"
    else
      if diff <("$cli" run --observable --profile "$xy" "$t" 2>&1) <("$py" "$driver" "$t" 2>&1) >/dev/null; then
        echo "ok   $t: CPython $ver runs it, and the model agrees"
      else
        echo "FAIL $t: the model ($xy) and CPython $ver disagree"; status=1
      fi
    fi
  done <"$list"
done
[ $n -gt 0 ] || { echo "check.sh: no interpreter in $list" >&2; exit 2; }
exit $status
