#!/usr/bin/env bash
# Times what the PostgreSQL parser adds to `plan show` on a generated project of N migrations
# (default 10,000), against the floor of reading the files, in one run. See docs/performance.md
# ("The parser").
#
#   bench/parse.sh [N]          RUNS=11 bench/parse.sh 10000
#
# Builds the release binary, the generator (bench/generate.rs) and bench/parse.rs, writes one
# project with random dependencies whose migrations use what their dependencies create
# (`generate DIR N --rich`: a table with a foreign key to each dependency's table, an index, a
# comment, a view joining a dependency's table, after a `SET search_path`), then RUNS rounds
# (default 7), each timing, in a rotating order so that no case always goes first:
#   cat     `cat` of every file of the project (the floor: process start, open, read)
#   show    `plan show` (today's command, output to /dev/null)
#   parse   bench/parse.rs: loading the project as `show` does, then the parser over every
#           migration (`sql::effects_of`, what `plan check` adds); it reports the parser's
#           own time, measured inside the process, apart from loading
# after one untimed warm-up of each (so the files are in the page cache). Wall times come from
# bash's EPOCHREALTIME around each process. Prints every round, then the medians and ratios.
set -euo pipefail

N="${1:-10000}"
RUNS="${RUNS:-7}"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! [[ "$N" =~ ^[0-9]+$ && "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]]; then
    echo "usage: [RUNS=7] bench/parse.sh [N]" >&2
    exit 2
fi

cargo build --release --quiet --bin plan --example generate --example parse
PLAN=target/release/plan
GENERATE=target/release/examples/generate
PARSE=target/release/examples/parse

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-bench-parse.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

"$GENERATE" "$WORK/project" "$N" --rich
FILES=("$WORK"/project/migrations/*)

# Milliseconds since `start` (an EPOCHREALTIME value).
since() {
    awk -v start="$1" -v end="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (end - start) * 1000 }'
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

run_case() {
    local start
    case "$1" in
        cat)
            start="$EPOCHREALTIME"
            cat -- "${FILES[@]}" >/dev/null
            echo "$(since "$start")" >>"$WORK/cat"
            ;;
        show)
            start="$EPOCHREALTIME"
            "$PLAN" show --dir "$WORK/project" >/dev/null
            echo "$(since "$start")" >>"$WORK/show"
            ;;
        parse)
            local line
            start="$EPOCHREALTIME"
            line="$("$PARSE" "$WORK/project")"
            echo "$(since "$start")" >>"$WORK/parse_wall"
            read -r load_ms parse_ms migrations bytes found <<<"$line"
            echo "$parse_ms" >>"$WORK/parse"
            echo "$load_ms" >>"$WORK/load"
            ;;
    esac
}

# Warm-up, untimed; also checks that the project is valid and the parser found something.
cat -- "${FILES[@]}" >/dev/null
"$PLAN" show --dir "$WORK/project" >/dev/null
read -r _ _ migrations bytes found <<<"$("$PARSE" "$WORK/project")"

echo "plan show and the parser on $migrations migrations ($((bytes / 1024)) KiB of files; the parser found $found statements and objects), $RUNS rounds"
echo "code: $(git describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
cases=(cat show parse)
for ((run = 0; run < RUNS; run++)); do
    for ((index = 0; index < 3; index++)); do
        run_case "${cases[$(((run + index) % 3))]}"
    done
    printf 'round %2d: cat %7s ms   show %7s ms   parse process %7s ms (load %7s, parser %7s)\n' \
        "$((run + 1))" "$(tail -n1 "$WORK/cat")" "$(tail -n1 "$WORK/show")" \
        "$(tail -n1 "$WORK/parse_wall")" "$(tail -n1 "$WORK/load")" "$(tail -n1 "$WORK/parse")"
done

cat_ms="$(median <"$WORK/cat")"
show_ms="$(median <"$WORK/show")"
wall_ms="$(median <"$WORK/parse_wall")"
load_ms="$(median <"$WORK/load")"
parse_ms="$(median <"$WORK/parse")"
echo
echo "medians of $RUNS rounds:"
echo "| case | ms | × cat |"
echo "|---|---|---|"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "| cat of every file (floor) | $cat_ms | 1.00 |"
echo "| plan show | $show_ms | $(ratio "$show_ms" "$cat_ms") |"
echo "| parse process: load + parser, wall | $wall_ms | $(ratio "$wall_ms" "$cat_ms") |"
echo "| … of which loading | $load_ms | |"
echo "| … of which the parser over every migration | $parse_ms | |"
echo
echo "the parser adds $(awk -v p="$parse_ms" -v s="$show_ms" 'BEGIN { printf "%.1f %%", 100 * p / s }') to plan show" \
    "($parse_ms ms on $show_ms ms; target: at most 30 %)"
