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
# `plan apply` (untimed) into its own database, then RUNS rounds after one untimed warm-up of
# each, alternating which goes first, output to /dev/null. Prints every run, the medians, the
# ratio of the medians and of the per-run ratios, and the largest peak RSS (GNU time, %M).
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

echo "runs: $runs (plan status and psql alternating); $(git rev-parse --short HEAD); $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC');$(uptime | sed 's/.*,  *load/ load/')"
echo "psql: $query"
for size in "${sizes[@]}"; do
    project="$work/project_$size"
    url="postgresql://postgres@/status_$size?host=$work"
    target/release/examples/generate "$project" "$size" --sequence
    psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE status_$size"
    DATABASE_URL="$url" target/release/plan apply --dir "$project" >/dev/null 2>&1
    psql -X -q -h "$work" -U postgres -d "status_$size" -c "VACUUM ANALYZE" -c "CHECKPOINT"
    # $1: the file the time goes to, $2: the run.
    status() { timed "$1" "plan-$size" "$2" env DATABASE_URL="$url" target/release/plan status --dir "$project"; }
    ledger() { timed "$1" "psql-$size" "$2" psql -X -q -h "$work" -U postgres -d "status_$size" -c "$query"; }
    status "$work/results/warm-up" 0
    ledger "$work/results/warm-up" 0
    for run in $(seq 1 "$runs"); do
        if [ $((run % 2)) = 1 ]; then
            status "$results" "$run"
            ledger "$results" "$run"
        else
            ledger "$results" "$run"
            status "$results" "$run"
        fi
    done
    echo
    echo "$size applied (ms)"
    printf '  %-14s %s\n' "plan status" "$(runs_of "$results" "plan-$size")" "psql" "$(runs_of "$results" "psql-$size")"
    plan_ms=$(median_ms "$results" "plan-$size")
    psql_ms=$(median_ms "$results" "psql-$size")
    printf '  %-14s plan %s, psql %s; ratio of medians %s, median of per-run ratios %s\n' median "$plan_ms" "$psql_ms" \
        "$(awk -v a="$plan_ms" -v b="$psql_ms" 'BEGIN { printf "%.2f", a / b }')" \
        "$(median_ratio "$results" "plan-$size" "psql-$size")"
    printf '  %-14s plan %s MB, psql %s MB\n' "peak RSS" "$(peak_mb "$results" "plan-$size")" "$(peak_mb "$results" "psql-$size")"
done
