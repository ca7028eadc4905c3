#!/usr/bin/env bash
# check-schema at scale: a database of TABLES tables (default 10,000) and a plan whose pending
# migrations declare PREREQUISITES prerequisites (default 1,000: tables and columns of that
# database). Reports check-schema's wall time (median of RUNS) and the number of statements
# the server received during one run, counted from the server log (log_statement = all), so
# the count does not rely on plan's own bookkeeping.
#
#   bench/check_schema.sh [TABLES] [PREREQUISITES] [RUNS]
set -euo pipefail
tables=${1:-10000}
prerequisites=${2:-1000}
runs=${3:-5}
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin plan
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster check -c max_locks_per_transaction=256
psql_run() { psql -X -q -h "$work" -U postgres -d bench -v ON_ERROR_STOP=1 "$@"; }
psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE bench"

# The database: TABLES tables of four columns each, in ten schemas.
psql_run -c "
DO \$\$
BEGIN
    FOR s IN 0..9 LOOP
        EXECUTE format('CREATE SCHEMA app%s', s);
    END LOOP;
    FOR t IN 1..$tables LOOP
        EXECUTE format('CREATE TABLE app%s.t%s (id bigint PRIMARY KEY, name text, created_at timestamptz, amount numeric)', t % 10, t);
    END LOOP;
END
\$\$;"

# The plan: one pending migration per 10 prerequisites, half tables and half columns.
project="$work/project"
mkdir -p "$project/migrations"
per_file=10
files=$(( (prerequisites + per_file - 1) / per_file ))
for file in $(seq 1 "$files"); do
    {
        for index in $(seq 1 "$per_file"); do
            n=$(( (file - 1) * per_file + index ))
            [ "$n" -le "$prerequisites" ] || break
            t=$(( (n * 7) % tables + 1 ))
            if [ $(( n % 2 )) = 0 ]; then
                echo "-- requires: table app$(( t % 10 )).t$t"
            else
                echo "-- requires: column app$(( t % 10 )).t$t.amount"
            fi
        done
        echo "SELECT 1;"
    } >"$project/migrations/$(printf '%05d' "$file")_check.sql"
done

# One applied migration, so the ledger and a catalog snapshot of the whole database exist and
# check-schema compares all 10,000 tables against it (the expensive part).
printf -- '-- depends: none\nCREATE TABLE bench_marker (id int);\n' >"$project/migrations/00000_marker.sql"
for file in "$project"/migrations/0*_check.sql; do
    sed -i '1i -- depends: 00000_marker' "$file"
done
export DATABASE_URL="postgresql://postgres@/bench?host=$work"
target/release/plan apply --dir "$project" --to 00000_marker >/dev/null 2>&1
times=()
now_ms() { date +%s%3N; }
for run in $(seq 1 "$runs"); do
    start=$(now_ms)
    target/release/plan check-schema --dir "$project" >"$work/out.txt" 2>&1 || true
    times+=($(($(now_ms) - start)))
done
grep -q "all met" "$work/out.txt" || { cat "$work/out.txt" >&2; echo "expected every prerequisite to be met" >&2; exit 1; }

# Count the statements of one more run in the server log.
psql -X -q -h "$work" -U postgres -d bench -c "ALTER DATABASE bench SET log_statement = 'all'"

log_file="$work/server.log"
before=$(grep -c 'statement: \|execute ' "$log_file" || true)
target/release/plan check-schema --dir "$project" >/dev/null 2>&1 || true
after=$(grep -c 'statement: \|execute ' "$log_file" || true)
psql -X -q -h "$work" -U postgres -d bench -c "ALTER DATABASE bench RESET log_statement"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "tables: $tables, prerequisites: $prerequisites in $files pending migrations, runs: $runs"
echo "check-schema wall time (ms): ${times[*]}  median $(median "${times[@]}") (target: under 500)"
echo "statements the server received in one run: $((after - before))"
grep 'catalog queries' "$work/out.txt"
