#!/usr/bin/env bash
# setup.sh BUILD — install and check every tool pymemref needs (`make setup`).
# Idempotent: each step checks first and does nothing when its tool is there,
# so a second run takes about a second.  Steps run in order because each
# may need the one before (why3 must be installed before it is configured).
set -euo pipefail

me=setup.sh
die() { echo "$me: error: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

[ $# -eq 1 ] || { echo "usage: $me BUILD" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$1"
build=$(cd "$1" && pwd)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "not root and no sudo: cannot run $*"; fi
}

# 1. Debian packages (tests/setup/debian-packages.txt).
missing=()
while read -r pkg; do
  [ -n "$pkg" ] || continue
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/debian-packages.txt")
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
command -v frama-c >/dev/null || die "frama-c not on PATH after installing frama-c-base"

# 2. Why3 configuration kept inside the project; WP reads it via WHY3CONFIG.
why3conf=$build/why3.conf
has_provers() { grep -q '^name = "Z3"' "$1" && grep -q '^name = "CVC4"' "$1"; }
if ! { [ -f "$why3conf" ] && has_provers "$why3conf"; }; then
  say "why3 config detect -> $why3conf"
  rm -f "$why3conf.tmp"
  WHY3CONFIG=$why3conf.tmp why3 config detect >"$build/why3-detect.log" 2>&1 ||
    { cat "$build/why3-detect.log" >&2; die "why3 config detect failed"; }
  has_provers "$why3conf.tmp" ||
    { cat "$build/why3-detect.log" >&2; die "why3 did not detect both z3 and cvc4"; }
  mv "$why3conf.tmp" "$why3conf"
fi

# 3. CBMC 6.6 in a private prefix, then two smoke harnesses.
cbmc=$build/cbmc/bin/cbmc
bash "$root/proofs/bmc/install-cbmc.sh" "$build/cbmc"
case "$("$cbmc" --version)" in 6.6.*) ;; *) die "$cbmc is not 6.6.x" ;; esac
rc=0; "$cbmc" "$here/cbmc-smoke-ok.c" >"$build/cbmc-smoke.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$build/cbmc-smoke.log" >&2; die "cbmc failed to verify cbmc-smoke-ok.c (exit $rc)"; }
rc=0; "$cbmc" "$here/cbmc-smoke-fail.c" >"$build/cbmc-smoke.log" 2>&1 || rc=$?
[ $rc -eq 10 ] || { cat "$build/cbmc-smoke.log" >&2; die "cbmc did not refute cbmc-smoke-fail.c (exit $rc, expected 10)"; }

# 4. Pinned Pyodide builds from fuzz/pyodide/package-lock.json.
pyo=$root/fuzz/pyodide
installed=$pyo/node_modules/.package-lock.json   # npm writes it on every install
smoked=$pyo/node_modules/.pymemref-smoke-ok
if ! { [ -f "$installed" ] && [ "$installed" -nt "$pyo/package-lock.json" ] &&
       [ "$installed" -nt "$pyo/package.json" ]; }; then
  command -v npm >/dev/null || die "npm not found (Node.js 20 and npm are expected on the machine)"
  say "npm ci in fuzz/pyodide"
  (cd "$pyo" && npm ci --no-audit --no-fund --loglevel=error)
fi
if ! { [ -f "$smoked" ] && [ "$smoked" -nt "$installed" ]; }; then
  # Each pinned build must start from node_modules alone and report the
  # CPython it embeds (seen here: 0.27.7 3.12, 0.29.3 3.13, 314.0.7 3.14).
  for pair in 0.27.7:3.12 0.29.3:3.13 314.0.7:3.14; do
    v=${pair%%:*}; want=${pair#*:}
    say "pyodide $v smoke run"
    got=$(node "$pyo/run_python.mjs" "$v" 'import sys; print("%d.%d" % sys.version_info[:2])') ||
      die "pyodide $v does not run"
    [ "$got" = "$want" ] || die "pyodide $v runs Python $got, expected $want"
  done
  touch "$smoked"
fi
for d in "$pyo"/node_modules/pyodide-*/; do
  [ -f "$d/pyodide.asm.wasm" ] && [ -f "$d/python_stdlib.zip" ] || die "$d is incomplete: rm -rf fuzz/pyodide/node_modules and rerun make setup"
done

# 5. Native CPython interpreters for the differential fuzzer: "VERSION PATH".
# Only python3 on PATH is required; the others are used when present.
py=$(command -v python3) || die "python3 not on PATH"
"$py" -c pass || die "python3 ($py) does not run"
pyenv=${PYENV_ROOT:-$HOME/.pyenv}
: >"$build/interpreters.txt.tmp"
for cand in "$py" /usr/bin/python3 "$pyenv"/versions/3.1[2-9].*/bin/python3; do
  [ -x "$cand" ] || continue
  "$cand" -c 'import sys; print(sys.version.split()[0], sys.executable)' \
    >>"$build/interpreters.txt.tmp" 2>/dev/null || true
done
awk '!seen[$2]++' "$build/interpreters.txt.tmp" >"$build/interpreters.txt"
rm -f "$build/interpreters.txt.tmp"

# 6. A CPython 3.11 with a symbol table, for the pymalloc differential check
# (fuzz/cpython/pymalloc_diff.py reads pymalloc's static tables of 3.11 by
# name).  Debian ships /usr/bin/python3.11 stripped, but python3-dev
# (libpython3.11-dev) ships the objects it is linked from: python.o and
# libpython3.11.a.  Linked again here the way CPython's Makefile links the
# interpreter, with the options its own sysconfig records, they give the
# same interpreter (the same 3.11.2 code, a non-PIE executable like
# /usr/bin/python3.11) with its symbols kept.  No other tool builds it.
# $build/pymalloc-interpreters.txt is interpreters.txt with this build in
# place of the stripped system interpreter.
sys311=/usr/bin/python3.11
symtab=$build/cpython-symtab/python3.11
if [ -x "$sys311" ]; then
  libpl=$("$sys311" -c 'import sysconfig; print(sysconfig.get_config_var("LIBPL"))')
  if [ ! -x "$symtab" ] || [ "$symtab" -ot "$libpl/libpython3.11.a" ]; then
    [ -f "$libpl/python.o" ] && [ -f "$libpl/libpython3.11.a" ] ||
      die "$libpl has no python.o or libpython3.11.a (package libpython3.11-dev)"
    read -r -a link < <("$sys311" -c 'import sysconfig as s
print(" ".join(s.get_config_var(k) or "" for k in
               ("LINKFORSHARED", "LOCALMODLIBS", "LIBS", "SYSLIBS")))')
    mkdir -p "$build/cpython-symtab"
    cc -no-pie -o "$symtab.tmp" "$libpl/python.o" \
       -Wl,--whole-archive "$libpl/libpython3.11.a" -Wl,--no-whole-archive \
       "${link[@]}" || die "cannot link $symtab from $libpl"
    mv -f "$symtab.tmp" "$symtab"
    say "linked $symtab from $libpl (python.o, libpython3.11.a)"
  fi
  [ "$("$symtab" -c 'import sys; print(sys.version.split()[0])')" = \
    "$("$sys311" -c 'import sys; print(sys.version.split()[0])')" ] ||
    die "$symtab does not run as $sys311 does"
fi
sysreal=$(readlink -f "$sys311" 2>/dev/null || true)
while read -r ver path; do
  if [ -x "$symtab" ] && [ "$(readlink -f "$path")" = "$sysreal" ]; then
    echo "$ver $symtab"
  else
    echo "$ver $path"
  fi
done <"$build/interpreters.txt" >"$build/pymalloc-interpreters.txt"
