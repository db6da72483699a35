#!/usr/bin/env bash
# Benchmark (not a test): VM metering cost with 200 domains on libvirt's test driver, side by side in one run:
# the virtmon agent (VM meters only), prometheus-libvirt-exporter 0.2 scraped as often, and collectd 5.12's
# virt plugin at the same interval. Prints CPU time per cycle, RSS, and the ratios.
#
#   bash scripts/bench-vm.sh [CYCLES] [DOMAINS]      (defaults 100 and 200)
#
# All three open the same test:///…/node.xml in-process (no daemon), so the figures are each tool's own cost
# of listing the domains, reading their stats and writing the result (virtmon: JSON lines to a file; the
# exporter: Prometheus text to the scraper; collectd: its csv writer). CPU is utime+stime from /proc between
# a warm-up and the end; RSS is VmRSS at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-100}"
domains="${2:-200}"
interval=0.5

missing=()
command -v prometheus-libvirt-exporter >/dev/null || missing+=(prometheus-libvirt-exporter)
command -v collectd >/dev/null || missing+=(collectd-core)
ls /usr/lib/*/libvirt.so.0 >/dev/null 2>&1 || missing+=(libvirt0)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" curl >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
echo "building virtmon (release)..." >&2
swift build -c release --product virtmon >/dev/null
bin="$(swift build -c release --show-bin-path)/virtmon"

work=$(mktemp -d /tmp/virtmon-bench-vm.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
. scripts/measure.sh

python3 scripts/test_node.py "$domains" > "$work/node.xml"
uri="test://$work/node.xml"

# --- virtmon: VM meters only, every 0.5 s, JSON lines to a file --------------------------------------
cat > "$work/agent.yaml" <<YAML
agent:
  interval: ${interval}s
  libvirt_uri: "$uri"
sources:
  - name: vms
    meters: ["cpu", "cpu_util", "vcpus", "memory*", "disk.device.*", "network.*", "power.state"]
monitors:
  enabled: false
YAML
"$bin" agent --config "$work/agent.yaml" --data-dir "$work/data" --log-level warning \
  --publisher "file://$work/vm.jsonl?max_bytes=4294967296" 2>"$work/agent.log" &
agent=$!; pids+=("$agent")
count_cycles() { local n; n=$(grep -c '"counter_name":"power.state","counter_type"' "$work/vm.jsonl" 2>/dev/null || true); echo $(( ${n:-0} / domains )); }
until [ "$(count_cycles)" -ge 3 ]; do sleep 0.2; done
start_cycles=$(count_cycles); start_cpu=$(cpu_ms "$agent")
until [ "$(count_cycles)" -ge $((start_cycles + cycles)) ]; do sleep 0.2; done
end_cycles=$(count_cycles); end_cpu=$(cpu_ms "$agent")
virtmon_ms=$(awk -v a="$start_cpu" -v b="$end_cpu" -v n=$((end_cycles - start_cycles)) 'BEGIN { printf "%.2f", (b - a) / n }')
virtmon_rss=$(rss_kib "$agent")
virtmon_samples=$(( $(wc -l < "$work/vm.jsonl") / end_cycles ))
kill "$agent"; wait "$agent" 2>/dev/null || true

# --- prometheus-libvirt-exporter, scraped the same number of times ----------------------------------
port=$(free_port)
prometheus-libvirt-exporter --libvirt.uri="$uri" --web.listen-address="127.0.0.1:$port" 2>"$work/exporter.log" &
exporter=$!; pids+=("$exporter")
until curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null; do sleep 0.1; done
for _ in 1 2 3; do curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null; done
series=$(curl -sf "http://127.0.0.1:$port/metrics" | grep -c '^libvirt_')
start_cpu=$(cpu_ms "$exporter")
for _ in $(seq "$cycles"); do curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null; done
end_cpu=$(cpu_ms "$exporter")
exporter_ms=$(awk -v a="$start_cpu" -v b="$end_cpu" -v n="$cycles" 'BEGIN { printf "%.2f", (b - a) / n }')
exporter_rss=$(rss_kib "$exporter")
kill "$exporter"; wait "$exporter" 2>/dev/null || true

# --- collectd's virt plugin at the same interval ------------------------------------------------------
mkdir -p "$work/csv"
cat > "$work/collectd.conf" <<CONF
Interval $interval
FQDNLookup false
LoadPlugin virt
LoadPlugin csv
<Plugin virt>
  Connection "$uri"
  RefreshInterval 600
  HostnameFormat uuid
  InterfaceFormat name
</Plugin>
<Plugin csv>
  DataDir "$work/csv"
</Plugin>
CONF
collectd -f -C "$work/collectd.conf" >"$work/collectd.log" 2>&1 &
collectd=$!; pids+=("$collectd")
sleep 3
start_cpu=$(cpu_ms "$collectd"); started=$(date +%s.%N)
sleep "$(awk -v n="$cycles" -v i="$interval" 'BEGIN { print n * i }')"
end_cpu=$(cpu_ms "$collectd"); ended=$(date +%s.%N)
collectd_cycles=$(awk -v a="$started" -v b="$ended" -v i="$interval" 'BEGIN { printf "%d", (b - a) / i }')
collectd_ms=$(awk -v a="$start_cpu" -v b="$end_cpu" -v n="$collectd_cycles" 'BEGIN { printf "%.2f", (b - a) / n }')
collectd_rss=$(rss_kib "$collectd")
collectd_files=$(find "$work/csv" -type f | wc -l)
kill "$collectd"; wait "$collectd" 2>/dev/null || true

echo
echo "VM metering, $domains domains on libvirt's test driver, $cycles cycles each, $(nproc) cores:"
printf '  %-30s %8s ms CPU per cycle  RSS %6d KiB  (%d samples per cycle)\n' "virtmon agent (VM meters)" "$virtmon_ms" "$virtmon_rss" "$virtmon_samples"
printf '  %-30s %8s ms CPU per scrape RSS %6d KiB  (%d series)\n' "prometheus-libvirt-exporter" "$exporter_ms" "$exporter_rss" "$series"
printf '  %-30s %8s ms CPU per cycle  RSS %6d KiB  (%d csv files)\n' "collectd virt plugin" "$collectd_ms" "$collectd_rss" "$collectd_files"
awk -v v="$virtmon_ms" -v e="$exporter_ms" -v c="$collectd_ms" -v vr="$virtmon_rss" -v er="$exporter_rss" -v cr="$collectd_rss" 'BEGIN {
  printf "  ratios virtmon/exporter: CPU %.2f, RSS %.2f;  virtmon/collectd: CPU %.2f, RSS %.2f\n", v / e, vr / er, (c > 0 ? v / c : 0), vr / cr }'
[ -s "$work/collectd.log" ] && { echo "  (collectd said: $(grep -m1 -i 'virt' "$work/collectd.log" || true))"; } || true
