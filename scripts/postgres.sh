#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 server for tests and benchmarks, and stops it.
#
#   scripts/postgres.sh start DIR PORT   # cluster under DIR (made on the first start), on 127.0.0.1:PORT; prints the URL
#   scripts/postgres.sh stop DIR
#
# The cluster trusts loopback connections and has a database and role named virtmon. PostgreSQL will not run
# as root, so as root it runs as the postgres user. Its PID is in DIR/postgres.pid.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    dir=$2; port=$3
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    # Started again on a DIR it stopped (a database outage and its return): the cluster and its data are kept.
    fresh=true
    [ -d "$dir/data" ] && fresh=false
    if $fresh; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C.UTF-8 --encoding=UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    head -1 "$dir/data/postmaster.pid" > "$dir/postgres.pid"
    if $fresh; then
      as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE ROLE virtmon LOGIN SUPERUSER" -c "CREATE DATABASE virtmon OWNER virtmon" >/dev/null
    fi
    echo "postgres://virtmon@127.0.0.1:$port/virtmon"
    ;;
  stop)
    dir=$2
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: scripts/postgres.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
