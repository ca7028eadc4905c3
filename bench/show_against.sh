#!/usr/bin/env bash
# Times `plan show` of this checkout against another build of `plan` (an older commit's), on
# generated projects of N migrations (default 10,000), alternating the two binaries round by
# round so that both see the same machine. For a change that adds work to `show` (the parser,
# issue 14), the ratio new/old is what the target is about. See docs/performance.md.
#
#   bench/show_against.sh OLD_PLAN [N]          RUNS=9 bench/show_against.sh /tmp/old/plan
#
# To build OLD_PLAN from a commit:
#   git worktree add /tmp/plan-old COMMIT && (cd /tmp/plan-old && cargo build --release --bin plan)
#   OLD_PLAN=/tmp/plan-old/target/release/plan
#
# Builds this checkout's release binary and the generator (bench/generate.rs), writes three
# projects (random dependencies; a plain numbered --sequence; --rich, whose migrations use what
# their dependencies create), then per case RUNS rounds (default 7) after one untimed warm-up of
# each binary. This checkout's `plan check` (which the older build may not have) is timed in the
# same rounds, against the older `show`. Wall times come from bash's EPOCHREALTIME around each
# process; output goes to /dev/null. Prints the medians per case, new/old and check/old.
set -euo pipefail

OLD="${1:-}"
N="${2:-10000}"
RUNS="${RUNS:-7}"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z "$OLD" || ! -x "$OLD" ]] || ! [[ "$N" =~ ^[0-9]+$ && "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]]; then
    echo "usage: [RUNS=7] bench/show_against.sh OLD_PLAN [N]" >&2
    exit 2
fi

cargo build --release --quiet --bin plan --example generate
NEW=target/release/plan
GENERATE=target/release/examples/generate

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-bench-against.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

"$GENERATE" "$WORK/graph" "$N" >/dev/null
"$GENERATE" "$WORK/sequence" "$N" --sequence >/dev/null
"$GENERATE" "$WORK/rich" "$N" --rich >/dev/null

# Milliseconds one `plan $2` (show, check) of project $3 takes with binary $1.
time_plan() {
    local start end
    start=$EPOCHREALTIME
    "$1" "$2" --dir "$3" >/dev/null
    end=$EPOCHREALTIME
    echo "$(( (${end/./} - ${start/./}) / 1000 ))"
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "old: $OLD"
echo "new: $NEW ($(git rev-parse --short HEAD))"
printf '%-9s %9s %9s %9s %9s %9s\n' case old_show new_show new/old new_check check/old
for case in graph sequence rich; do
    time_plan "$OLD" show "$WORK/$case" >/dev/null
    time_plan "$NEW" show "$WORK/$case" >/dev/null
    time_plan "$NEW" check "$WORK/$case" >/dev/null
    old_times=()
    new_times=()
    check_times=()
    for ((round = 0; round < RUNS; round++)); do
        # Rotate which command goes first.
        case $((round % 3)) in
            0)
                old_times+=("$(time_plan "$OLD" show "$WORK/$case")")
                new_times+=("$(time_plan "$NEW" show "$WORK/$case")")
                check_times+=("$(time_plan "$NEW" check "$WORK/$case")")
                ;;
            1)
                new_times+=("$(time_plan "$NEW" show "$WORK/$case")")
                check_times+=("$(time_plan "$NEW" check "$WORK/$case")")
                old_times+=("$(time_plan "$OLD" show "$WORK/$case")")
                ;;
            *)
                check_times+=("$(time_plan "$NEW" check "$WORK/$case")")
                old_times+=("$(time_plan "$OLD" show "$WORK/$case")")
                new_times+=("$(time_plan "$NEW" show "$WORK/$case")")
                ;;
        esac
    done
    old_median=$(printf '%s\n' "${old_times[@]}" | median)
    new_median=$(printf '%s\n' "${new_times[@]}" | median)
    check_median=$(printf '%s\n' "${check_times[@]}" | median)
    printf '%-9s %9s %9s %9s %9s %9s\n' "$case" "$old_median" "$new_median" \
        "$(awk -v o="$old_median" -v n="$new_median" 'BEGIN { printf "%.2f", n / o }')" \
        "$check_median" \
        "$(awk -v o="$old_median" -v n="$check_median" 'BEGIN { printf "%.2f", n / o }')"
done
