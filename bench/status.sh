#!/usr/bin/env bash
# Times `plan status` with 1,000 and 10,000 migrations applied against the ledger read a user
# would do with psql, in one run, on one throwaway cluster (issue 18; docs/performance.md,
# "plan status vs psql"):
#
#   psql -X -c 'SELECT id, checksum, state, applied_at FROM plan.migrations ORDER BY id'
#
#   bench/status.sh [RUNS] [N …]      (defaults: 7 runs; 1000 10000)
#   TMPDIR=/dev/shm bench/status.sh 7 1000 10000   (cluster and projects on a tmpfs)
#
# For each N: generates a numbered project (`generate DIR N --sequence`), applies it once with
# `plan apply` (untimed) into its own database, waits until the files are older than the
# project cache's settling time (3 s: only such reads are kept), then RUNS rounds after one
# untimed warm-up of each, rotating which goes first, output to /dev/null, of: `plan status`
# (the project cache on, in a folder of the run's own: the warm-up keeps the read), `plan
# status` with PLAN_CACHE=off (reads every file, as a first run or a changed folder does), and
# psql. Prints every run, the medians, the ratio of the medians and of the per-run ratios to
# psql, and the largest peak RSS (GNU time, %M).
set -euo pipefail

usage() {
    echo "usage: bench/status.sh [RUNS] [N …]   (defaults: 7 1000 10000)" >&2
    exit 2
}
runs=${1:-7}
[[ "$runs" =~ ^[0-9]+$ && "$runs" -ge 1 ]] || usage
shift $(($# > 0 ? 1 : 0))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
for size in "${sizes[@]}"; do [[ "$size" =~ ^[0-9]+$ && "$size" -ge 1 ]] || usage; done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
need_gnu_time

cargo build --release --quiet --bin plan --example generate
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster status -c autovacuum=off
results="$work/results/times"
mkdir -p "$work/results"
query="SELECT id, checksum, state, applied_at FROM plan.migrations ORDER BY id"
# The project cache of this run alone, starting empty (not the home folder's).
export XDG_CACHE_HOME="$work/cache"

echo "runs: $runs (plan status with the cache, without it, and psql, rotating); $(git rev-parse --short HEAD); $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC');$(uptime | sed 's/.*,  *load/ load/')"
echo "psql: $query"
for size in "${sizes[@]}"; do
    project="$work/project_$size"
    url="postgresql://postgres@/status_$size?host=$work"
    target/release/examples/generate "$project" "$size" --sequence
    psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE status_$size"
    DATABASE_URL="$url" target/release/plan apply --dir "$project" >/dev/null 2>&1
    psql -X -q -h "$work" -U postgres -d "status_$size" -c "VACUUM ANALYZE" -c "CHECKPOINT"
    sleep 3
    # $1: the file the time goes to, $2: the run.
    status() { timed "$1" "plan-$size" "$2" env DATABASE_URL="$url" target/release/plan status --dir "$project"; }
    cold() { timed "$1" "cold-$size" "$2" env PLAN_CACHE=off DATABASE_URL="$url" target/release/plan status --dir "$project"; }
    ledger() { timed "$1" "psql-$size" "$2" psql -X -q -h "$work" -U postgres -d "status_$size" -c "$query"; }
    status "$work/results/warm-up" 0
    cold "$work/results/warm-up" 0
    ledger "$work/results/warm-up" 0
    for run in $(seq 1 "$runs"); do
        case $((run % 3)) in
            1) status "$results" "$run"; cold "$results" "$run"; ledger "$results" "$run" ;;
            2) cold "$results" "$run"; ledger "$results" "$run"; status "$results" "$run" ;;
            0) ledger "$results" "$run"; status "$results" "$run"; cold "$results" "$run" ;;
        esac
    done
    echo
    echo "$size applied (ms)"
    printf '  %-24s %s\n' "plan status" "$(runs_of "$results" "plan-$size")" \
        "plan status, cache off" "$(runs_of "$results" "cold-$size")" \
        "psql" "$(runs_of "$results" "psql-$size")"
    psql_ms=$(median_ms "$results" "psql-$size")
    for label in plan cold; do
        plan_ms=$(median_ms "$results" "$label-$size")
        printf '  median %-17s plan %s, psql %s; ratio of medians %s, median of per-run ratios %s; peak RSS %s MB (psql %s MB)\n' \
            "$([ "$label" = plan ] && echo "(cache)" || echo "(cache off)")" "$plan_ms" "$psql_ms" \
            "$(awk -v a="$plan_ms" -v b="$psql_ms" 'BEGIN { printf "%.2f", a / b }')" \
            "$(median_ratio "$results" "$label-$size" "psql-$size")" \
            "$(peak_mb "$results" "$label-$size")" "$(peak_mb "$results" "psql-$size")"
    done
done
