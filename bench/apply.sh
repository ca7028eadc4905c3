#!/usr/bin/env bash
# Compares `plan apply` with the floor: psql running the same SQL, one transaction per
# migration plus one ledger insert each, against the same throwaway cluster.
#
#   bench/apply.sh [N] [RUNS]      (defaults: 1000 migrations, 3 runs of each)
#
# Runs alternate which of the two goes first, after an untimed warm-up run and a CHECKPOINT:
# without them, whichever ran first after the databases were created looked up to 2x slower.
#
# Each run gets a fresh database. The cluster runs with fsync off, as the test clusters do, so
# the numbers measure plan's overhead rather than the disk. Prints the median of each and the
# ratio; docs/performance.md records the figures.
set -euo pipefail
count=${1:-1000}
runs=${2:-3}
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin plan --example generate
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster apply -c autovacuum=off

project="$work/project"
target/release/examples/generate "$project" "$count" --sequence

# The floor: each migration's file between BEGIN and COMMIT, with one ledger insert.
floor="$work/floor.sql"
{
    echo "CREATE TABLE floor_ledger (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());"
    for file in "$project"/migrations/*.sql; do
        id=$(basename "$file" .sql)
        checksum=$(sha256sum "$file" | cut -d' ' -f1)
        echo "BEGIN;"
        cat "$file"
        echo "INSERT INTO floor_ledger (id, checksum) VALUES ('$id', '$checksum');"
        echo "COMMIT;"
    done
} >"$floor"

psql_ms=()
plan_ms=()
now_ms() { date +%s%3N; }
# CREATE DATABASE copies the template and forces a checkpoint; whoever ran right after it paid
# for that checkpoint's writes (about 0.7 s here). A checkpoint before each timed run makes both
# start from the same quiet server.
quiet() { psql -X -q -h "$work" -U postgres -d postgres -c "CHECKPOINT" >/dev/null; }
run_psql() {
    local start
    quiet
    start=$(now_ms)
    psql -X -q -h "$work" -U postgres -d "floor_$1" -v ON_ERROR_STOP=1 -f "$floor" >/dev/null
    psql_ms+=($(($(now_ms) - start)))
}
run_plan() {
    local start applied
    quiet
    start=$(now_ms)
    DATABASE_URL="postgresql://postgres@/plan_$1?host=$work" target/release/plan apply --dir "$project" >/dev/null 2>&1
    plan_ms+=($(($(now_ms) - start)))
    applied=$(psql -X -qtA -h "$work" -U postgres -d "plan_$1" -c "SELECT count(*) FROM plan.migrations")
    [ "$applied" = "$count" ] || { echo "plan applied $applied of $count migrations" >&2; exit 1; }
}
for run in $(seq 1 "$runs"); do
    psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE floor_$run" -c "CREATE DATABASE plan_$run" -c "CREATE DATABASE warm_$run" >/dev/null
    # Whatever runs first after the databases are created is slower by up to 0.8 s here, for
    # reasons of the server's, not of the tool's (it is so with autovacuum off and after a
    # CHECKPOINT too); an untimed warm-up run takes that hit.
    psql -X -q -h "$work" -U postgres -d "warm_$run" -v ON_ERROR_STOP=1 -f "$floor" >/dev/null
    # Alternate which goes first, so neither always runs on a warmer (or busier) server.
    if [ $((run % 2)) = 1 ]; then
        run_psql "$run"
        run_plan "$run"
    else
        run_plan "$run"
        run_psql "$run"
    fi
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { printf '%s\n' "$@" | sort -n | head -1; }
# The first run of each is on a cold server and left out of the mean.
mean_after_first() { printf '%s\n' "${@:2}" | awk '{s+=$1} END {printf "%.0f", s/NR}'; }
psql_mean=$(mean_after_first "${psql_ms[@]}")
plan_mean=$(mean_after_first "${plan_ms[@]}")
echo "migrations: $count, runs: $runs (each run: psql and plan, alternating which goes first)"
echo "psql floor (ms): ${psql_ms[*]}  median $(median "${psql_ms[@]}"), mean of runs 2-$runs $psql_mean, fastest $(minimum "${psql_ms[@]}")"
echo "plan apply (ms): ${plan_ms[*]}  median $(median "${plan_ms[@]}"), mean of runs 2-$runs $plan_mean, fastest $(minimum "${plan_ms[@]}")"
awk -v plan="$plan_mean" -v floor="$psql_mean" 'BEGIN {printf "ratio plan/psql (means of runs 2-N): %.2f (target: at most 1.30)\n", plan / floor}'
