# shellcheck shell=bash
# Sourced by the benchmarks: starts a throwaway PostgreSQL cluster in a new temporary folder
# and stops and removes it when the script exits.
#
#   start_cluster NAME [SETTING …]    e.g. start_cluster apply -c autovacuum=off
#
# Sets `work` (the folder, also the socket directory; under $TMPDIR, else /dev/shm, else /tmp)
# and `bindir`. The server runs with fsync
# off, as the test clusters do, so the numbers measure plan rather than the disk; as root, it
# runs as the `postgres` user, since PostgreSQL refuses to run as root.

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_cluster() {
    local name=$1
    shift
    bindir=${PG_BINDIR:-$(pg_config --bindir)}
    # On a tmpfs where there is one (/dev/shm) unless TMPDIR says otherwise: with fsync off the
    # server's files still go to disk in the background, and on a disk that writeback made the
    # floors vary by up to 3x within one run (docs/performance.md).
    local base=${TMPDIR:-/dev/shm}
    [ -d "$base" ] && [ -w "$base" ] || base=/tmp
    work=$(mktemp -d "$base/plan-bench-$name.XXXXXX")
    chmod 755 "$work"
    if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
    trap stop_cluster EXIT
    as_postgres "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
    as_postgres "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
        -o "-k $work -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off $*" \
        start >/dev/null
}

stop_cluster() {
    as_postgres "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
