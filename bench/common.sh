# shellcheck shell=bash
# Sourced by bench/apply.sh, status.sh, show.sh and peers.sh: timing one command, medians and
# ratios, and writing the psql floors. Needs GNU time at /usr/bin/time for peak RSS.
#
#   need_gnu_time                       exits 2 with how to install it when missing
#   timed FILE LABEL RUN COMMAND …      runs COMMAND once, stdout to /dev/null, appends
#                                       "LABEL RUN MS RSS_KB" to FILE; a failure prints its
#                                       stderr and exits 1
#   median_ms FILE LABEL                median wall time of LABEL, in ms (of an even count: the
#                                       mean of the middle two)
#   peak_mb FILE LABEL                  largest peak RSS of LABEL, in MB
#   median_ratio FILE A B               median over runs of A's time / B's time in that run
#   write_floors PROJECT OUT            the floors of a project made by generate --rollback

TIME=/usr/bin/time
export LC_ALL=C # EPOCHREALTIME with a decimal point, whatever the user's locale.

need_gnu_time() {
    if ! "$TIME" -f '%M' true >/dev/null 2>&1; then
        echo "GNU time is needed at $TIME for peak RSS (Debian/Ubuntu: apt-get install time)" >&2
        exit 2
    fi
}

timed() {
    local file=$1 label=$2 run=$3 start end rss
    shift 3
    local scratch
    scratch=$(dirname "$file")
    start=$EPOCHREALTIME
    if ! "$TIME" -o "$scratch/rss" -f '%M' "$@" >/dev/null 2>"$scratch/stderr"; then
        echo "$label (run $run) failed: $*" >&2
        cat "$scratch/stderr" "$scratch/rss" >&2
        exit 1
    fi
    end=$EPOCHREALTIME
    rss=$(tail -1 "$scratch/rss")
    # Microseconds from the two timestamps (both have six decimals), printed as ms.
    echo "$label $run $(awk -v us="$((${end/./} - ${start/./}))" 'BEGIN { printf "%.1f", us / 1000 }') $rss" >>"$file"
}

median_ms() {
    awk -v label="$2" '$1 == label { print $3 }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) printf "%.1f\n", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2; else print "-" }'
}

peak_mb() {
    awk -v label="$2" '$1 == label && $4 > peak { peak = $4 } END { printf "%.1f", peak / 1024 }' "$1"
}

median_ratio() {
    awk -v a="$2" -v b="$3" '
        $1 == a { ta[$2] = $3 }
        $1 == b { tb[$2] = $3 }
        END { for (run in ta) if ((run in tb) && tb[run] > 0) printf "%.3f\n", ta[run] / tb[run] }' "$1" |
        sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2; else print "-" }'
}

# The times of LABEL, run by run, on one line.
runs_of() {
    awk -v label="$2" '$1 == label { printf "%s%s", sep, $3; sep = " " } END { print "" }' "$1"
}

# The floors for PROJECT's migrations (NNN_mN.sql, each with NNN_mN_rollback.sql beside it):
#   OUT/apply.sql       psql -f: for each migration, BEGIN; the file; a ledger insert; COMMIT;
#                       sent statement by statement (floor b)
#   OUT/apply.msgs      the same text, one NUL-separated message per migration, for
#                       bench/floor.rs to send as one simple-query message each (floor c)
#   OUT/rollback.sql    in reverse order: BEGIN; the rollback file; the ledger delete; COMMIT;
#   OUT/rollback.msgs   the same, one message per migration
# The apply files start with the CREATE TABLE of the ledger, floor_ledger; checksums are the
# files' SHA-256.
write_floors() {
    local migrations=$1/migrations out=$2
    mkdir -p "$out"
    sha256sum -- "$migrations"/*[0-9].sql >"$out/checksums"
    awk -v out="$out" '
        function slurp(path,    text, line) {
            text = ""
            while ((getline line < path) > 0) text = text line "\n"
            close(path)
            return text
        }
        BEGIN {
            ledger = "CREATE TABLE floor_ledger (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());"
            print ledger > (out "/apply.sql")
            printf "%s%c", ledger, 0 > (out "/apply.msgs")
        }
        {
            checksum = $1
            path = substr($0, 67)
            id = path
            sub(/.*\//, "", id)
            sub(/\.sql$/, "", id)
            insert = "INSERT INTO floor_ledger (id, checksum) VALUES (\047" id "\047, \047" checksum "\047);"
            body = slurp(path)
            printf "BEGIN;\n%s%s\nCOMMIT;\n", body, insert > (out "/apply.sql")
            printf "BEGIN;\n%s%s\nCOMMIT;%c", body, insert, 0 > (out "/apply.msgs")
            rollback = path
            sub(/\.sql$/, "_rollback.sql", rollback)
            ids[NR] = id
            rollbacks[NR] = slurp(rollback)
        }
        END {
            for (i = NR; i >= 1; i--) {
                delete_row = "DELETE FROM floor_ledger WHERE id = \047" ids[i] "\047;"
                printf "BEGIN;\n%s%s\nCOMMIT;\n", rollbacks[i], delete_row > (out "/rollback.sql")
                printf "BEGIN;\n%s%s\nCOMMIT;%c", rollbacks[i], delete_row, 0 > (out "/rollback.msgs")
            }
        }' "$out/checksums"
}
