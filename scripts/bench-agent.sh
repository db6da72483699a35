#!/usr/bin/env bash
# Benchmark (not a test): the virtmon agent's CPU time per host poll cycle and its RSS, beside
# prometheus-node-exporter's CPU time per scrape and RSS, measured in one run on this machine.
#
#   bash scripts/bench-agent.sh [CYCLES]     (default 200)
#
# virtmon polls every 0.1 s and writes every sample as a JSON line to a file (its whole path from /proc to
# encoded output); node-exporter is scraped the same number of times over loopback, once with its default
# collectors and once with only those matching virtmon's host meters. CPU time is utime+stime from
# /proc/PID/stat between a warm-up and the end; RSS is VmRSS at the end, and "anon" its private, anonymous
# part (RssAnon): heap and stacks, without the file-backed pages of shared libraries that every Swift process
# on the host shares (node-exporter is one static Go binary, so nearly all of its RSS is its own).
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-200}"

if ! command -v prometheus-node-exporter >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus-node-exporter curl >/dev/null
fi
echo "building virtmon (release)..." >&2
swift build -c release --product virtmon >/dev/null
bin="$(swift build -c release --show-bin-path)/virtmon"

work=$(mktemp -d /tmp/virtmon-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

. scripts/measure.sh
count_cycles() { grep -c '"counter_name":"hardware.cpu.load.1min"' "$1" 2>/dev/null || echo 0; }

# --- virtmon ----------------------------------------------------------------------------------------------
out="$work/samples.jsonl"
"$bin" agent --interval 0.1 --data-dir "$work/data" --log-level warning \
  --publisher "file://$out?max_bytes=1073741824" 2>"$work/agent.log" &
agent=$!; pids+=("$agent")
sleep 3   # warm-up: first cycles, page cache, allocator
c0=$(count_cycles "$out"); t0=$(cpu_ms "$agent")
while [ "$(count_cycles "$out")" -lt $((c0 + cycles)) ]; do sleep 0.2; done
c1=$(count_cycles "$out"); t1=$(cpu_ms "$agent")
agent_rss=$(rss_kib "$agent"); agent_anon=$(anon_kib "$agent")
per_cycle_samples=$(( $(wc -l < "$out") / c1 ))
kill "$agent"; wait "$agent" 2>/dev/null || true
agent_ms=$(awk -v a="$t0" -v b="$t1" -v n=$((c1 - c0)) 'BEGIN { printf "%.3f", (b - a) / n }')

# --- node-exporter ----------------------------------------------------------------------------------------
scrape_exporter() {  # $1 = label, rest = extra flags; prints "ms_per_scrape rss_kib anon_kib series"
  local port=$((20000 + RANDOM % 20000))
  prometheus-node-exporter --web.listen-address="127.0.0.1:$port" "${@:2}" >"$work/ne-$1.log" 2>&1 &
  local pid=$!; pids+=("$pid")
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
  for _ in $(seq 20); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null; done   # warm-up
  local a; a=$(cpu_ms "$pid")
  for _ in $(seq "$cycles"); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null; done
  local b; b=$(cpu_ms "$pid")
  local series; series=$(curl -sf "http://127.0.0.1:$port/metrics" | grep -vc '^#')
  local rss; rss=$(rss_kib "$pid")
  local anon; anon=$(anon_kib "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v a="$a" -v b="$b" -v n="$cycles" -v r="$rss" -v x="$anon" -v s="$series" \
    'BEGIN { printf "%.3f %d %d %d", (b - a) / n, r, x, s }'
}
read -r ne_ms ne_rss ne_anon ne_series <<<"$(scrape_exporter default)"
read -r nem_ms nem_rss nem_anon nem_series <<<"$(scrape_exporter matched --collector.disable-defaults --collector.cpu \
  --collector.loadavg --collector.meminfo --collector.netdev --collector.diskstats --collector.filesystem \
  --collector.time)"

# --- Report -----------------------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo
echo "$(nproc) cores, $(uname -r), ${cycles} cycles/scrapes each"
printf '%-42s %12s %9s %9s %8s\n' "" "CPU ms/cycle" "RSS MiB" "anon MiB" "values"
printf '%-42s %12s %9s %9s %8s\n' "virtmon agent (poll + JSON-lines file)" "$agent_ms" "$(mib "$agent_rss")" "$(mib "$agent_anon")" "$per_cycle_samples"
printf '%-42s %12s %9s %9s %8s\n' "node-exporter 1.5, default collectors" "$ne_ms" "$(mib "$ne_rss")" "$(mib "$ne_anon")" "$ne_series"
printf '%-42s %12s %9s %9s %8s\n' "node-exporter 1.5, matching collectors" "$nem_ms" "$(mib "$nem_rss")" "$(mib "$nem_anon")" "$nem_series"
echo
awk -v v="$agent_ms" -v d="$ne_ms" -v m="$nem_ms" -v vr="$agent_rss" -v dr="$ne_rss" -v mr="$nem_rss" \
    -v va="$agent_anon" -v da="$ne_anon" -v ma="$nem_anon" 'BEGIN {
  printf "CPU per cycle,  virtmon / node-exporter default:  %.2f   matching: %.2f\n", v / d, v / m
  printf "RSS,            virtmon / node-exporter default:  %.2f   matching: %.2f\n", vr / dr, vr / mr
  printf "anonymous RSS,  virtmon / node-exporter default:  %.2f   matching: %.2f\n", va / da, va / ma
}'
