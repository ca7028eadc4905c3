#!/usr/bin/env bash
# Compares `plan apply` with the floor: psql running the same SQL, one transaction per
# migration plus one ledger insert each, against the same throwaway cluster.
#
#   bench/apply.sh [N] [RUNS]      (defaults: 1000 migrations, 3 runs of each)
#
# Each run gets a fresh database. The cluster runs with fsync off, as the test clusters do, so
# the numbers measure plan's overhead rather than the disk. Prints the median of each and the
# ratio; docs/performance.md records the figures.
set -euo pipefail
count=${1:-1000}
runs=${2:-3}
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin plan --example generate
bindir=${PG_BINDIR:-$(pg_config --bindir)}
work=$(mktemp -d /tmp/plan-bench-apply.XXXXXX)
chmod 755 "$work"
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() {
    as_postgres "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

as_postgres "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
as_postgres "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-k $work -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null

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
for run in $(seq 1 "$runs"); do
    psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE floor_$run" -c "CREATE DATABASE plan_$run" >/dev/null
    start=$(now_ms)
    psql -X -q -h "$work" -U postgres -d "floor_$run" -v ON_ERROR_STOP=1 -f "$floor" >/dev/null
    psql_ms+=($(($(now_ms) - start)))
    start=$(now_ms)
    DATABASE_URL="postgresql://postgres@/plan_$run?host=$work" target/release/plan apply --dir "$project" >/dev/null 2>&1
    plan_ms+=($(($(now_ms) - start)))
    applied=$(psql -X -qtA -h "$work" -U postgres -d "plan_$run" -c "SELECT count(*) FROM plan.migrations")
    [ "$applied" = "$count" ] || { echo "plan applied $applied of $count migrations" >&2; exit 1; }
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
psql_median=$(median "${psql_ms[@]}")
plan_median=$(median "${plan_ms[@]}")
echo "migrations: $count, runs: $runs"
echo "psql floor (ms): ${psql_ms[*]}  median $psql_median"
echo "plan apply (ms): ${plan_ms[*]}  median $plan_median"
awk -v plan="$plan_median" -v floor="$psql_median" 'BEGIN {printf "ratio plan/psql: %.2f (target: at most 1.30)\n", plan / floor}'
