#!/usr/bin/env bash
# Times `plan show` on a generated project of N migrations (default 10,000) against reading the
# same files, in one run (issue 18; docs/performance.md, "plan show"):
#
#   sh -c 'cat -- "$1"/migrations/*.sql' sh DIR     (list, sort and read every migration file)
#
#   bench/show.sh [N]          RUNS=9 bench/show.sh 10000
#   TMPDIR=/dev/shm RUNS=7 bench/show.sh     (the projects on a tmpfs: no disk writeback in the timings)
#
# Builds the release binary and the generator (bench/generate.rs), writes two projects into a
# temporary directory (random dependencies, and a plain numbered --sequence folder), and for
# each project and each format (text, --format json) runs `cat` and `plan show` once untimed
# (so the files are in the page cache), then RUNS rounds (default 7) alternating which goes
# first, output to /dev/null. `cat` runs under a shell whose glob lists and sorts the folder, as
# plan must, and is timed with it. Wall time from bash (EPOCHREALTIME) around each process, peak
# RSS from GNU time (%M). Prints per case the medians, the median of the per-run ratios
# show/cat and the largest peak RSS of show.
set -euo pipefail

N="${1:-10000}"
RUNS="${RUNS:-7}"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! [[ "$N" =~ ^[0-9]+$ && "$N" -ge 1 && "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 && $# -le 1 ]]; then
    echo "usage: [RUNS=7] bench/show.sh [N]" >&2
    exit 2
fi
# shellcheck source=bench/common.sh
source bench/common.sh
need_gnu_time

cargo build --release --quiet --bin plan --example generate
PLAN=target/release/plan
GENERATE=target/release/examples/generate

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-bench-show.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
results="$WORK/results/times"
mkdir -p "$WORK/results"

"$GENERATE" "$WORK/graph" "$N"
"$GENERATE" "$WORK/sequence" "$N" --sequence

# One case: NAME LABEL PROJECT [SHOW ARGS …]; LABEL-cat and LABEL-show rows in $results.
measure() {
    local name=$1 label=$2 project=$3 run
    shift 3
    # shellcheck disable=SC2016 # "$1" is the inner shell's
    read_files() { timed "$1" "$label-cat" "$2" sh -c 'cat -- "$1"/migrations/*.sql' sh "$project"; }
    show() {
        local file=$1 run=$2
        shift 2
        timed "$file" "$label-show" "$run" "$PLAN" show --dir "$project" "$@"
    }
    local args=("$@")
    read_files "$WORK/results/warm-up" 0
    show "$WORK/results/warm-up" 0 "${args[@]}"
    for ((run = 1; run <= RUNS; run++)); do
        if ((run % 2)); then
            read_files "$results" "$run"
            show "$results" "$run" "${args[@]}"
        else
            show "$results" "$run" "${args[@]}"
            read_files "$results" "$run"
        fi
    done
    printf '| %-34s | %8s | %8s | %9s | %7s MB |\n' "$name" "$(median_ms "$results" "$label-cat")" \
        "$(median_ms "$results" "$label-show")" "$(median_ratio "$results" "$label-show" "$label-cat")" \
        "$(peak_mb "$results" "$label-show")"
}

echo "plan show on $N migrations against reading the files, $RUNS alternating runs each (medians; peak RSS: largest run)"
echo "code: $(git describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $(date -u '+%Y-%m-%d %H:%M UTC');" \
    "$(uptime | sed 's/.*,  *load/load/')"
echo
echo "| case                               |   cat ms |  show ms | show/cat  | show RSS   |"
echo "|------------------------------------|----------|----------|-----------|------------|"
measure "graph (random dependencies), text" graph-text "$WORK/graph"
measure "graph (random dependencies), json" graph-json "$WORK/graph" --format json
measure "sequence (no dependencies), text" sequence-text "$WORK/sequence"
measure "sequence (no dependencies), json" sequence-json "$WORK/sequence" --format json
echo
echo "show/cat: median of the per-run ratios. Targets (issue 18): at most 1.25 and 40 MB for 10,000"
