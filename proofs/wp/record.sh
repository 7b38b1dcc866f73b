# proofs/wp/record.sh: the proof record of the WP runners (sourced by
# proofs/wp/core/run.sh and proofs/wp/run-wp.sh).
#
# WP's cache (-wp-cache) saves the provers' runs, but not WP's own work:
# for every goal, even a cached one, Frama-C 25 builds the Why3 task,
# prints it to a file and hashes it to find the cache entry, about half a
# second a goal here.  With 4,000 goals in the collector's run alone, a run
# with nothing changed would still take half an hour.  The record skips WP
# for a function whose proof is already known for the very same input:
#
#   key  = SHA-256 of the function's name, the options that decide which
#          goals WP makes (RTE, memory model, splitting, the -D of the
#          configuration), the versions of Frama-C, Why3, Z3 and CVC4, and
#          the program as Frama-C prints it after preprocessing (code and
#          every ACSL annotation, spec/acsl/ included) with the bodies of
#          the other functions that have a contract left out: WP's goals
#          for a function read its own code, its callees' contracts and the
#          global logic, not the code of contracted callees (fnkeys.py);
#   row  = the runner's table row of a run in which every goal of the
#          function was proven and WP gave no warning that the runner
#          rejects, a run of the whole function (never with WP_PROP).
#
# A record has one line per function, "KEY FUNCTION DATE ROW", from the
# last complete proof of it.  A function whose line carries the current key
# is not given to WP again: its row is printed from the record, marked
# "rec".  A change to a function's code changes its own key; a change to a
# contract, an ACSL file, an option or a tool changes every key, and every
# function is proved again (with the cache).  A line of an older key only
# tells the runner how many goals to expect.
# Only a run with WP_CACHE=update and without WP_PROP writes the record.
# WP_RECORD=0 ignores the record (proves everything; the record is still
# written).

# wp_record_keys PRINTED_PROGRAM OUT OPTION... -- FUNCTION...: the key of
# each FUNCTION, "FUNCTION KEY" lines in the file OUT.
wp_record_keys() {
    local prog=$1 out=$2 common
    shift 2
    common=$(
        while [ $# -gt 0 ] && [ "$1" != -- ]; do printf 'option %s\n' "$1"; shift; done
        frama-c -version
        why3 --version
        z3 --version
        cvc4 --version | head -1
    )
    while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
    shift
    python3 "$(dirname "${BASH_SOURCE[0]}")/fnkeys.py" "$prog" "$common" "$@" >"$out"
}
# wp_record_key KEYS FUNCTION: FUNCTION's key from wp_record_keys' file.
wp_record_key() {
    awk -v f="$2" '$1 == f { print $2; exit }' "$1"
}

# wp_record_row FILE KEY FUNCTION: "DATE ROW", FUNCTION's record under KEY
# (nothing when there is none, or when WP_RECORD=0).
wp_record_row() {
    [ "${WP_RECORD:-1}" != 0 ] && [ -f "$1" ] || return 0
    awk -v k="$2" -v f="$3" '$1 == k && $2 == f { sub(/^[^ ]+ [^ ]+ /, ""); print; exit }' "$1"
}

# wp_record_put FILE KEY FUNCTION ROW: FUNCTION's proof under KEY, in place
# of its former line.
wp_record_put() {
    local file=$1 key=$2 fn=$3 row=$4 tmp
    [ "${WP_CACHE:-update}" = update ] && [ -z "${WP_PROP:-}" ] || return 0
    mkdir -p "$(dirname "$file")"
    tmp=$file.tmp$$
    # two runners at once (WP_FUNCTIONS subsets) take turns
    exec 9>"${TMPDIR:-/tmp}/pymemref-wp-record.lock" && flock 9
    {
        if [ -f "$file" ]; then
            grep '^#' "$file"
        else
            echo "# WP proof record (proofs/wp/record.sh): KEY FUNCTION DATE ROW."
            echo "# Written by the runners after a complete proof of the function; do not edit."
        fi
        [ -f "$file" ] && awk -v f="$fn" '!/^#/ && $2 != f' "$file"
        echo "$key $fn $(date -u +%Y-%m-%dT%H:%MZ) $row"
    } >"$tmp" && mv -f "$tmp" "$file"
    exec 9>&-
}
