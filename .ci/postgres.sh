#!/usr/bin/env bash
# A throw-away PostgreSQL server for the store's tests.
#
#   export VISIT_PLANNER_TEST_PG_URL="$(.ci/postgres.sh start)"   # prints the URL, nothing else
#   .venv/bin/python -m pytest
#   .ci/postgres.sh stop
#
# `start [PORT]` makes a new cluster in a temp dir under /tmp (initdb as the `postgres` user when
# run as root, trust auth, superuser `vp`), listening on 127.0.0.1 only (default port 55432),
# with its socket in that dir, and prints postgresql+psycopg://vp@127.0.0.1:PORT/postgres.
# Starting again while it runs just prints the URL. `stop [PORT]` stops it and removes the dir.
# Installs nothing: it needs the Debian `postgresql` package (apt-get install -y postgresql).
# Durability is off (fsync=off): the data is thrown away at the end.
set -euo pipefail

cmd="${1:-}"
port="${2:-55432}"
state="/tmp/visit-planner-pg-${port}.dir"
url="postgresql+psycopg://vp@127.0.0.1:${port}/postgres"

die() { echo "postgres.sh: $*" >&2; exit 1; }

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || die \
        "no initdb/pg_ctl under /usr/lib/postgresql/*/bin: install the Debian package first" \
        "(apt-get update && apt-get install -y postgresql)"
    echo "$dir"
}

# Run a command as the cluster's owner: `postgres` when we are root (the server refuses root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

start() {
    local bin dir
    bin=$(pg_bin)
    if [ -f "$state" ]; then
        dir=$(cat "$state")
        if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
            echo "$url"
            return
        fi
        rm -rf "$dir" "$state"
    fi
    dir=$(mktemp -d /tmp/visit-planner-pg.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' account (it comes with the postgresql package)"
        chown postgres: "$dir"
    fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -A trust -U vp -E UTF8 --no-sync \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        die "initdb failed"
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >/dev/null; then
        cat "$dir/server.log" >&2 || true
        rm -rf "$dir"
        die "the server did not start on 127.0.0.1:${port} (port in use?)"
    fi
    echo "$dir" >"$state"
    echo "$url"
}

stop() {
    local bin dir
    [ -f "$state" ] || { echo "postgres.sh: no server of ours on port ${port}" >&2; return; }
    dir=$(cat "$state")
    bin=$(pg_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$state"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 start|stop [PORT]" ;;
esac
