#!/usr/bin/env bash
# Starts a throwaway RabbitMQ broker for tests and benchmarks, and stops it. Starting again on the same DIR
# keeps its durable queues and messages (a broker outage and its return, as tests need).
#
#   scripts/rabbitmq.sh start DIR PORT   # node listening on 127.0.0.1:PORT; prints amqp://guest:guest@127.0.0.1:PORT/
#   scripts/rabbitmq.sh stop DIR
#   scripts/rabbitmq.sh ctl DIR ARGS…    # rabbitmqctl against that node (list_queues, …)
#
# The broker runs as root straight from /usr/lib/rabbitmq/bin (Debian's wrapper would switch to the rabbitmq
# user), with its own epmd port, node name, Erlang cookie (HOME) and directories under DIR. Its PID is in
# DIR/rabbitmq.pid (the broker's own, not a wrapper's).
set -euo pipefail
bin=/usr/lib/rabbitmq/bin
[ -x "$bin/rabbitmq-server" ] || { echo "rabbitmq.sh: $bin/rabbitmq-server not found (apt-get install rabbitmq-server)" >&2; exit 1; }

environment() {
  dir=$1
  port=$(cat "$dir/port")
  export HOME=$dir/home RABBITMQ_NODE_PORT=$port RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODENAME="virtmon$port@localhost" RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log
  export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_PID_FILE=$dir/rabbitmq.pid
  export RABBITMQ_DIST_PORT=$((port + 20000)) ERL_EPMD_PORT=$((port + 20001))
  export RABBITMQ_CONFIG_FILE=$dir/rabbitmq RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config
}

case "${1:-}" in
  start)
    dir=$2
    mkdir -p "$dir/home" "$dir/log" "$dir/mnesia"
    echo "$3" > "$dir/port"
    environment "$dir"
    [ -e "$dir/enabled_plugins" ] || echo "[]." > "$dir/enabled_plugins"
    # guest may log in from loopback only, which is where tests are; a quick disk check keeps a full-disk
    # alarm from pausing publishers on a small test machine.
    [ -e "$dir/rabbitmq.conf" ] || printf 'disk_free_limit.absolute = 50MB\nloopback_users.guest = true\n' > "$dir/rabbitmq.conf"
    [ -e "$dir/advanced.config" ] || echo "[]." > "$dir/advanced.config"
    rm -f "$dir/rabbitmq.pid"
    setsid "$bin/rabbitmq-server" >>"$dir/log/console.log" 2>&1 < /dev/null &
    for _ in $(seq 1 240); do
      [ -s "$dir/rabbitmq.pid" ] && break
      sleep 0.25
    done
    [ -s "$dir/rabbitmq.pid" ] || { tail -30 "$dir/log/console.log" >&2; echo "rabbitmq.sh: the broker wrote no PID" >&2; exit 1; }
    "$bin/rabbitmqctl" --timeout 120 wait "$dir/rabbitmq.pid" >/dev/null 2>&1 \
      && "$bin/rabbitmqctl" --timeout 120 await_startup >/dev/null 2>&1 \
      || { tail -30 "$dir/log/console.log" >&2; echo "rabbitmq.sh: the broker did not start" >&2; exit 1; }
    echo "amqp://guest:guest@127.0.0.1:$3/"
    ;;
  stop)
    dir=$2
    [ -e "$dir/port" ] || exit 0
    environment "$dir"
    if [ -s "$dir/rabbitmq.pid" ]; then
      pid=$(cat "$dir/rabbitmq.pid")
      "$bin/rabbitmqctl" --timeout 60 stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/rabbitmq.pid"
    fi
    epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
    ;;
  ctl)
    dir=$2; shift 2
    environment "$dir"
    "$bin/rabbitmqctl" "$@"
    ;;
  *)
    echo "usage: scripts/rabbitmq.sh start DIR PORT | stop DIR | ctl DIR ARGS…" >&2; exit 2 ;;
esac
