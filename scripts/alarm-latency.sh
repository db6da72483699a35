#!/usr/bin/env bash
# Alarm latency and evaluator cost (a measurement, not a test). Prints:
#  - from the moment the batch that completes a breaching (or clearing) period is committed (its 200 arrives)
#    to the webhook arriving at a receiver, p50/p99 over 100 transitions (Aodh's design: up to its 60 s
#    evaluation interval plus ingestion lag);
#  - the collector's CPU per second ingesting 200 VMs' cpu_util every second, with no alarms and with 1,000
#    threshold alarms over those VMs, and the difference: what evaluating them costs.
#
#   bash scripts/alarm-latency.sh
#   VIRTMON_BIN=/path/to/virtmon bash scripts/alarm-latency.sh     (measure another build)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/measure.sh
bin="${VIRTMON_BIN:-$(release_virtmon)}"
work=$(mktemp -d /tmp/virtmon-alarms.XXXXXX)
collector=""
trap '[ -n "$collector" ] && kill "$collector" 2>/dev/null; rm -rf "$work"' EXIT
# Only batches evaluate during the latency phase: the timer would add evaluations the figure is not about.
start_collector "$bin" "$work" alarm-secret "  alarm_evaluation_interval: 1h
"

PYTHONPATH=scripts python3 - "$port" "$collector" <<'PY'
import http.server, json, sys, threading, time
from collector_load import connect, gauge, pct, post_batch
port, pid = int(sys.argv[1]), int(sys.argv[2])
secret, admin = b"alarm-secret", {"X-Auth-Token": "admin-token", "Content-Type": "application/json"}
ticks = 100.0

arrivals = []
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        arrivals.append((time.monotonic(), json.loads(body)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=hook.serve_forever, daemon=True).start()
hook_url = "http://127.0.0.1:%d/hook" % hook.server_address[1]

api = connect(port)
def create(alarm):
    global api
    api.request("POST", "/v2/alarms", json.dumps(alarm), admin); answer = api.getresponse(); body = answer.read()
    assert answer.status == 201, body
def rule(meter, resource, period=1, periods=1):
    return {"meter_name": meter, "threshold": 50, "comparison_operator": "gt", "statistic": "avg", "period": period,
            "evaluation_periods": periods, "query": [{"field": "resource_id", "value": resource}]}

create({"name": "latency", "type": "threshold", "threshold_rule": rule("lat.cpu", "vm-lat"),
        "alarm_actions": [hook_url], "ok_actions": [hook_url]})
feed = connect(port)
latencies, seq = [], 0
for transition in range(100):
    seq += 1
    seen = len(arrivals)
    # One second apart, so that the newest one-second period holds only this sample.
    time.sleep(1.05)
    assert post_batch(feed, secret, "latency-agent", seq, [gauge("lat.cpu", 90 if transition % 2 == 0 else 10, "vm-lat")]) == 200
    committed = time.monotonic()
    while len(arrivals) == seen and time.monotonic() - committed < 30: time.sleep(0.001)
    assert len(arrivals) > seen, "no webhook within 30 s"
    latencies.append((arrivals[seen][0] - committed) * 1000)
states = [body["current"] for _, body in arrivals]
print("alarm latency, batch committed -> webhook received: p50 %.1f ms  p99 %.1f ms  max %.1f ms over %d transitions (%s)"
      % (pct(latencies, .5), pct(latencies, .99), max(latencies), len(latencies), ", ".join("%d %s" % (states.count(s), s) for s in sorted(set(states)))))

def cpu():
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks
def ingest(seconds, agent):
    global seq
    began, used = time.monotonic(), cpu()
    while time.monotonic() - began < seconds:
        seq += 1
        tick = time.monotonic()
        assert post_batch(feed, secret, agent, seq, [gauge("cpu_util", (seq * 7 + v) % 100, "vm-%03d" % v) for v in range(200)]) == 200
        time.sleep(max(0, 1 - (time.monotonic() - tick)))
    return (cpu() - used) / (time.monotonic() - began)
baseline = ingest(30, "cpu-agent-a")
api = connect(port)  # the first one sat idle past the collector's keep-alive timeout
for n in range(1000):
    create({"name": "vm-%03d-%d" % (n % 200, n // 200), "type": "threshold", "threshold_rule": rule("cpu_util", "vm-%03d" % (n % 200), period=60, periods=3)})
loaded = ingest(30, "cpu-agent-b")
print("collector CPU, 200 VMs' cpu_util every second: %.1f %% of a core with no alarms, %.1f %% with 1,000 alarms; evaluating costs %.1f %% of a core"
      % (baseline * 100, loaded * 100, (loaded - baseline) * 100))
PY
