#!/usr/bin/env bash
# Benchmark (not a test): the collector's durable ingest rate and CPU per sample through HTTP in signed
# batches of 1000 samples, into SQLite and into PostgreSQL, then statistics query latency over what was
# loaded (1,000,000 samples by default), measured in one run on this machine.
#
#   bash scripts/bench-collector.sh [SAMPLES] [CLIENTS]      (defaults 1000000 and 4)
#
# The load: 200 resources × 5 meters, timestamps spread over the last 24 h, sent by a Python client with
# CLIENTS keep-alive connections; each batch counts only when answered 200 (after its commit). CPU is
# utime+stime from /proc: the collector's, and for PostgreSQL also the server's processes. Query latency is
# the median of 5 runs through curl, after one warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${1:-1000000}"
clients="${2:-4}"

echo "building virtmon (release)..." >&2
swift build -c release --product virtmon >/dev/null
bin="$(swift build -c release --show-bin-path)/virtmon"

work=$(mktemp -d /tmp/virtmon-bench.XXXXXX)
chmod 755 "$work"
collector=""
cleanup() {
  [ -n "$collector" ] && kill "$collector" 2>/dev/null || true
  bash scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

. scripts/measure.sh
secret=bench-secret
token=bench-token

cat > "$work/load.py" <<'PY'
import hashlib, hmac, http.client, json, sys, threading, time, uuid
from datetime import datetime, timezone, timedelta
port, secret, total, clients = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4])
per_batch = 1000
batches = total // per_batch
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
    return json.dumps({"version": 1, "agent": "bench-agent", "host": "bench", "seq": seq + 1,
        "sent_at": ts(datetime.now(timezone.utc)), "samples": samples, "events": []}, separators=(",", ":")).encode()
lock = threading.Lock(); next_index = [0]; stored = [0]; failures = [0]
def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while True:
        with lock:
            index = next_index[0]; next_index[0] += 1
        if index >= batches: return
        data = body(index)  # made just before sending, so sent_at stays inside the collector's clock window
        signature = hmac.new(secret, data, hashlib.sha256).hexdigest()
        conn.request("POST", "/api/v1/batches", data, {"Content-Type": "application/json", "X-Virtmon-Signature": signature})
        response = conn.getresponse(); response.read()
        with lock:
            if response.status == 200: stored[0] += per_batch
            else: failures[0] += 1
began = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
print("%d %.3f %d" % (stored[0], time.monotonic() - began, failures[0]))
PY

median_ms() {  # URL → median of 5 timed runs, after one warm-up
  curl -sf -o /dev/null -H "X-Auth-Token: $token" "$1"
  for _ in 1 2 3 4 5; do curl -sf -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $token" "$1"; done \
    | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[3] * 1000 }'
}

results=()
for store in sqlite postgres; do
  port=$(free_port)
  if [ "$store" = sqlite ]; then
    url="sqlite://$work/sqlite/virtmon.db"; server_pids() { :; }
  else
    url=$(bash scripts/postgres.sh start "$work/pg" "$(free_port)")
    server_pids() { pgrep -u postgres 2>/dev/null || true; }
  fi
  "$bin" collector --listen "127.0.0.1:$port" --udp off --storage "$url" --data-dir "$work/data-$store" \
    --secret "$secret" --admin-token "$token" --log-level warning 2>"$work/collector-$store.log" &
  collector=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "loading $samples samples into $store..." >&2
  before=$(cpu_ticks "$collector"); before_server=$(cpu_ticks $(server_pids))
  read -r stored seconds failures < <(python3 "$work/load.py" "$port" "$secret" "$samples" "$clients")
  after=$(cpu_ticks "$collector"); after_server=$(cpu_ticks $(server_pids))
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$collector/status")
  base="http://127.0.0.1:$port/v2/meters/bench.cpu_util/statistics"
  all_hourly=$(median_ms "$base?period=3600&groupby=resource_id")
  one_5min=$(median_ms "$base?period=300&q.field=resource_id&q.op=eq&q.value=vm-042")
  whole=$(median_ms "$base")
  size=$(du -sk "$work/sqlite" 2>/dev/null | cut -f1); [ "$store" = postgres ] && size=$(du -sk "$work/pg/data" | cut -f1)
  results+=("$(awk -v s="$store" -v n="$stored" -v t="$seconds" -v f="$failures" -v c=$((after - before)) \
    -v sc=$((after_server - before_server)) -v k="$ticks" -v r="$rss" -v a="$all_hourly" -v o="$one_5min" -v w="$whole" -v z="$size" \
    'BEGIN { cpu = c / k; scpu = sc / k;
      printf "%-9s %9d samples in %6.1f s = %8.0f samples/s  collector CPU %5.2f us/sample", s, n, t, n / t, cpu * 1e6 / n;
      if (s == "postgres") printf " + server %5.2f us/sample", scpu * 1e6 / n;
      printf "  failures %d  RSS %d MiB  on disk %.0f B/sample\n", f, r / 1024, z * 1024 / n;
      printf "          statistics over %d samples (1/5 of them cpu_util): whole %s ms, hourly × 200 resources %s ms, one resource per 5 min %s ms\n", n, w, a, o }')")
  kill "$collector"; wait "$collector" 2>/dev/null || true; collector=""
done

echo
echo "virtmon collector, $(nproc) cores, batches of 1000 over HTTP with $clients connections, each answered after its commit:"
printf '%s\n' "${results[@]}"
