#!/usr/bin/env bash
# Benchmark (not a test): virtmon in a Prometheus shop, side by side with the peers in one run on this machine.
#
#   bash scripts/bench-prometheus.sh [SCRAPES] [DOMAINS] [HOURS]     (defaults 100, 200 and 1)
#
# 1. Scraping VMs: the virtmon agent reads DOMAINS test-driver domains every 0.5 s and is scraped every 0.5 s
#    (its CPU per scrape includes its cycle: listing, reading and writing every sample to a file as well);
#    prometheus-libvirt-exporter reads the same domains on each scrape, scraped as often.
# 2. Scraping the host: the agent with host meters only vs prometheus-node-exporter, both scraped every 0.5 s.
# 3. Remote-write ingest: identical remote-write requests (scripts/bench_feed.py prometheus: HOURS of 200 VMs x
#    20 meters at 10 s, one request per tick) into the virtmon collector's POST /api/v1/write (each request
#    committed before its 204), Prometheus 2.42's receiver and VictoriaMetrics 1.79's: CPU per sample.
#
# CPU is utime+stime from /proc between a warm-up and the end; RSS is VmRSS at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scrapes="${1:-100}"
domains="${2:-200}"
hours="${3:-1}"

missing=()
command -v prometheus-libvirt-exporter >/dev/null || missing+=(prometheus-libvirt-exporter)
command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
ls /usr/lib/*/libsnappy.so.1 >/dev/null 2>&1 || missing+=(libsnappy1v5)
/usr/bin/python3 -c 'import snappy' 2>/dev/null || missing+=(python3-snappy)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" curl >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
. scripts/measure.sh
bin=${VIRTMON_BIN:-$(release_virtmon)}

work=$(mktemp -d /tmp/virtmon-bench-prom.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
python3 scripts/test_node.py "$domains" > "$work/node.xml"
uri="test://$work/node.xml"

# scrape_cost PID URL: scrapes URL $scrapes times, 0.5 s apart, after a warm-up; prints "ms_per_scrape rss_kib bytes".
scrape_cost() {
  local pid=$1 url=$2
  for _ in 1 2 3; do curl -sf "$url" -o /dev/null; sleep 0.5; done
  local a; a=$(cpu_ms "$pid")
  for _ in $(seq "$scrapes"); do curl -sf "$url" -o /dev/null; sleep 0.5; done
  local b; b=$(cpu_ms "$pid")
  echo "$(awk -v a="$a" -v b="$b" -v n="$scrapes" 'BEGIN { printf "%.2f", (b - a) / n }') $(rss_kib "$pid") $(curl -sf "$url" | wc -c)"
}

# agent NAME METERS LIBVIRT: a virtmon agent with only METERS, its endpoint on a free port; sets $agent and $agent_port.
agent() {
  agent_port=$(free_port)
  cat > "$work/$1.yaml" <<YAML
agent:
  interval: 0.5s
  libvirt_uri: "$3"
  listen: 127.0.0.1:$agent_port
sources:
  - name: $1
    meters: $2
monitors:
  enabled: false
YAML
  "$bin" agent --config "$work/$1.yaml" --data-dir "$work/$1-data" --log-level warning \
    --publisher "file://$work/$1.jsonl?max_bytes=4294967296" 2>"$work/$1.log" &
  agent=$!; pids+=("$agent")
  until curl -sf "http://127.0.0.1:$agent_port/metrics" -o "$work/page" && grep -q '^libvirt_up\|^node_load1' "$work/page"; do sleep 0.2; done
  sleep 2
}

# measured PID URL SERIES_PATTERN: scrape_cost and the number of series matching SERIES_PATTERN, then stops PID;
# prints "ms_per_scrape rss_kib bytes series".
measured() {
  until curl -sf "$2" -o /dev/null; do sleep 0.1; done
  local cost; cost=$(scrape_cost "$1" "$2")
  local series; series=$(curl -sf "$2" | grep -c "$3")
  kill "$1"; wait "$1" 2>/dev/null || true
  echo "$cost $series"
}

echo "1. scraping $domains VMs ($scrapes scrapes each, 0.5 s apart)" >&2
agent vms '["cpu", "cpu_util", "vcpus", "memory*", "disk.device.*", "network.*", "power.state", "virtmon.domain.read"]' "$uri"
read -r vm_ms vm_rss vm_bytes vm_series < <(measured "$agent" "http://127.0.0.1:$agent_port/metrics" '^libvirt_')
port=$(free_port)
prometheus-libvirt-exporter --libvirt.uri="$uri" --web.listen-address="127.0.0.1:$port" 2>"$work/exporter.log" &
exporter=$!; pids+=("$exporter")
read -r ex_ms ex_rss ex_bytes ex_series < <(measured "$exporter" "http://127.0.0.1:$port/metrics" '^libvirt_')

echo "2. scraping the host" >&2
agent host '["hardware.*"]' off
read -r host_ms host_rss host_bytes host_series < <(measured "$agent" "http://127.0.0.1:$agent_port/metrics" '^node_\|^virtmon_host')
port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" >"$work/node-exporter.log" 2>&1 &
ne=$!; pids+=("$ne")
read -r ne_ms ne_rss ne_bytes ne_series < <(measured "$ne" "http://127.0.0.1:$port/metrics" '^node_')

echo "3. remote-write ingest ($hours h of 200 VMs x 20 meters)" >&2
# feed NAME PID PORT [TOKEN]: sends the stream, prints "samples cpu_ms seconds failures".
feed() {
  local a; a=$(cpu_ms "$2")
  local out; out=$(BENCH_TOKEN=${4:-} /usr/bin/python3 scripts/bench_feed.py prometheus "$3" "$hours")
  local b; b=$(cpu_ms "$2")
  read -r samples seconds failures <<<"$out"
  echo "$samples $(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }') $seconds $failures"
}
start_collector "$bin" "$work" bench-secret
pids+=("$collector")
read -r v_samples v_cpu v_seconds v_fail < <(feed virtmon "$collector" "$port" admin-token)
v_rss=$(rss_kib "$collector")
kill "$collector"; wait "$collector" 2>/dev/null || true
ppd=$(free_port)
printf 'global: {scrape_interval: 1m}\n' > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" --web.listen-address="127.0.0.1:$ppd" \
  --web.enable-remote-write-receiver --log.level=warn 2>"$work/prometheus.log" &
prom=$!; pids+=("$prom")
until curl -sf "http://127.0.0.1:$ppd/-/ready" -o /dev/null; do sleep 0.2; done
read -r p_samples p_cpu p_seconds p_fail < <(feed prometheus "$prom" "$ppd")
p_rss=$(rss_kib "$prom")
kill "$prom"; wait "$prom" 2>/dev/null || true
vmp=$(free_port)
victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vmp" -loggerLevel=WARN 2>"$work/vm.log" &
vm=$!; pids+=("$vm")
until curl -sf "http://127.0.0.1:$vmp/health" -o /dev/null; do sleep 0.2; done
read -r m_samples m_cpu m_seconds m_fail < <(feed victoria "$vm" "$vmp")
m_rss=$(rss_kib "$vm")
kill "$vm"; wait "$vm" 2>/dev/null || true

echo
echo "virtmon in a Prometheus shop, $(nproc) cores, one run:"
printf '  scrape, %d VMs:  virtmon agent %6s ms CPU/scrape (cycle included), RSS %6d KiB, %5d libvirt series, %7d bytes\n' "$domains" "$vm_ms" "$vm_rss" "$vm_series" "$vm_bytes"
printf '                   libvirt-exporter %5s ms CPU/scrape,                   RSS %6d KiB, %5d libvirt series, %7d bytes\n' "$ex_ms" "$ex_rss" "$ex_series" "$ex_bytes"
printf '  scrape, host:    virtmon agent %6s ms CPU/scrape (cycle included), RSS %6d KiB, %5d series\n' "$host_ms" "$host_rss" "$host_series"
printf '                   node_exporter %6s ms CPU/scrape,                   RSS %6d KiB, %5d node_ series\n' "$ne_ms" "$ne_rss" "$ne_series"
for row in "virtmon:$v_samples:$v_cpu:$v_seconds:$v_fail:$v_rss" "Prometheus:$p_samples:$p_cpu:$p_seconds:$p_fail:$p_rss" "VictoriaMetrics:$m_samples:$m_cpu:$m_seconds:$m_fail:$m_rss"; do
  IFS=: read -r name samples cpu seconds fail rss <<<"$row"
  awk -v n="$name" -v s="$samples" -v c="$cpu" -v t="$seconds" -v f="$fail" -v r="$rss" 'BEGIN {
    printf "  remote-write in, %-16s %9d samples in %6.1f s, %8.0f samples per CPU second (%.2f µs/sample), %d refused, RSS %d KiB\n", n ":", s, t, s / (c / 1000), c * 1000 / s, f, r }'
done
awk -v vm="$vm_ms" -v ex="$ex_ms" -v vr="$vm_rss" -v er="$ex_rss" -v h="$host_ms" -v ne="$ne_ms" -v hr="$host_rss" -v nr="$ne_rss" \
    -v vs="$v_samples" -v vc="$v_cpu" -v ps="$p_samples" -v pc="$p_cpu" -v ms="$m_samples" -v mc="$m_cpu" 'BEGIN {
  printf "  ratios: VM scrape CPU virtmon/exporter %.2f, RSS %.2f; host scrape CPU virtmon/node_exporter %.2f, RSS %.2f\n", vm / ex, vr / er, h / ne, hr / nr
  printf "          remote-write ingest per CPU second virtmon/Prometheus %.2f, virtmon/VictoriaMetrics %.2f\n", (vs / vc) / (ps / pc), (vs / vc) / (ms / mc) }'
