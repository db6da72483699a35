#!/usr/bin/env bash
# Pressure run (not a test): what a hostile or careless client can do to one collector while an agent keeps
# sending, measured in one run on this machine. Prints RSS, the agent's batch latency p50/p99 before and under
# pressure, and whether every agent batch was still stored.
#
#   bash scripts/pressure-collector.sh [SECONDS]      (default 30 s of pressure)
#
# Pressure, all at once, each from its own loopback address so the per-address caps apply as they would to
# separate hosts: 1,100 connections that send half a request head and wait (127.0.0.4); 12 clients that ask
# for the heaviest statistics a project may ask for and never read the answer (127.0.0.3); 2 clients that
# send heavy statistics queries back to back and read them (127.0.0.5); a project token posting series with
# distinct 8 KiB metadata until its series bound (127.0.0.6). The agent posts signed 200-sample batches
# every 100 ms from 127.0.0.2.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

. scripts/measure.sh
bin=$(release_virtmon)

work=$(mktemp -d /tmp/virtmon-pressure.XXXXXX)
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
  secret: pressure-secret
  admin_token: pressure-admin
  project_tokens:
    p1: p1-token
  max_series_per_project: 2000
YAML
# The collector runs at the open-file limit the finding was made at (1,024, hard), and fits its connection cap
# under it; the load generator keeps this shell's limit.
(ulimit -n 1024; exec "$bin" collector --config "$work/collector.yaml" --data-dir "$work/data" --log-level warning) 2>"$work/collector.log" &
collector=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$port" "$collector" "$seconds" <<'PY'
import hashlib, hmac, http.client, json, socket, sys, threading, time, uuid
from datetime import datetime, timezone, timedelta
port, pid, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
secret = b"pressure-secret"

def rss_mib():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS"): return int(line.split()[1]) / 1024
def ts(d): return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
def connect(source, timeout=30):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))

# Two hours of 200 VMs at 60 s, posted by the project: what the heavy queries chew on.
start = datetime.now(timezone.utc) - timedelta(hours=2)
seed = connect("127.0.0.6")
for chunk in range(0, 120, 10):
    samples = [{"counter_type": "gauge", "counter_unit": "%", "counter_volume": (m * 7 + v) % 100, "resource_id": "vm-%03d" % v,
                "timestamp": ts(start + timedelta(seconds=60 * m))} for m in range(chunk, chunk + 10) for v in range(200)]
    seed.request("POST", "/v2/meters/cpu_util", json.dumps(samples), {"X-Auth-Token": "p1-token", "Content-Type": "application/json"})
    r = seed.getresponse(); r.read(); assert r.status == 200, r.status
heavy = "/v2/meters/cpu_util/statistics?period=60&groupby=resource_id"

# The agent: a signed 200-sample batch every 100 ms, latency as the client waits for the commit.
seq = [0]; latencies = {"idle": [], "pressure": []}; agent_failures = {"idle": 0, "pressure": 0}; phase = ["idle"]; stop = [False]
def agent():
    conn = connect("127.0.0.2")
    while not stop[0]:
        seq[0] += 1
        now = datetime.now(timezone.utc)
        body = json.dumps({"version": 1, "agent": "pressure-agent", "host": "h1", "seq": seq[0], "sent_at": ts(now), "events": [],
            "samples": [{"counter_name": "agent.meter", "counter_type": "gauge", "counter_unit": "B", "counter_volume": i,
                         "resource_id": "host-%d" % (i % 20), "timestamp": ts(now), "resource_metadata": {}, "source": "virtmon",
                         "message_id": str(uuid.uuid4())} for i in range(200)]}).encode()
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        began = time.monotonic()
        try:
            conn.request("POST", "/api/v1/batches", body, {"X-Virtmon-Signature": signature, "Content-Type": "application/json"})
            r = conn.getresponse(); r.read(); ok = r.status == 200
        except Exception:
            ok = False; conn = connect("127.0.0.2")
        if ok: latencies[phase[0]].append((time.monotonic() - began) * 1000)
        else: agent_failures[phase[0]] += 1
        time.sleep(max(0, 0.1 - (time.monotonic() - began)))

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

threads = [threading.Thread(target=agent, daemon=True)]
threads[0].start()
time.sleep(min(10, seconds))
rss_idle = rss_mib()
phase[0] = "pressure"

half_open = []
def half_opener():
    for _ in range(1100):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.4", 0))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: collector\r\n")
            half_open.append(s)
        except OSError:
            pass
slow = []
def slow_reader():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(("127.0.0.3", 0)); s.connect(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: c\r\nX-Auth-Token: p1-token\r\n\r\n" % heavy).encode())
    slow.append(s)  # and never read
heavy_times = []
def heavy_reader():
    conn = connect("127.0.0.5", timeout=120)
    while not stop[0]:
        began = time.monotonic()
        try:
            conn.request("GET", heavy, headers={"X-Auth-Token": "p1-token"}); r = conn.getresponse(); r.read()
            heavy_times.append((time.monotonic() - began) * 1000)
        except Exception:
            conn = connect("127.0.0.5", timeout=120)
quota = {"stored": 0, "refused": 0}
def tenant():
    conn = connect("127.0.0.6")
    for batch in range(30):
        samples = [{"counter_type": "gauge", "counter_unit": "u", "counter_volume": 1, "resource_id": "t-%d-%d" % (batch, i),
                    "resource_metadata": {"blob": "%d-%d-" % (batch, i) + "x" * 8000}} for i in range(100)]
        conn.request("POST", "/v2/meters/tenant.meter", json.dumps(samples), {"X-Auth-Token": "p1-token", "Content-Type": "application/json"})
        r = conn.getresponse(); r.read()
        quota["stored" if r.status == 200 else "refused"] += 1

pressure = [threading.Thread(target=half_opener, daemon=True), threading.Thread(target=tenant, daemon=True)]
pressure += [threading.Thread(target=slow_reader, daemon=True) for _ in range(12)]
pressure += [threading.Thread(target=heavy_reader, daemon=True) for _ in range(2)]
for t in pressure: t.start()
peak = rss_idle; began = time.monotonic()
while time.monotonic() - began < seconds:
    time.sleep(0.5); peak = max(peak, rss_mib())
stop[0] = True
time.sleep(0.5)
# How many half-open connections the collector still holds: a closed one reads EOF.
still_open = 0
for s in half_open:
    s.setblocking(False)
    try:
        still_open += 0 if s.recv(1) == b"" else 1
    except BlockingIOError:
        still_open += 1
    except OSError:
        pass
metrics = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=("127.0.0.7", 0))
metrics.request("GET", "/metrics"); text = metrics.getresponse().read().decode()
closed = {line.split('"')[1]: line.split()[-1] for line in text.splitlines() if line.startswith("virtmon_collector_http_connections_closed_total{")}
cap = [line.split()[-1] for line in text.splitlines() if line.startswith("virtmon_collector_http_connections_max ")]
print("collector RSS: %.1f MiB idle, %.1f MiB peak under pressure, %.1f MiB after" % (rss_idle, peak, rss_mib()))
print("agent batches (200 samples, every 100 ms): idle p50 %.1f ms p99 %.1f ms (%d ok, %d failed); under pressure p50 %.1f ms p99 %.1f ms (%d ok, %d failed)"
      % (pct(latencies["idle"], .5), pct(latencies["idle"], .99), len(latencies["idle"]), agent_failures["idle"],
         pct(latencies["pressure"], .5), pct(latencies["pressure"], .99), len(latencies["pressure"]), agent_failures["pressure"]))
print("half-open connections: %d opened, %d still held by the collector at the end (%d s)" % (len(half_open), still_open, seconds))
print("heavy statistics (200 VMs x 2 h per minute, 24,000 rows): %d answered back to back, p50 %.0f ms p99 %.0f ms; 12 never-reading clients held" %
      (len(heavy_times), pct(heavy_times, .5), pct(heavy_times, .99)))
print("tenant posting distinct 8 KiB metadata: %d batches stored, %d refused at its series bound" % (quota["stored"], quota["refused"]))
print("connection cap %s; closed by the collector: %s" % (cap[0] if cap else "?", ", ".join("%s %s" % kv for kv in sorted(closed.items()))))
print("agents still served under pressure: %s" % ("yes" if latencies["pressure"] and agent_failures["pressure"] == 0 else "NO"))
PY
