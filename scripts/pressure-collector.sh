#!/usr/bin/env bash
# Pressure run (not a test): what a hostile or careless client can do to one collector while an agent keeps
# sending, measured in one run on this machine. Prints RSS, the agent's batch latency p50/p99 before and under
# pressure, and whether every agent batch was still stored.
#
#   bash scripts/pressure-collector.sh [SECONDS]      (default 30 s of pressure)
#   VIRTMON_BIN=/path/to/virtmon bash scripts/pressure-collector.sh   (measure another build)
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
bin="${VIRTMON_BIN:-$(release_virtmon)}"

work=$(mktemp -d /tmp/virtmon-pressure.XXXXXX)
collector=""
trap '[ -n "$collector" ] && kill "$collector" 2>/dev/null; rm -rf "$work"' EXIT
# The collector runs at the open-file limit the finding was made at (1,024, hard), and fits its connection cap
# under it; the load generator keeps this shell's limit.
start_collector "$bin" "$work" pressure-secret "  max_series_per_project: 2000
" 1024

PYTHONPATH=scripts python3 - "$port" "$collector" "$seconds" <<'PY'
import http.client, json, socket, sys, threading, time
from datetime import timedelta
from collector_load import Agent, connect as connect_to, pct, seed_vms
port, pid, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def rss_mib():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS"): return int(line.split()[1]) / 1024
def connect(source, timeout=30): return connect_to(port, source, timeout)

# Two hours of 200 VMs at 60 s, posted by the project: what the heavy queries chew on.
seed_vms(port, "p1-token", vms=200, span=timedelta(hours=2), step=60, source="127.0.0.6", per_post=2000)
heavy = "/v2/meters/cpu_util/statistics?period=60&groupby=resource_id"

# The agent: a signed 200-sample batch every 100 ms, latency as the client waits for the commit.
phase = ["idle"]; stop = [False]
agent = Agent(port, b"pressure-secret", phase, source="127.0.0.2", name="pressure-agent").start()

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
stop[0] = True; agent.stop()
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
      % (agent.summary("idle") + agent.summary("pressure")))
print("half-open connections: %d opened, %d still held by the collector at the end (%d s)" % (len(half_open), still_open, seconds))
print("heavy statistics (200 VMs x 2 h per minute, 24,000 rows): %d answered back to back, p50 %.0f ms p99 %.0f ms; 12 never-reading clients held" %
      (len(heavy_times), pct(heavy_times, .5), pct(heavy_times, .99)))
print("tenant posting distinct 8 KiB metadata: %d batches stored, %d refused at its series bound" % (quota["stored"], quota["refused"]))
print("connection cap %s; closed by the collector: %s" % (cap[0] if cap else "?", ", ".join("%s %s" % kv for kv in sorted(closed.items()))))
_, _, served, failed = agent.summary("pressure")
print("agents still served under pressure: %s" % ("yes" if served and failed == 0 else "NO"))
PY
