#!/usr/bin/env bash
# plan against its peers, sqlx-cli and dbmate, and the two floors, side by side in one run on one
# throwaway cluster (issue 18; docs/performance.md, "Peers"). Not part of CI.
#
#   bench/peers.sh [N] [RUNS]      (defaults: 1000 migrations, 5 runs)
#
# Installs sqlx-cli (crates.io, `cargo install`, postgres only) and dbmate (npm) once into
# target/peers/ and reuses them on later runs (PEERS_DIR overrides the folder). Generates N
# migrations (`generate DIR N --sequence --rollback`: one CREATE TABLE each, a DROP TABLE to roll
# it back) and writes the same SQL in each tool's layout: sqlx `migrations/<n>_m<n>.up.sql` and
# `.down.sql`, dbmate `db/migrations/<n>_m<n>.sql` with `-- migrate:up` / `-- migrate:down`. The
# floors are those of bench/apply.sh: (b) psql -f, statement by statement, (c) one simple-query
# message per migration (bench/floor.rs); their "status" is psql reading the ledger.
#
# Each run: fresh databases, an untimed warm-up of floor (b), then apply, status and rollback of
# all N, each step's tools in rotating order after a CHECKPOINT, the ledgers checked after apply
# and rollback. dbmate rolls back one migration per invocation, so its rollback is N
# invocations (in one shell loop, timed as a whole). Wall time from bash, peak RSS from GNU time.
set -euo pipefail

usage() {
    echo "usage: bench/peers.sh [N] [RUNS]   (defaults: 1000 5)" >&2
    exit 2
}
count=${1:-1000}
runs=${2:-5}
[[ "$count" =~ ^[0-9]+$ && "$count" -ge 1 && "$runs" =~ ^[0-9]+$ && "$runs" -ge 1 && $# -le 2 ]] || usage
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
need_gnu_time

SQLX_VERSION=0.9.0
DBMATE_VERSION=2.36.0
peers=${PEERS_DIR:-$PWD/target/peers}
sqlx="$peers/sqlx-$SQLX_VERSION/bin/sqlx"
dbmate="$peers/dbmate-$DBMATE_VERSION/node_modules/@dbmate/linux-x64/bin/dbmate"
if [ ! -x "$sqlx" ]; then
    echo "installing sqlx-cli $SQLX_VERSION into $peers (once; a few minutes)" >&2
    cargo install sqlx-cli --version "$SQLX_VERSION" --locked --quiet --no-default-features \
        --features postgres --root "$peers/sqlx-$SQLX_VERSION"
fi
if [ ! -x "$dbmate" ]; then
    echo "installing dbmate $DBMATE_VERSION into $peers (once)" >&2
    npm install --silent --no-audit --no-fund --prefix "$peers/dbmate-$DBMATE_VERSION" "dbmate@$DBMATE_VERSION" >&2
fi
# The platform binary itself: node's wrapper around it would add node's start-up to every run.
[ -x "$dbmate" ] || { echo "no dbmate binary at $dbmate (this script knows linux-x64 only)" >&2; exit 1; }

cargo build --release --quiet --bin plan --example generate --example floor
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster peers -c autovacuum=off
# plan's project cache in a folder of this run's own, starting empty: the first `plan status`
# reads every file and keeps the read, later ones look at each file's stat (as they would on a
# developer's machine, the files being older than the cache's 3 s settling time by then).
export XDG_CACHE_HOME="$work/cache"

project="$work/plan"
target/release/examples/generate "$project" "$count" --sequence --rollback
write_floors "$project" "$work/floors"
# The same SQL in sqlx's and dbmate's layouts, numbered as plan's files are.
mkdir -p "$work/sqlx/migrations" "$work/dbmate/db/migrations"
for file in "$project"/migrations/*[0-9].sql; do echo "$file"; done | awk -v sqlx="$work/sqlx/migrations" -v dbmate="$work/dbmate/db/migrations" '
    function slurp(path,    text, line) {
        text = ""
        while ((getline line < path) > 0) text = text line "\n"
        close(path)
        return text
    }
    {
        name = $0
        sub(/.*\//, "", name)
        sub(/\.sql$/, "", name)
        up = slurp($0)
        rollback = $0
        sub(/\.sql$/, "_rollback.sql", rollback)
        down = slurp(rollback)
        printf "%s", up > (sqlx "/" name ".up.sql")
        close(sqlx "/" name ".up.sql")
        printf "%s", down > (sqlx "/" name ".down.sql")
        close(sqlx "/" name ".down.sql")
        printf "-- migrate:up\n%s\n-- migrate:down\n%s", up, down > (dbmate "/" name ".sql")
        close(dbmate "/" name ".sql")
    }'
results="$work/results/times"
mkdir -p "$work/results"

sql() { psql -X -qtA -h "$work" -U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }
quiet() { sql postgres "CHECKPOINT" >/dev/null; }
expect_rows() {
    local rows
    rows=$(sql "$1" "SELECT count(*) FROM $2")
    [ "$rows" = "$3" ] || { echo "$1: $2 holds $rows rows, expected $3" >&2; exit 1; }
}
ledger_query="SELECT id, checksum, applied_at FROM floor_ledger ORDER BY id"

# One step (apply, status, rollback) of one tool in run $3, into that run's database of the tool.
step() {
    local step=$1 tool=$2 run=$3
    local plan_url="postgresql://postgres@/plan_$run?host=$work"
    local sqlx_url="postgres://postgres@localhost/sqlx_$run?host=$work&sslmode=disable"
    local dbmate_url="postgres://postgres@/dbmate_$run?socket=$work&sslmode=disable"
    local label="$step-$tool"
    quiet
    case "$tool-$step" in
        plan-apply) timed "$results" "$label" "$run" env DATABASE_URL="$plan_url" target/release/plan apply --dir "$project" ;;
        plan-status) timed "$results" "$label" "$run" env DATABASE_URL="$plan_url" target/release/plan status --dir "$project" ;;
        plan-rollback) timed "$results" "$label" "$run" env DATABASE_URL="$plan_url" target/release/plan rollback --last-batch --yes --dir "$project" ;;
        sqlx-apply) timed "$results" "$label" "$run" "$sqlx" migrate run --source "$work/sqlx/migrations" --database-url "$sqlx_url" ;;
        sqlx-status) timed "$results" "$label" "$run" "$sqlx" migrate info --source "$work/sqlx/migrations" --database-url "$sqlx_url" ;;
        sqlx-rollback) timed "$results" "$label" "$run" "$sqlx" migrate revert --target-version 0 --source "$work/sqlx/migrations" --database-url "$sqlx_url" ;;
        dbmate-apply) timed "$results" "$label" "$run" "$dbmate" --url "$dbmate_url" --migrations-dir "$work/dbmate/db/migrations" --no-dump-schema up ;;
        dbmate-status) timed "$results" "$label" "$run" "$dbmate" --url "$dbmate_url" --migrations-dir "$work/dbmate/db/migrations" status ;;
        dbmate-rollback)
            # shellcheck disable=SC2016 # expanded by the inner shell
            timed "$results" "$label" "$run" sh -c 'n=$1; shift; while [ "$n" -gt 0 ]; do "$@" || exit 1; n=$((n - 1)); done' sh \
                "$count" "$dbmate" --url "$dbmate_url" --migrations-dir "$work/dbmate/db/migrations" --no-dump-schema rollback
            ;;
        b-apply | b-rollback) timed "$results" "$label" "$run" psql -X -q -h "$work" -U postgres -d "b_$run" -v ON_ERROR_STOP=1 -f "$work/floors/$step.sql" ;;
        b-status) timed "$results" "$label" "$run" psql -X -q -h "$work" -U postgres -d "b_$run" -c "$ledger_query" ;;
        c-apply | c-rollback) timed "$results" "$label" "$run" target/release/examples/floor "host=$work user=postgres dbname=c_$run" "$work/floors/$step.msgs" ;;
    esac
}
check() {
    expect_rows "plan_$1" plan.migrations "$2"
    expect_rows "sqlx_$1" _sqlx_migrations "$2"
    expect_rows "dbmate_$1" schema_migrations "$2"
    expect_rows "b_$1" floor_ledger "$2"
    expect_rows "c_$1" floor_ledger "$2"
}

tools=(plan sqlx dbmate b c)
databases=(plan sqlx dbmate b c warm)
for run in $(seq 1 "$runs"); do
    for database in "${databases[@]}"; do sql postgres "CREATE DATABASE ${database}_$run"; done
    psql -X -q -h "$work" -U postgres -d "warm_$run" -v ON_ERROR_STOP=1 -f "$work/floors/apply.sql" >/dev/null
    for step in apply status rollback; do
        for i in 0 1 2 3 4; do
            tool=${tools[$(((run + i) % 5))]}
            # The floors' status is one psql query, (b)'s; (c) has nothing else to show.
            if [ "$step-$tool" != status-c ]; then step "$step" "$tool" "$run"; fi
        done
        if [ "$step" = apply ]; then check "$run" "$count"; fi
    done
    check "$run" 0
    for database in "${databases[@]}"; do sql postgres "DROP DATABASE ${database}_$run"; done
done

echo "migrations: $count, runs: $runs (tools in rotating order); plan $(git rev-parse --short HEAD), sqlx-cli $SQLX_VERSION, dbmate $DBMATE_VERSION;" \
    "$(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC');$(uptime | sed 's/.*,  *load/ load/')"
echo "medians in ms (ratio to floor (c) for apply and rollback, to the psql ledger query for status)"
printf '%-22s %9s %7s %9s %7s %9s %7s %10s\n' tool apply /c status /psql rollback /c "apply RSS"
for tool in plan sqlx dbmate b c; do
    case "$tool" in
        b) name="(b) psql -f" ;;
        c) name="(c) one message each" ;;
        *) name=$tool ;;
    esac
    status_ms=-
    status_ratio=-
    if [ "$tool" != c ]; then
        status_ms=$(median_ms "$results" "status-$tool")
        status_ratio=$(median_ratio "$results" "status-$tool" status-b)
    fi
    printf '%-22s %9s %7s %9s %7s %9s %7s %7s MB\n' "$name" \
        "$(median_ms "$results" "apply-$tool")" "$(median_ratio "$results" "apply-$tool" apply-c)" \
        "$status_ms" "$status_ratio" \
        "$(median_ms "$results" "rollback-$tool")" "$(median_ratio "$results" "rollback-$tool" rollback-c)" \
        "$(peak_mb "$results" "apply-$tool")"
done
echo "ratios: median of the per-run ratios. dbmate's rollback is $count invocations of \`dbmate rollback\` (one migration each)."
