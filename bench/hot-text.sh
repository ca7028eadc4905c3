#!/usr/bin/env bash
# Regenerates link/hot-text.ld: the functions the `plan` binary runs in its common commands,
# which build.rs has the linker lay out together at the start of the binary's code
# (docs/performance.md, "Hot code together": why, and what it changed).
#
#   bench/hot-text.sh            (needs valgrind: callgrind lists every function a run executes)
#
# Builds the release binary, starts a throwaway cluster (bench/cluster.sh), and runs under
# callgrind, one after the other: `plan apply` of 1,000 generated migrations into a fresh
# database, `plan status`, `plan apply` again (up to date), `plan rollback --last-batch`,
# `plan show` of 2,000 migrations with random dependencies (text, then JSON, without the
# project cache), and on the repository's own worked example (varied SQL, steps, rollbacks)
# `plan lint` and `plan verify` against the cluster. Each function a run executed becomes one
# line of the script, in the order of the runs (a function already listed by an earlier run
# keeps its place), so `apply`'s code comes first and is contiguous.
#
# The script names sections by pattern, not by symbol: a symbol's crate disambiguators
# (`Cs…_`, in the v0 names .cargo/config.toml asks for), a legacy name's hash and the
# numbers LTO appends to local symbols change from one build to the next; the path and the
# generic arguments do not. A function renamed or added since the last run is laid out where
# the linker would have put it anyway: the script only ever helps, and rerunning it after
# large changes keeps it helping.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v valgrind >/dev/null; then
    echo "bench/hot-text.sh needs valgrind (Debian: apt-get install valgrind)" >&2
    exit 2
fi
# shellcheck source=bench/cluster.sh
source bench/cluster.sh

# Profiled as linked without the script: in a binary linked with it, valgrind named none of the
# functions in `.text.hot` (a profile listed 15 functions, those added since), so a second run
# would forget the first's.
PLAN_HOT_TEXT=off cargo build --release --quiet --bin plan --example generate
PLAN="$PWD/target/release/plan"
GENERATE="$PWD/target/release/examples/generate"

start_cluster hot-text -c autovacuum=off
runs="$work/runs"
mkdir -p "$runs"
"$GENERATE" "$work/numbered" 1000 --sequence --rollback >/dev/null
"$GENERATE" "$work/graph" 2000 >/dev/null
as_postgres "$bindir/createdb" -h "$work" -U postgres applied
url="postgresql://postgres@/applied?host=$work"
example_url="postgresql://postgres@/postgres?host=$work"

count=0
# One run: plan's arguments; its callgrind profile is numbered in run order.
profile() {
    count=$((count + 1))
    echo "callgrind: plan $*" >&2
    PLAN_CACHE=off valgrind --tool=callgrind --demangle=no \
        --callgrind-out-file="$runs/$(printf '%02d' "$count").out" "$PLAN" "$@" >/dev/null 2>"$runs/stderr" \
        || { echo "plan $* failed under callgrind:" >&2; tail -20 "$runs/stderr" >&2; exit 1; }
}
profile apply --dir "$work/numbered" --database-url "$url"
profile status --dir "$work/numbered" --database-url "$url"
profile apply --dir "$work/numbered" --database-url "$url"
profile rollback --dir "$work/numbered" --database-url "$url" --last-batch --yes
profile show --dir "$work/graph"
profile show --dir "$work/graph" --format json
profile lint --dir .
profile verify --dir . --database-url "$example_url"

# The functions each profile saw executing in the `plan` binary (`fn=` lines while the current
# object, `ob=`, is the binary; callgrind names a function or object once, then by number),
# first run first, each function once, as section patterns.
for out in "$runs"/*.out; do
    awk -v binary="$PLAN" '
        function named(line,    id, name) {
            id = line; sub(/^[^(]*\(/, "", id); name = id; sub(/\).*$/, "", id)
            if (sub(/^[^)]*\) /, "", name)) return name "\t" id
            return "\t" id
        }
        /^c?ob=/ { split(named($0), part, "\t"); if (part[1] != "") object[part[2]] = part[1]
                   if ($0 ~ /^ob=/) current = object[part[2]] }
        /^c?fn=/ { split(named($0), part, "\t"); if (part[1] != "") function_name[part[2]] = part[1]
                   if ($0 ~ /^fn=/ && current == binary) print function_name[part[2]] }
    ' "$out" | sort -u
done | awk '!seen[$0]++' | sed -E \
    -e "s/'[0-9]+$//" \
    -e '/^(0x|\()/d' \
    -e 's/\.[0-9]+$//' \
    -e 's/17h[0-9a-f]{16}E$/17h*/' \
    -e 's/Cs[0-9A-Za-z]{1,13}_/Cs*_/g' | awk '!seen[$0]++' >"$work/functions"
# A profile that saw almost nothing means the runs did not work as meant: keep the script.
if [ "$(wc -l <"$work/functions")" -lt 500 ]; then
    echo "only $(wc -l <"$work/functions") functions found in $PLAN: link/hot-text.ld left as it was" >&2
    exit 1
fi

{
    echo "/* The functions plan runs in its common commands, laid out together at the start of its"
    echo " * code: written by bench/hot-text.sh ($(wc -l <"$work/functions") functions, code of"
    echo " * $(git describe --always --dirty 2>/dev/null || echo 'unknown'), $(date -u '+%Y-%m-%d')); passed to the linker by build.rs. Do not edit. */"
    echo "SECTIONS"
    echo "{"
    echo "  .text.hot : {"
    awk '{ printf "    *(.text.%s .text.%s.* .text.unlikely.%s .text.unlikely.%s.*)\n", $0, $0, $0, $0 }' "$work/functions"
    echo "  }"
    echo "}"
    echo "INSERT BEFORE .text;"
} >link/hot-text.ld
echo "link/hot-text.ld: $(wc -l <"$work/functions") functions; build again (without PLAN_HOT_TEXT=off) to use it" >&2
