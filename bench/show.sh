#!/usr/bin/env bash
# Times `plan show` on a generated project of N migrations (default 10,000) against the target
# in docs/performance.md: under 200 ms and under 100 MB.
#
#   bench/show.sh [N]          RUNS=9 bench/show.sh 10000
#
# Builds the release binary and the generator (bench/generate.rs), writes two projects into a
# temporary directory (random dependencies, and a plain numbered --sequence folder), and runs
# each case RUNS times (default 5) after one untimed warm-up run, so the files are in the page
# cache. Wall time and peak RSS come from GNU time (`%e %M`); because `%e` has only 10 ms
# resolution, the wall time is also measured in bash (EPOCHREALTIME) around the same run.
# Output goes to /dev/null. Prints the median wall time and the largest peak RSS per case.
set -euo pipefail

N="${1:-10000}"
RUNS="${RUNS:-5}"
TIME=/usr/bin/time

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! [[ "$N" =~ ^[0-9]+$ && "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]]; then
    echo "usage: [RUNS=5] bench/show.sh [N]" >&2
    exit 2
fi
if ! "$TIME" -f '%e %M' true 2>/dev/null; then
    echo "GNU time is needed at $TIME (Debian/Ubuntu: apt-get install time)" >&2
    exit 2
fi

cargo build --release --quiet --bin plan --example generate
PLAN=target/release/plan
GENERATE=target/release/examples/generate

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-bench-show.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

"$GENERATE" "$WORK/graph" "$N"
"$GENERATE" "$WORK/sequence" "$N" --sequence

# One case: RUNS timed runs of `plan show ARGS...`; prints one result row.
measure() {
    local label="$1"
    shift
    "$PLAN" show "$@" >/dev/null
    local walls=() bash_walls=() peak=0 run start end wall rss
    for ((run = 0; run < RUNS; run++)); do
        start="$EPOCHREALTIME"
        "$TIME" -o "$WORK/time" -f '%e %M' "$PLAN" show "$@" >/dev/null
        end="$EPOCHREALTIME"
        read -r wall rss <"$WORK/time"
        walls+=("$wall")
        bash_walls+=("$(awk -v start="$start" -v end="$end" 'BEGIN { printf "%.1f", (end - start) * 1000 }')")
        if ((rss > peak)); then peak="$rss"; fi
    done
    local median bash_median
    median="$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
    bash_median="$(printf '%s\n' "${bash_walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
    printf '| %-36s | %8s s | %9s ms | %7.1f MB |\n' "$label" "$median" "$bash_median" \
        "$(awk -v kb="$peak" 'BEGIN { print kb / 1024 }')"
}

echo "plan show on $N migrations, median of $RUNS runs (peak RSS: largest of the runs)"
echo "code: $(git describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| case                                 | wall (%e)  | wall (bash)  | peak RSS   |"
echo "|--------------------------------------|------------|--------------|------------|"
measure "graph (random dependencies), text" --dir "$WORK/graph"
measure "graph (random dependencies), json" --dir "$WORK/graph" --format json
measure "sequence (no dependencies), text" --dir "$WORK/sequence"
measure "sequence (no dependencies), json" --dir "$WORK/sequence" --format json
echo
echo "target: under 200 ms and under 100 MB for 10,000 migrations (docs/performance.md)"
