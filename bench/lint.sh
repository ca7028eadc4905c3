#!/usr/bin/env bash
# Times `plan lint` (offline) on generated projects of N migrations (default 10,000) against
# `plan show` of the same project and `cat` of its files, in one run. See docs/performance.md
# ("plan lint").
#
#   bench/lint.sh [N]          RUNS=9 bench/lint.sh 10000
#
# Builds the release binary and the generator (bench/generate.rs), writes two projects (random
# dependencies, one CREATE TABLE each; --rich, five statements each: SET search_path, a table
# with foreign keys, a partial index, a COMMENT, a view), then per project RUNS rounds (default
# 7) after one untimed warm-up of each command, rotating which command goes first. `lint` runs
# with --fail-on error so that its exit code does not stop the script (the rich project's
# foreign keys are warnings). Wall times from bash's EPOCHREALTIME around each process, output
# to /dev/null. Prints the medians and lint/show, lint/cat.
set -euo pipefail

N="${1:-10000}"
RUNS="${RUNS:-7}"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! [[ "$N" =~ ^[0-9]+$ && "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]]; then
    echo "usage: [RUNS=7] bench/lint.sh [N]" >&2
    exit 2
fi

cargo build --release --quiet --bin plan --example generate
PLAN=target/release/plan
GENERATE=target/release/examples/generate

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-bench-lint.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

"$GENERATE" "$WORK/graph" "$N" >/dev/null
"$GENERATE" "$WORK/rich" "$N" --rich >/dev/null

# Milliseconds one run of command $1 on project $2 takes.
time_case() {
    local start end
    start=$EPOCHREALTIME
    case "$1" in
        cat) cat "$2"/migrations/* >/dev/null ;;
        show) "$PLAN" show --dir "$2" >/dev/null ;;
        lint) "$PLAN" lint --fail-on error --dir "$2" >/dev/null || true ;;
    esac
    end=$EPOCHREALTIME
    echo "$(( (${end/./} - ${start/./}) / 1000 ))"
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "plan: $PLAN ($(git rev-parse --short HEAD)), N=$N, RUNS=$RUNS"
printf '%-7s %8s %8s %8s %9s %9s\n' project cat_ms show_ms lint_ms lint/show lint/cat
for project in graph rich; do
    for command in cat show lint; do time_case "$command" "$WORK/$project" >/dev/null; done
    declare -A times=([cat]="" [show]="" [lint]="")
    commands=(cat show lint)
    for ((round = 0; round < RUNS; round++)); do
        for ((i = 0; i < 3; i++)); do
            command="${commands[$(((round + i) % 3))]}"
            times[$command]+="$(time_case "$command" "$WORK/$project") "
        done
    done
    cat_ms=$(tr ' ' '\n' <<<"${times[cat]}" | grep . | median)
    show_ms=$(tr ' ' '\n' <<<"${times[show]}" | grep . | median)
    lint_ms=$(tr ' ' '\n' <<<"${times[lint]}" | grep . | median)
    printf '%-7s %8s %8s %8s %9s %9s\n' "$project" "$cat_ms" "$show_ms" "$lint_ms" \
        "$(awk -v a="$lint_ms" -v b="$show_ms" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="$lint_ms" -v b="$cat_ms" 'BEGIN { printf "%.2f", a / b }')"
done
