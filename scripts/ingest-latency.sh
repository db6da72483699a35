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
trap '[ -n "$collector" ] && kill "$collector" 2>/dev/null; rm -rf "$work"' EXIT
start_collector "$bin" "$work" latency-secret

PYTHONPATH=scripts python3 - "$port" "$seconds" <<'PY'
import sys, threading, time
from datetime import timedelta
from collector_load import Agent, connect, pct, seed_vms
port, seconds = int(sys.argv[1]), int(sys.argv[2])

# What the heavy query chews on: 200 VMs, 6 h at 10 s (432,000 samples), posted by the project.
seed_vms(port, "p1-token", vms=200, span=timedelta(hours=6), step=10)
heavy = "/v2/meters/cpu_util/statistics?period=300&groupby=resource_id"

phase = ["alone"]
agent = Agent(port, b"latency-secret", phase, name="latency-agent").start()
heavy_times, stop = [], [False]
def heavy_reader():
    conn = connect(port, timeout=120)
    while not stop[0]:
        began = time.monotonic()
        conn.request("GET", heavy, headers={"X-Auth-Token": "p1-token"}); r = conn.getresponse(); body = r.read()
        assert r.status == 200, (r.status, body[:300])
        heavy_times.append((time.monotonic() - began) * 1000)

time.sleep(seconds)
phase[0] = "heavy"
for _ in range(2): threading.Thread(target=heavy_reader, daemon=True).start()
time.sleep(seconds)
stop[0] = True; agent.stop()
time.sleep(0.5)
for name in ("alone", "heavy"):
    print("agent batches (200 samples every 100 ms), %-5s: p50 %6.1f ms  p99 %6.1f ms  (%d stored, %d failed)" % ((name,) + agent.summary(name)))
print("heavy statistics (200 VMs x 6 h per 5 min, 14,400 rows), 2 clients back to back: %d answered, p50 %.0f ms p99 %.0f ms"
      % (len(heavy_times), pct(heavy_times, .5), pct(heavy_times, .99)))
PY
