#!/usr/bin/env bash
# Ingest latency with and without heavy queries (a measurement, not a test): one collector, an agent posting
# signed 200-sample batches every 100 ms, first alone and then while two clients send the heaviest statistics
# query a project may ask for back to back. Prints the agent's batch latency p50/p99 (what the agent waits for
# its 200) in both phases and how many heavy queries were answered.
#
#   bash scripts/ingest-latency.sh [SECONDS]        (default 30 s per phase)
#   VIRTMON_BIN=/path/to/virtmon bash scripts/ingest-latency.sh     (measure another build, e.g. an older commit)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

. scripts/measure.sh
bin="${VIRTMON_BIN:-$(release_virtmon)}"

work=$(mktemp -d /tmp/virtmon-latency.XXXXXX)
collector=""
cleanup() {
  [ -n "$collector" ] && kill "$collector" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
cat > "$work/collector.yaml" <<YAML
collector:
  listen: 127.0.0.1:$port
  udp: "off"
  secret: latency-secret
  admin_token: latency-admin
  project_tokens:
    p1: p1-token
YAML
"$bin" collector --config "$work/collector.yaml" --data-dir "$work/data" --log-level warning 2>"$work/collector.log" &
collector=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$port" "$seconds" <<'PY'
import hashlib, hmac, http.client, json, sys, threading, time, uuid
from datetime import datetime, timezone, timedelta
port, seconds = int(sys.argv[1]), int(sys.argv[2])
secret = b"latency-secret"
def ts(d): return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
def connect(timeout=120): return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

# What the heavy query chews on: 200 VMs, 6 h at 10 s (432,000 samples), posted by the project.
start = datetime.now(timezone.utc) - timedelta(hours=6)
seed = connect()
for step in range(0, 2160, 30):
    samples = [{"counter_type": "gauge", "counter_unit": "%", "counter_volume": (m * 7 + v) % 100, "resource_id": "vm-%03d" % v,
                "timestamp": ts(start + timedelta(seconds=10 * m))} for m in range(step, step + 30) for v in range(200)]
    seed.request("POST", "/v2/meters/cpu_util", json.dumps(samples), {"X-Auth-Token": "p1-token", "Content-Type": "application/json"})
    r = seed.getresponse(); r.read(); assert r.status == 200, (r.status, r.read())
heavy = "/v2/meters/cpu_util/statistics?period=300&groupby=resource_id"

seq = [0]; latencies = {"alone": [], "heavy": []}; failures = {"alone": 0, "heavy": 0}; phase = ["alone"]; stop = [False]
def agent():
    conn = connect(30)
    while not stop[0]:
        seq[0] += 1
        now = datetime.now(timezone.utc)
        body = json.dumps({"version": 1, "agent": "latency-agent", "host": "h1", "seq": seq[0], "sent_at": ts(now), "events": [],
            "samples": [{"counter_name": "agent.meter", "counter_type": "gauge", "counter_unit": "B", "counter_volume": i,
                         "resource_id": "host-%d" % (i % 20), "timestamp": ts(now), "resource_metadata": {}, "source": "virtmon",
                         "message_id": str(uuid.uuid4())} for i in range(200)]}).encode()
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        current = phase[0]; began = time.monotonic()
        try:
            conn.request("POST", "/api/v1/batches", body, {"X-Virtmon-Signature": signature, "Content-Type": "application/json"})
            r = conn.getresponse(); r.read(); ok = r.status == 200
        except Exception:
            ok = False; conn = connect(30)
        if ok: latencies[current].append((time.monotonic() - began) * 1000)
        else: failures[current] += 1
        time.sleep(max(0, 0.1 - (time.monotonic() - began)))

heavy_times = []
def heavy_reader():
    conn = connect()
    while not stop[0]:
        began = time.monotonic()
        conn.request("GET", heavy, headers={"X-Auth-Token": "p1-token"}); r = conn.getresponse(); body = r.read()
        assert r.status == 200, (r.status, body[:300])
        heavy_times.append((time.monotonic() - began) * 1000)

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

threading.Thread(target=agent, daemon=True).start()
time.sleep(seconds)
phase[0] = "heavy"
for _ in range(2): threading.Thread(target=heavy_reader, daemon=True).start()
time.sleep(seconds)
stop[0] = True
time.sleep(0.5)
for name in ("alone", "heavy"):
    print("agent batches (200 samples every 100 ms), %-5s: p50 %6.1f ms  p99 %6.1f ms  (%d stored, %d failed)"
          % (name, pct(latencies[name], .5), pct(latencies[name], .99), len(latencies[name]), failures[name]))
print("heavy statistics (200 VMs x 6 h per 5 min, 14,400 rows), 2 clients back to back: %d answered, p50 %.0f ms p99 %.0f ms"
      % (len(heavy_times), pct(heavy_times, .5), pct(heavy_times, .99)))
PY
