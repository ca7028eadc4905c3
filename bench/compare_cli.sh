#!/usr/bin/env bash
# Compares what two builds of `plan` print, command by command: for a change meant to leave
# behaviour alone (a refactoring), every line should read `same`. Not a benchmark; it lives
# here beside compare_apply.sh, which compares the two builds' speed.
#
#   bench/compare_cli.sh OLD_PLAN NEW_PLAN
#
# OLD_PLAN and NEW_PLAN are paths to `plan` binaries (e.g. a build of an earlier commit in a
# git worktree, and target/debug/plan). Part one runs the commands that need no database on
# every fixture, the examples' projects and the worked example. Part two runs one sequence of
# commands on the worked example (apply, status, check-schema, rollbacks, production with its
# confirmation and backups, accept) against two fresh databases of one throwaway cluster, old
# on one, new on the other. Exit code, stdout and stderr are compared after replacing times,
# durations, the database name and the backup folder. Prints each difference and a count;
# exits 1 if anything differs.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
cd "$(dirname "$0")/.."
# shellcheck source=bench/cluster.sh
source bench/cluster.sh
start_cluster compare_cli
export NO_COLOR=1
out="$work/out"
mkdir -p "$out"
compared=0
differing=0

# The same output from the two binaries, whatever varies from run to run.
normalise() {
    sed -i -E \
        -e 's/cmp_(old|new)/cmp_X/g' \
        -e "s#$work/backup-(old|new)#BACKUP#g" \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]+( UTC|Z|\+00)?/TIME/g' \
        -e 's/[0-9]{8}T[0-9]{6}Z/STAMP/g' \
        -e 's/[0-9.]+ ?ms/N ms/g' \
        -e 's/_ms": ?[0-9]+/_ms":N/g' \
        -e 's/[0-9][0-9.]*s\b/Ns/g' \
        -e 's/[0-9]+ bytes/N bytes/g' \
        "$@"
}

# compare NAME: the two runs' files differ?
compare() {
    local name=$1
    compared=$((compared + 1))
    if ! cmp -s "$out/old.out" "$out/new.out" || ! cmp -s "$out/old.err" "$out/new.err" ||
        ! cmp -s "$out/old.code" "$out/new.code"; then
        differing=$((differing + 1))
        echo "DIFF $name"
        diff "$out/old.code" "$out/new.code" | sed 's/^/  exit /' || true
        diff "$out/old.out" "$out/new.out" | head -6 | sed 's/^/  /' || true
        diff "$out/old.err" "$out/new.err" | head -6 | sed 's/^/  /' || true
    fi
}

# The binaries run under one name, so that usage lines print the same.
mkdir -p "$work/old" "$work/new"
cp "$old" "$work/old/plan"
cp "$new" "$work/new/plan"

# Part one: no database (commands that need one fail the same way: PGHOST points nowhere).
for dir in tests/fixtures/*/ examples/service/project/ examples/custom_plan/project/ ./; do
    for command in "show" "show --format json" "graph" "graph --format mermaid" \
        "show --env production" "status" "apply --dry-run"; do
        for which in old new; do
            # shellcheck disable=SC2086
            PGHOST=/nonexistent "$work/$which/plan" $command --dir "$dir" \
                >"$out/$which.out" 2>"$out/$which.err" && echo 0 >"$out/$which.code" ||
                echo $? >"$out/$which.code"
            normalise "$out/$which.out" "$out/$which.err"
        done
        compare "$dir: $command"
    done
done

# Part two: one sequence on the worked example, old and new each on a database of their own.
psql_admin() { "$bindir/psql" -h "$work" -U postgres -X -q -d postgres "$@"; }
for which in old new; do
    psql_admin -c "CREATE DATABASE cmp_$which" >/dev/null
    mkdir -p "$work/backup-$which"
done
while IFS= read -r command; do
    for which in old new; do
        url="postgresql://postgres@/cmp_$which?host=$work"
        # shellcheck disable=SC2086
        "$work/$which/plan" ${command//BACKUP/$work/backup-$which} --database-url "$url" </dev/null \
            >"$out/$which.out" 2>"$out/$which.err" && echo 0 >"$out/$which.code" ||
            echo $? >"$out/$which.code"
        normalise "$out/$which.out" "$out/$which.err"
    done
    compare "worked example: $command"
done <<'STEPS'
status
status --format json
apply --dry-run
apply --to 002
status
check-schema
check-schema --format json
apply
status --format json
rollback --last-batch --dry-run
rollback 003_user_management_and_permissions --dry-run
rollback --last-batch
status
apply
apply --env production
apply --env production --yes
apply --env production --yes --backup-dir BACKUP
status
status --env production
rollback --last-batch --env production --yes
rollback --last-batch --env production --yes --backup-dir BACKUP
status --format json
apply --to nonexistent
accept 002_platform_billing_schema --reason test
STEPS

echo "$compared commands compared, $differing differ"
[ "$differing" = 0 ]
