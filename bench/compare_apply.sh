#!/usr/bin/env bash
# Compares two builds of `plan apply` with each other rather than with psql: the floor moves by
# up to 2x from run to run on these machines, two plan binaries on the same project much less.
#
#   bench/compare_apply.sh OLD_PLAN NEW_PLAN [N] [RUNS]   (defaults: 1000 migrations, 12 runs)
#
# OLD_PLAN and NEW_PLAN are paths to `plan` binaries (e.g. a release build of an earlier commit
# in a git worktree, and target/release/plan). Both apply the same generated numbered project
# into fresh databases of one throwaway cluster, alternating, each after a CHECKPOINT; prints
# every run, the medians and their ratio.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
count=${3:-1000}
runs=${4:-12}
cd "$(dirname "$0")/.."

cargo build --release --quiet --example generate
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster compare -c autovacuum=off

project="$work/project"
target/release/examples/generate "$project" "$count" --sequence >/dev/null
psql_admin() { "$bindir/psql" -h "$work" -U postgres -X -q -d postgres "$@"; }

declare -A times=([old]="" [new]="")
for run in $(seq 1 "$runs"); do
    for which in old new; do
        binary=$old
        [ "$which" = new ] && binary=$new
        database="compare_${which}_$run"
        psql_admin -c "CREATE DATABASE $database" -c "CHECKPOINT"
        started=$EPOCHREALTIME
        (cd "$project" && "$binary" apply --database-url "postgresql:///$database?host=$work&user=postgres" >/dev/null)
        ended=$EPOCHREALTIME
        times[$which]+="$(echo "($ended - $started) * 1000 / 1" | bc) "
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
old_median=$(echo "${times[old]}" | median)
new_median=$(echo "${times[new]}" | median)
echo "migrations: $count, runs: $runs (alternating)"
echo "old (ms): ${times[old]} median $old_median"
echo "new (ms): ${times[new]} median $new_median"
echo "ratio new/old (medians): $(echo "scale=3; $new_median / $old_median" | bc)"
