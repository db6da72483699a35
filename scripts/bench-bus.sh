#!/usr/bin/env bash
# Benchmark (not a test): what the message bus costs. The same signed batches of 1000 samples reach one
# collector three ways, in one run on this machine:
#   http      client → POST /api/v1/batches → collector (SQLite)
#   amqp      client → RabbitMQ (persistent, publisher confirms) → collector (SQLite), acked after the commit
#   amqp+pg   client → RabbitMQ → collector → PostgreSQL
#   amqp+pg×3 client → RabbitMQ → three collectors consuming one queue → one PostgreSQL database
# and prints, per 1,000 samples, the collector's CPU, the broker's and PostgreSQL's, and the rate.
#
#   bash scripts/bench-bus.sh [SAMPLES]      (default 300000)
#
# CPU is utime+stime from /proc between the first batch sent and the last sample committed (the collector's
# virtmon_collector_samples_stored_total reaches SAMPLES). The AMQP client is py-amqp (oslo.messaging's own
# dependency), installed from PyPI into .build/oslo-venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${1:-300000}"
. scripts/measure.sh
bin=$(release_virtmon)

python=.build/oslo-venv/bin/python
if ! "$python" -c 'import amqp' 2>/dev/null; then
  echo "installing py-amqp into .build/oslo-venv..." >&2
  python3 -m venv .build/oslo-venv && .build/oslo-venv/bin/pip install -q --disable-pip-version-check amqp
fi

work=$(mktemp -d /tmp/virtmon-bench-bus.XXXXXX)
chmod 755 "$work"
collector=""
cleanup() {
  [ -n "$collector" ] && kill $collector 2>/dev/null || true
  bash scripts/rabbitmq.sh stop "$work/rabbitmq" >/dev/null 2>&1 || true
  bash scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
secret=bench-secret

# A broker port P with P+20000 and P+20001 free too (its Erlang distribution and epmd ports).
broker_port=$(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try: s.bind(("127.0.0.1", p)); return True
    except OSError: return False
    finally: s.close()
while True:
    p = random.randrange(10000, 40000)
    if all(free(q) for q in (p, p + 20000, p + 20001)): print(p); break
PY
)
echo "starting RabbitMQ on $broker_port..." >&2
broker_url=$(bash scripts/rabbitmq.sh start "$work/rabbitmq" "$broker_port")
broker_pid=$(cat "$work/rabbitmq/rabbitmq.pid")

cat > "$work/feed.py" <<'PY'
import hashlib, hmac, http.client, json, sys, time, uuid
from datetime import datetime, timezone, timedelta
mode, target, secret, total = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
per_batch = 1000
meters = [("bench.cpu_util", "%"), ("bench.memory.usage", "MB"), ("bench.disk.read.bytes", "B"),
          ("bench.network.incoming.bytes", "B"), ("bench.vcpus", "vcpu")]
start = datetime.now(timezone.utc) - timedelta(hours=24)
step = 86400.0 / total
def ts(d): return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
def body(seq):
    samples = []
    for i in range(per_batch):
        n = seq * per_batch + i
        meter, unit = meters[n % len(meters)]
        samples.append({"counter_name": meter, "counter_type": "gauge", "counter_unit": unit,
            "counter_volume": (n * 7919) % 1000 / 10.0, "resource_id": "vm-%03d" % ((n // len(meters)) % 200),
            "project_id": "p%d" % (n % 7), "user_id": None, "timestamp": ts(start + timedelta(seconds=n * step)),
            "resource_metadata": {"flavor": "m1.small", "host": "compute-%d" % (n % 4)}, "source": "bench",
            "message_id": str(uuid.uuid4())})
    return json.dumps({"version": 1, "agent": "bench-" + mode, "host": "bench", "seq": seq + 1,
        "sent_at": ts(datetime.now(timezone.utc)), "samples": samples, "events": []}, separators=(",", ":")).encode()
began = time.monotonic()
if mode == "http":
    conn = http.client.HTTPConnection("127.0.0.1", int(target), timeout=120)
    for seq in range(total // per_batch):
        data = body(seq)
        conn.request("POST", "/api/v1/batches", data, {"Content-Type": "application/json",
                     "X-Virtmon-Signature": hmac.new(secret, data, hashlib.sha256).hexdigest()})
        response = conn.getresponse(); response.read()
        if response.status != 200: sys.exit("batch %d answered %d" % (seq + 1, response.status))
else:
    import amqp
    host, port = target.rsplit(":", 1)
    conn = amqp.Connection("%s:%s" % (host, port), userid="guest", password="guest", confirm_publish=True)
    conn.connect()
    channel = conn.channel()
    for seq in range(total // per_batch):
        data = body(seq)
        frame = b"virtmon/1 " + hmac.new(secret, data, hashlib.sha256).hexdigest().encode() + b"\n" + data
        # confirm_publish: basic_publish returns once the broker confirmed the message (persisted).
        channel.basic_publish(amqp.Message(frame, delivery_mode=2, content_type="application/vnd.virtmon.frame"),
                              exchange="virtmon", routing_key="virtmon.batches", mandatory=True)
    conn.close()
print("%.3f" % (time.monotonic() - began))
PY

ports=()
collectors=()
stored() {
  local total=0 one
  for p in "${ports[@]}"; do
    one=$(curl -sf "http://127.0.0.1:$p/metrics" | awk '/^virtmon_collector_samples_stored_total/ { s += $2 } END { printf "%d", s }')
    total=$((total + ${one:-0}))
  done
  echo "$total"
}

results=()
run() {  # NAME STORAGE_URL EXTRA_PIDS_FUNCTION [COLLECTORS]
  local name=$1 storage=$2 pids=$3 count=${4:-1}
  ports=(); collectors=()
  for i in $(seq "$count"); do
    local port
    port=$(free_port)
    local args=(collector --listen "127.0.0.1:$port" --udp off --storage "$storage" --data-dir "$work/data-$name-$i"
                --secret "$secret" --admin-token bench-token --log-level warning)
    [ "${name#http}" = "$name" ] && args+=(--amqp "${broker_url}?prefetch=20")
    "$bin" "${args[@]}" 2>"$work/collector-$name-$i.log" &
    collectors+=($!); ports+=("$port")
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  done
  collector="${collectors[*]}"
  [ "${name#http}" = "$name" ] && sleep 1  # the consumers declare their queue
  echo "$name: feeding $samples samples to $count collector(s)..." >&2
  local c0 b0 s0 began send_seconds
  c0=$(cpu_ticks "${collectors[@]}"); b0=$(cpu_ticks "$broker_pid"); s0=$(cpu_ticks $($pids))
  began=$(date +%s.%N)
  if [ "${name#http}" != "$name" ]; then send_seconds=$("$python" "$work/feed.py" http "${ports[0]}" "$secret" "$samples")
  else send_seconds=$("$python" "$work/feed.py" amqp "127.0.0.1:$broker_port" "$secret" "$samples"); fi
  for _ in $(seq 6000); do [ "$(stored)" -ge "$samples" ] && break; sleep 0.1; done
  local ended c1 b1 s1 got
  ended=$(date +%s.%N); got=$(stored)
  c1=$(cpu_ticks "${collectors[@]}"); b1=$(cpu_ticks "$broker_pid"); s1=$(cpu_ticks $($pids))
  [ "$got" -ge "$samples" ] || { echo "$name: only $got of $samples stored; the collectors' logs:" >&2; tail -20 "$work"/collector-"$name"-*.log >&2; exit 1; }
  [ "${name#http}" != "$name" ] && b1=$b0
  results+=("$(awk -v n="$name" -v s="$samples" -v t0="$began" -v t1="$ended" -v c=$((c1 - c0)) -v b=$((b1 - b0)) -v p=$((s1 - s0)) -v k="$ticks" -v send="$send_seconds" \
    'BEGIN { per = 1000 / s * 1000 / k;
      printf "%-11s %8.0f samples/s end to end (client sent in %.1f s)   collectors %6.2f ms   broker %6.2f ms   PostgreSQL %6.2f ms\n",
        n, s / (t1 - t0), send, c * per, b * per, p * per }')")
  kill "${collectors[@]}"; wait "${collectors[@]}" 2>/dev/null || true; collector=""
}

none() { :; }
postgres_pids() { pgrep -u postgres 2>/dev/null || true; }
run http "sqlite://$work/http/virtmon.db" none
run amqp "sqlite://$work/amqp/virtmon.db" none
pg_url=$(bash scripts/postgres.sh start "$work/pg" "$(free_port)")
run amqp+pg "$pg_url" postgres_pids
# The fleet on a database of its own, so that it starts as empty as the single collector did.
psql -q "$pg_url" -c "CREATE DATABASE virtmon_fleet" >/dev/null
run amqp+pg×3 "${pg_url%/*}/virtmon_fleet" postgres_pids 3

echo
echo "virtmon collector, $(nproc) cores, $samples samples in signed batches of 1000; CPU per 1,000 samples:"
printf '%s\n' "${results[@]}"
echo "(amqp+pg×3: three collectors consuming one queue on one PostgreSQL database; the collectors' CPU is their sum)"
