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
# (so the files are in the page cache), then RUNS rounds (default 7) rotating which goes
# first, output to /dev/null, of: `cat`; `plan show` with PLAN_CACHE=off (reads, parses and
# orders every file: a first run, or a folder that changed); and `plan show` with the project
# cache on, in a folder of this run's own (its warm-up, once the files are older than the
# cache's 3 s settling time, keeps the output). `cat` runs under a shell whose glob lists and
# sorts the folder, as plan must, and is timed with it. Wall time from bash (EPOCHREALTIME)
# around each process, peak RSS from GNU time (%M). Prints per case the medians, the median of
# the per-run ratios to cat and the largest peak RSS of each.
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
export XDG_CACHE_HOME="$WORK/cache"
# Only reads of files older than 3 s are kept by the project cache.
sleep 3

# One case: NAME LABEL PROJECT [SHOW ARGS …]; LABEL-cat and LABEL-show rows in $results.
measure() {
    local name=$1 label=$2 project=$3 run
    shift 3
    # shellcheck disable=SC2016 # "$1" is the inner shell's
    read_files() { timed "$1" "$label-cat" "$2" sh -c 'cat -- "$1"/migrations/*.sql' sh "$project"; }
    show() {
        local file=$1 run=$2
        shift 2
        timed "$file" "$label-show" "$run" env PLAN_CACHE=off "$PLAN" show --dir "$project" "$@"
    }
    cached() {
        local file=$1 run=$2
        shift 2
        timed "$file" "$label-cached" "$run" "$PLAN" show --dir "$project" "$@"
    }
    local args=("$@")
    read_files "$WORK/results/warm-up" 0
    show "$WORK/results/warm-up" 0 "${args[@]}"
    cached "$WORK/results/warm-up" 0 "${args[@]}"
    for ((run = 1; run <= RUNS; run++)); do
        case $((run % 3)) in
            1) read_files "$results" "$run"; show "$results" "$run" "${args[@]}"; cached "$results" "$run" "${args[@]}" ;;
            2) show "$results" "$run" "${args[@]}"; cached "$results" "$run" "${args[@]}"; read_files "$results" "$run" ;;
            0) cached "$results" "$run" "${args[@]}"; read_files "$results" "$run"; show "$results" "$run" "${args[@]}" ;;
        esac
    done
    printf '| %-34s | %8s | %8s | %9s | %7s MB | %8s | %9s | %7s MB |\n' "$name" "$(median_ms "$results" "$label-cat")" \
        "$(median_ms "$results" "$label-show")" "$(median_ratio "$results" "$label-show" "$label-cat")" \
        "$(peak_mb "$results" "$label-show")" "$(median_ms "$results" "$label-cached")" \
        "$(median_ratio "$results" "$label-cached" "$label-cat")" "$(peak_mb "$results" "$label-cached")"
}

echo "plan show on $N migrations against reading the files, $RUNS rotating runs each (medians; peak RSS: largest run)"
echo "code: $(git describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $(date -u '+%Y-%m-%d %H:%M UTC');" \
    "$(uptime | sed 's/.*,  *load/load/')"
echo
echo "| case                               |   cat ms |  show ms | show/cat  | show RSS   | cached ms | cached/cat | cached RSS |"
echo "|------------------------------------|----------|----------|-----------|------------|-----------|------------|------------|"
measure "graph (random dependencies), text" graph-text "$WORK/graph"
measure "graph (random dependencies), json" graph-json "$WORK/graph" --format json
measure "sequence (no dependencies), text" sequence-text "$WORK/sequence"
measure "sequence (no dependencies), json" sequence-json "$WORK/sequence" --format json
echo
echo "show: PLAN_CACHE=off; cached: the project cache on. /cat: median of the per-run ratios."
echo "Targets (issue 18): at most 1.25 and 40 MB for 10,000"
