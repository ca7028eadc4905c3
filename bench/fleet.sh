#!/usr/bin/env bash
# A fleet run's cost: 10 migrations applied to 100 databases one at a time and with
# --parallel 4, then `plan status` over the 100 up-to-date databases; then `plan status` over
# 1,000 tenant schemas of one database (`schemas:`), before and after they are applied to
# (docs/fleets.md).
#
#   bench/fleet.sh [DATABASES] [MIGRATIONS] [SCHEMAS]   (defaults: 100, 10, 1000)
#
# One throwaway cluster (fsync off, as the test clusters), two sets of fresh databases so that
# both applies start from empty ones, a --targets file listing them. PLAN_PROFILE=debug runs
# the debug binary instead of building a release one. Prints the wall time of each run;
# docs/performance.md records the figures.
set -euo pipefail
databases=${1:-100}
migrations=${2:-10}
schemas=${3:-1000}
profile=${PLAN_PROFILE:-release}
cd "$(dirname "$0")/.."

if [ "$profile" = release ]; then
    cargo build --release --quiet --bin plan
else
    cargo build --quiet --bin plan
fi
plan="$PWD/target/$profile/plan"
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster fleet -c max_connections=50 -c autovacuum=off

project="$work/project"
mkdir -p "$project/migrations"
for number in $(seq 1 "$migrations"); do
    id=$(printf '%03d' "$number")
    cat >"$project/migrations/${id}_table_$id.sql" <<SQL
CREATE TABLE table_$id (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX table_${id}_name ON table_$id (name);
INSERT INTO table_$id (id, name) SELECT n, 'row ' || n FROM generate_series(1, 100) AS n;
SQL
done

sql() { psql -X -q -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
cat >"$project/plan.yaml" <<YAML
fleets:
  tenants:
    databases: ["postgresql://postgres@/tenants?host=$work"]
    schemas: "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%' ORDER BY 1"
YAML

for set in seq par; do
    for index in $(seq -w 1 "$databases"); do
        sql "CREATE DATABASE ${set}_$index"
        echo "postgresql://postgres@/${set}_$index?host=$work" >>"$work/$set.txt"
    done
done
sql "CREATE DATABASE tenants"
psql -X -q -h "$work" -U postgres -d tenants -v ON_ERROR_STOP=1 \
    -c "DO \$\$ BEGIN FOR n IN 1..$schemas LOOP
            EXECUTE format('CREATE SCHEMA tenant_%s', lpad(n::text, 5, '0'));
        END LOOP; END \$\$" >/dev/null
sql "CHECKPOINT"

now_ms() { date +%s%3N; }
timed() {
    local label=$1 start
    shift
    start=$(now_ms)
    "$plan" --dir "$project" "$@" >"$work/out.txt" 2>"$work/err.txt" || {
        cat "$work/err.txt" "$work/out.txt" >&2
        exit 1
    }
    printf '%-55s %6d ms\n' "$label" "$(($(now_ms) - start))"
}

echo "$databases databases, $migrations migrations, $(nproc) cores, plan $profile build"
timed "apply, one database at a time" apply --targets "$work/seq.txt"
sql "CHECKPOINT"
timed "apply, --parallel 4" apply --targets "$work/par.txt" --parallel 4
head -1 "$work/out.txt"
timed "apply again, all up to date, --parallel 4" apply --targets "$work/par.txt" --parallel 4
timed "status, all up to date, one at a time" status --targets "$work/par.txt"
timed "status, all up to date, --parallel 4" status --targets "$work/par.txt" --parallel 4
head -1 "$work/out.txt"

echo "$schemas tenant schemas in one database"
timed "status, no ledger yet (all pending)" status --fleet tenants
head -1 "$work/out.txt"
timed "apply, --parallel 4" apply --fleet tenants --parallel 4
head -1 "$work/out.txt"
timed "status, all up to date" status --fleet tenants
head -1 "$work/out.txt"
