#!/usr/bin/env bash
# Times `plan apply` and `plan rollback --last-batch` of N migrations against both floors, in
# one run, on one throwaway cluster (issue 18; docs/performance.md, "plan apply vs psql"):
#
#   (b) psql -f: per migration BEGIN; the file; a ledger insert; COMMIT; statement by statement
#   (c) the same text per migration sent as ONE simple-query message (bench/floor.rs)
#
#   bench/apply.sh [N] [RUNS]      (defaults: 1000 migrations, 7 runs)
#
# Each run creates fresh databases, does one untimed warm-up of floor (b) (whatever ran first
# after CREATE DATABASE was slower by up to 0.8 s), then times the three applies in rotating
# order, each after a CHECKPOINT, checks each ledger holds N rows, and times the three
# rollbacks of all N in rotating order (plan: `rollback --last-batch --yes`; the floors: the
# rollback files in reverse order, each with its ledger delete, the same two ways). The
# cluster runs with fsync and autovacuum off, as the test clusters do, so the numbers measure
# the tools rather than the disk. Prints every run, the medians, the median of the per-run
# ratios plan/(b) and plan/(c), and the largest peak RSS of each (GNU time, %M).
set -euo pipefail

usage() {
    echo "usage: bench/apply.sh [N] [RUNS]   (defaults: 1000 7)" >&2
    exit 2
}
count=${1:-1000}
runs=${2:-7}
[[ "$count" =~ ^[0-9]+$ && "$count" -ge 1 && "$runs" =~ ^[0-9]+$ && "$runs" -ge 1 && $# -le 2 ]] || usage
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
need_gnu_time

cargo build --release --quiet --bin plan --example generate --example floor
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster apply -c autovacuum=off

project="$work/project"
target/release/examples/generate "$project" "$count" --sequence --rollback
write_floors "$project" "$work/floors"
results="$work/results/times"
mkdir -p "$work/results"

sql() { psql -X -qtA -h "$work" -U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }
# CREATE DATABASE forces a checkpoint; a CHECKPOINT before each timed command makes each start
# from the same quiet server instead of paying for the previous one's writes.
quiet() { sql postgres "CHECKPOINT" >/dev/null; }
expect_rows() {
    local rows
    rows=$(sql "$1" "SELECT count(*) FROM $2")
    [ "$rows" = "$3" ] || { echo "$1: $2 holds $rows rows, expected $3" >&2; exit 1; }
}

# One step (apply or rollback) of one tool in run $3, into that run's database of the tool.
step() {
    local step=$1 tool=$2 run=$3
    quiet
    case "$tool" in
        plan)
            local url="postgresql://postgres@/plan_$run?host=$work"
            if [ "$step" = apply ]; then
                timed "$results" "$step-plan" "$run" env DATABASE_URL="$url" target/release/plan apply --dir "$project"
            else
                timed "$results" "$step-plan" "$run" env DATABASE_URL="$url" target/release/plan rollback --last-batch --yes --dir "$project"
            fi
            ;;
        b) timed "$results" "$step-b" "$run" psql -X -q -h "$work" -U postgres -d "b_$run" -v ON_ERROR_STOP=1 -f "$work/floors/$step.sql" ;;
        c) timed "$results" "$step-c" "$run" target/release/examples/floor "host=$work user=postgres dbname=c_$run" "$work/floors/$step.msgs" ;;
    esac
}

tools=(plan b c)
for run in $(seq 1 "$runs"); do
    for database in "plan_$run" "b_$run" "c_$run" "warm_$run"; do sql postgres "CREATE DATABASE $database"; done
    psql -X -q -h "$work" -U postgres -d "warm_$run" -v ON_ERROR_STOP=1 -f "$work/floors/apply.sql" >/dev/null
    # Rotate which tool goes first, so none always runs on a warmer (or busier) server.
    for i in 0 1 2; do step apply "${tools[$(((run + i) % 3))]}" "$run"; done
    expect_rows "plan_$run" plan.migrations "$count"
    expect_rows "b_$run" floor_ledger "$count"
    expect_rows "c_$run" floor_ledger "$count"
    for i in 0 1 2; do step rollback "${tools[$(((run + i + 1) % 3))]}" "$run"; done
    expect_rows "plan_$run" plan.migrations 0
    expect_rows "b_$run" floor_ledger 0
    expect_rows "c_$run" floor_ledger 0
    for database in "plan_$run" "b_$run" "c_$run" "warm_$run"; do sql postgres "DROP DATABASE $database"; done
done

echo "migrations: $count, runs: $runs (tools in rotating order); $(git rev-parse --short HEAD); $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC');$(uptime | sed 's/.*,  *load/ load/')"
echo "(b) psql -f, statement by statement; (c) one simple-query message per migration (bench/floor.rs)"
for step in apply rollback; do
    echo
    printf '%-14s %-s\n' "$step (ms)" "per run"
    for tool in plan b c; do
        printf '  %-12s %s\n' "$tool" "$(runs_of "$results" "$step-$tool")"
    done
    printf '  %-12s plan %s, (b) %s, (c) %s\n' "median" "$(median_ms "$results" "$step-plan")" \
        "$(median_ms "$results" "$step-b")" "$(median_ms "$results" "$step-c")"
    printf '  %-12s plan/(b) %s, plan/(c) %s   (median of the per-run ratios)\n' "ratio" \
        "$(median_ratio "$results" "$step-plan" "$step-b")" "$(median_ratio "$results" "$step-plan" "$step-c")"
    printf '  %-12s plan %s MB, psql %s MB, floor %s MB\n' "peak RSS" "$(peak_mb "$results" "$step-plan")" \
        "$(peak_mb "$results" "$step-b")" "$(peak_mb "$results" "$step-c")"
done
