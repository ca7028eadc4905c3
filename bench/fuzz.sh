#!/usr/bin/env bash
# Fuzzes project loading (fuzz/fuzz_targets/load_project.rs) with cargo-fuzz (libFuzzer) for
# SECONDS seconds (default 600), then prints the corpus size, executions per second and any
# crash. See docs/performance.md ("Fuzzing").
#
#   bench/fuzz.sh [SECONDS]
#
# cargo-fuzz is installed from crates.io into $CARGO_FUZZ_ROOT (default /tmp/cargo-fuzz) when
# not already there. It needs nightly features (sanitizers, -Z flags); on a stable toolchain the
# script sets RUSTC_BOOTSTRAP=1, as cargo-fuzz itself cannot. The target builds into
# fuzz/target (its own workspace: the repository's cargo test and clippy never build it).
#
# Seed corpus: every fixture under tests/fixtures, the worked example (plan.yaml, migrations/),
# the example projects, and the worked example's migrations one by one with its plan.yaml,
# each written as the target reads input: `path\ncontent` per file, files separated by NUL.
# New inputs go to fuzz/corpus/load_project (kept between runs, not committed); crashes to
# fuzz/artifacts/load_project. The fuzzer runs under `nice`, and a hard `timeout` stops it
# two minutes after SECONDS whatever happens.
set -euo pipefail

SECONDS_TO_RUN="${1:-600}"
if ! [[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ && "$SECONDS_TO_RUN" -ge 1 ]]; then
    echo "usage: bench/fuzz.sh [SECONDS]" >&2
    exit 2
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
CARGO_FUZZ_ROOT="${CARGO_FUZZ_ROOT:-/tmp/cargo-fuzz}"
export PATH="$CARGO_FUZZ_ROOT/bin:$PATH"

if ! cargo fuzz --version >/dev/null 2>&1; then
    nice -n 10 cargo install --locked cargo-fuzz --root "$CARGO_FUZZ_ROOT"
fi
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-fuzz.XXXXXX")"
FUZZ_PID=""
cleanup() {
    if [ -n "$FUZZ_PID" ]; then kill -- "$FUZZ_PID" 2>/dev/null || true; fi
    rm -rf -- "$WORK"
    if [ -n "${PGPLAN_FUZZ_DIR:-}" ]; then rm -rf -- "$PGPLAN_FUZZ_DIR"; fi
}
trap cleanup EXIT

# One seed: the regular files under DIR (relative paths, sorted; PATHS limits them) as input.
seed() {
    local out="$1" dir="$2"
    shift 2
    (
        cd "$dir"
        find "$@" -type f | sort | while read -r path; do
            printf '%s\n' "${path#./}"
            cat -- "$path"
            printf '\0'
        done
    ) >"$out"
}

SEEDS="$WORK/seeds"
mkdir -p "$SEEDS"
for fixture in tests/fixtures/*/; do
    seed "$SEEDS/fixture-$(basename "$fixture")" "$fixture" .
done
seed "$SEEDS/worked-example" . plan.yaml migrations
for migration in migrations/*.sql; do
    seed "$SEEDS/worked-$(basename "$migration" .sql)" . plan.yaml "$migration"
done
for project in examples/*/project/; do
    seed "$SEEDS/example-$(basename "$(dirname "$project")")" "$project" .
done

CORPUS="fuzz/corpus/load_project"
ARTIFACTS="fuzz/artifacts/load_project"
mkdir -p "$CORPUS" "$ARTIFACTS"
before="$(find "$ARTIFACTS" -type f | wc -l)"

(cd fuzz && nice -n 10 cargo fuzz build -O load_project)

echo "fuzzing for $SECONDS_TO_RUN s: $(ls "$SEEDS" | wc -l) seeds, $(find "$CORPUS" -type f | wc -l) inputs already in $CORPUS"
echo "code: $(git describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); $(date -u '+%Y-%m-%d %H:%M UTC')"

# The target writes each input's files under PGPLAN_FUZZ_DIR (in memory when /dev/shm is
# there: a disk write per execution would be most of the time); the trap removes them.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    PGPLAN_FUZZ_DIR="$(mktemp -d /dev/shm/plan-fuzz.XXXXXX)"
else
    PGPLAN_FUZZ_DIR="$WORK/projects"
    mkdir -p "$PGPLAN_FUZZ_DIR"
fi
export PGPLAN_FUZZ_DIR
status=0
(
    cd fuzz
    exec timeout --kill-after=10 "$((SECONDS_TO_RUN + 120))" nice -n 19 \
        cargo fuzz run -O load_project "corpus/load_project" "$SEEDS" -- \
        -max_total_time="$SECONDS_TO_RUN" -timeout=10 -max_len=65536 \
        -artifact_prefix="$ROOT/$ARTIFACTS/" -print_final_stats=1
) >"$WORK/fuzz.log" 2>&1 &
FUZZ_PID=$!
wait "$FUZZ_PID" || status=$?
FUZZ_PID=""

echo
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^Done |stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|ERROR|panicked|SUMMARY' "$WORK/fuzz.log" || true
after="$(find "$ARTIFACTS" -type f | wc -l)"
echo
echo "corpus: $(find "$CORPUS" -type f | wc -l) inputs, $(du -sh "$CORPUS" | cut -f1) in $CORPUS"
echo "crashes: $((after - before)) new in $ARTIFACTS (exit status $status)"
if [ "$status" -ne 0 ]; then
    tail -n 60 "$WORK/fuzz.log"
    exit 1
fi
