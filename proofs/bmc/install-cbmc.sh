#!/usr/bin/env bash
# install-cbmc.sh PREFIX — install CBMC 6.6 into a private PREFIX.
#
# Debian bookworm has no cbmc package; its next release (trixie) has 6.6.0.
# We fetch trixie's cbmc .deb and the runtime libraries it links against with
# `apt-get download`, using a private sources list and private lists/cache
# directories (the machine's own apt state is not touched), unpack them with
# `dpkg -x`, and run the binaries through trixie's own dynamic loader.
# The mirror is read from the machine's apt configuration; no host is named
# here.  Signatures are checked with debian-archive-keyring, which in
# bookworm already carries trixie's archive keys.
#
# Idempotent: exits at once when PREFIX/bin/cbmc already reports 6.6.x.
# Environment: CBMC_SUITE (default trixie), CBMC_MIRROR (override the URI).
set -euo pipefail

me=install-cbmc.sh
die() { echo "$me: error: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $me PREFIX"
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
suite=${CBMC_SUITE:-trixie}
want_version='6.6.'
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# cbmc and what its binaries load: glibc (with its loader), libstdc++,
# libgcc_s, minisat.  A library missing from this list is caught below.
packages=(cbmc libc6 libstdc++6 libgcc-s1 minisat)
# Front ends that get a wrapper in PREFIX/bin, when the package has them.
tools=(cbmc goto-cc goto-instrument goto-analyzer goto-harness)

if [ -x "$prefix/bin/cbmc" ]; then
  case "$("$prefix/bin/cbmc" --version 2>/dev/null || true)" in
    "$want_version"*) exit 0 ;;
  esac
fi

[ "$(dpkg --print-architecture)" = amd64 ] || die "only amd64 is supported"
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"

# The main Debian mirror from the machine's own apt configuration: the URIs
# of the first deb822 stanza (or one-line entry) that serves a plain release
# suite (no -security/-updates/-backports), with component main.
mirror_from_apt() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -r "$f" ]; then
    awk '
      function flush() {
        if (!found && uris != "" && types ~ /(^| )deb( |$)/ && plain && comps ~ /(^| )main( |$)/) {
          split(uris, u, " "); print u[1]; found = 1
        }
        types = uris = comps = ""; plain = 0
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      {
        key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
        if (key == "types") types = $0
        else if (key == "uris") uris = $0
        else if (key == "components") comps = $0
        else if (key == "suites") { n = split($0, s, " "); for (i = 1; i <= n; i++) if (s[i] !~ /-/) plain = 1 }
      }
      END { flush() }' "$f"
  fi
  f=/etc/apt/sources.list
  if [ -r "$f" ]; then
    awk '$1 == "deb" {
           i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
           if ($(i+1) !~ /-/) { print $i; exit }
         }' "$f"
  fi
}
mirror=${CBMC_MIRROR:-$(mirror_from_apt | head -n1)}
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

work=$prefix.work
rm -rf "$work" "$prefix.new"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
cat > "$work/$suite.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: $keyring
EOF

apt_opts=(
  -o "Dir::Etc::SourceList=$work/$suite.sources"
  -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache::Archives=$work/archives"
  # Do not write trixie's package cache over the system's.
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
  -o Acquire::Languages=none
  # The private directories belong to root; apt's _apt user cannot write them.
  -o APT::Sandbox::User=root
)
echo "$me: apt-get update ($suite, private lists)"
apt-get "${apt_opts[@]}" -q update >"$work/update.log" 2>&1 ||
  { cat "$work/update.log" >&2; die "apt-get update for $suite failed"; }

candidate=$(apt-cache "${apt_opts[@]}" policy cbmc | awk '/Candidate:/ {print $2}')
case "$candidate" in
  "$want_version"*) ;;
  *) die "$suite offers cbmc '${candidate:-none}', expected ${want_version}x" ;;
esac

echo "$me: apt-get download ${packages[*]}"
(cd "$work/debs" && apt-get "${apt_opts[@]}" -q download "${packages[@]}") \
  >"$work/download.log" 2>&1 ||
  { cat "$work/download.log" >&2; die "apt-get download failed"; }

stage=$prefix.new
mkdir -p "$stage/bin"
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$stage"
done
lib=usr/lib/x86_64-linux-gnu
[ -x "$stage/$lib/ld-linux-x86-64.so.2" ] || die "libc6 did not provide the loader"

# Wrappers find PREFIX from their own location, so the tree can move.
for t in "${tools[@]}"; do
  [ -x "$stage/usr/bin/$t" ] || continue
  cat > "$stage/bin/$t" <<EOF
#!/bin/sh
# Runs trixie's $t with trixie's loader and libraries (see proofs/bmc/install-cbmc.sh).
P=\$(cd "\$(dirname "\$(readlink -f "\$0")")/.." && pwd)
exec "\$P/$lib/ld-linux-x86-64.so.2" \\
  --library-path "\$P/$lib:\$P/lib/x86_64-linux-gnu:\$P/usr/lib" \\
  "\$P/usr/bin/$t" "\$@"
EOF
  chmod +x "$stage/bin/$t"
  # Every shared library must resolve inside the prefix.
  missing=$("$stage/$lib/ld-linux-x86-64.so.2" \
              --library-path "$stage/$lib:$stage/lib/x86_64-linux-gnu:$stage/usr/lib" \
              --list "$stage/usr/bin/$t" | grep 'not found' || true)
  [ -z "$missing" ] || die "$t: libraries missing from the prefix (add their packages): $missing"
done

got=$("$stage/bin/cbmc" --version) || die "the installed cbmc does not run"
case "$got" in
  "$want_version"*) ;;
  *) die "installed cbmc reports '$got', expected ${want_version}x" ;;
esac

rm -rf "$prefix"
mv "$stage" "$prefix"
rm -rf "$work"
echo "$me: cbmc $got installed in $prefix"
