#!/bin/bash
# proofs/wp/core/all.sh: every Frama-C/WP proof of the project, one table
# each (file, function, goals, proven, provers, seconds), then the total
# (make proofs).  WP_CACHE (update by default, replay in `make test`) is
# passed on to each runner.  Exit status 1 if any runner
# reports an unproven goal or a memory-model warning, 2 on a tool error.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT" || exit 2
status=0 goals=0 proven=0
t0=$(date +%s)
run() {   # run TITLE CMD...: print the table, add its TOTAL line
    echo "== $1"
    shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    echo "$out"
    [ $rc -gt $status ] && status=$rc
    local total
    total=$(echo "$out" | grep -E '^TOTAL' | tail -1)
    [ -n "$total" ] || { [ $status -ge 1 ] || status=2; return; }
    goals=$((goals + $(echo "$total" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }')))
    proven=$((proven + $(echo "$total" | awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { n++; if (n == 2) { print $i; exit } } }')))
    echo
}
run "collector model: model/heap.h, heap.c, gc.c, gc_reach.c, refcount.c (proofs/wp/core/run.sh)" \
    bash proofs/wp/core/run.sh
if [ -x proofs/wp/run-wp.sh ] || [ -f proofs/wp/run-wp.sh ]; then
    # run-wp.sh's own default list of the allocator's files (the lemma
    # files included), so that the two never disagree
    for bits in 64 32; do
        run "model/obmalloc_{lemma*,pool,arena,usable,entry}.c, obmalloc.c, obmalloc_stats.c, obmalloc_valid.c, $bits-bit (allocator; proofs/wp/run-wp.sh)" \
            env PM_PROOF_BITS=$bits bash proofs/wp/run-wp.sh
    done
    # The environment on its own: read with the files above, Frama-C would
    # merge its contracts with the ones obmalloc_arena.c trusts
    # (spec/obmalloc.md, "The environment").
    for bits in 64 32; do
        run "model/obmalloc_env.c, $bits-bit (the allocator's environment; proofs/wp/run-wp.sh)" \
            env PM_PROOF_BITS=$bits bash proofs/wp/run-wp.sh model/obmalloc_env.c
    done
fi
t1=$(date +%s)
echo "== all WP proofs: $proven / $goals goals proven, $((t1 - t0)) s"
[ "$proven" -eq "$goals" ] || [ $status -ge 1 ] || status=1
exit $status
