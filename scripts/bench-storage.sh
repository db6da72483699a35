#!/usr/bin/env bash
# Benchmark (not a test): virtmon's chunk storage against Prometheus 2.42's TSDB and VictoriaMetrics 1.79 fed
# the same stream, in one run on this machine. Prints three ratios against each:
#   1. ingest: durable samples per CPU second (collector vs Prometheus with --web.enable-remote-write-receiver,
#      CPU from /proc while the stream is fed, compaction during the feed included);
#   2. bytes on disk per sample fed, as `du -sb` of each data directory: virtmon's right after a clean stop and
#      after `virtmon storage compact`; VictoriaMetrics's after /internal/force_flush and /internal/force_merge;
#      Prometheus: its block directories after compaction, over the samples their meta.json counts;
#   3. statistics latency (median of 5 after a warm-up, through HTTP): one series over 30 days at 60 s grouped
#      hourly, and 200 series over 24 h at 10 s grouped per 5 minutes, vs avg_over_time through query_range;
#      virtmon's through the Ceilometer API (/v2) and its own (/api/v1/statistics).
#
#   bash scripts/bench-storage.sh [HOURS]     (default 24: 200 VMs x 20 meters at 10 s = 34.6 M samples)
set -euo pipefail
cd "$(dirname "$0")/.."
hours="${1:-24}"
command -v prometheus >/dev/null || { echo "bench-storage.sh: needs prometheus (apt-get install prometheus)" >&2; exit 1; }
command -v victoria-metrics >/dev/null || { echo "bench-storage.sh: needs victoria-metrics (apt-get install victoria-metrics)" >&2; exit 1; }
/usr/bin/python3 -c 'import snappy' 2>/dev/null || { echo "bench-storage.sh: needs python3-snappy (apt-get install python3-snappy)" >&2; exit 1; }

echo "building virtmon (release)..." >&2
swift build -c release --product virtmon >/dev/null
bin="$(swift build -c release --show-bin-path)/virtmon"
. scripts/measure.sh

work=$(mktemp -d /tmp/virtmon-bench-storage.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
secret=bench-secret
token=bench-token
feed() { /usr/bin/python3 scripts/bench_feed.py "$@"; }
median_ms() {  # URL [HEADER] → median of 5 timed runs, after one warm-up
  curl -sf -o /dev/null -H "X-Auth-Token: $token" "$1"
  for _ in 1 2 3 4 5; do curl -sf -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $token" "$1"; done \
    | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[3] * 1000 }'
}
# remote_write PID PORT: feeds the stream as remote-write to the engine PID listening on PORT; prints
# "samples seconds failures cpu_ticks rss_kib".
remote_write() {
  local before samples seconds failures
  before=$(cpu_ticks "$1")
  read -r samples seconds failures < <(feed prometheus "$2" "$hours")
  echo "$samples $seconds $failures $(( $(cpu_ticks "$1") - before )) $(rss_kib "$1")"
}
# promql_queries PORT: the two statistics as query_range on PORT; prints "long_ms day_ms day_series day_points".
promql_queries() {
  local q="http://127.0.0.1:$1/api/v1/query_range"
  local day="$q?query=avg_over_time(cpu_util%5B5m%5D)&start=$((day_start + 300))&end=$end&step=300"
  echo "$(median_ms "$q?query=avg_over_time(bench_long%5B1h%5D)&start=$((long_start + 3600))&end=$long_end&step=3600") $(median_ms "$day")" \
    "$(curl -sf "$day" | /usr/bin/python3 -c 'import json,sys; r = json.load(sys.stdin)["data"]["result"]; print(len(r), sum(len(s["values"]) for s in r))')"
}
start_collector() {
  "$bin" collector --listen "127.0.0.1:$vport" --udp off --storage "sqlite://$work/virtmon/virtmon.db" --data-dir "$work/virtmon" \
    --secret "$secret" --admin-token "$token" --log-level warning 2>>"$work/collector.log" &
  collector=$!; pids+=("$collector")
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$vport/healthz" >/dev/null && return; sleep 0.1; done
  echo "collector did not start:" >&2; cat "$work/collector.log" >&2; exit 1
}

# --- virtmon ---
vport=$(free_port)
start_collector
echo "feeding virtmon ($hours h of 200 VMs x 20 meters at 10 s, + 30 d of one series at 60 s)..." >&2
before=$(cpu_ticks "$collector")
read -r v_samples v_seconds v_failures < <(feed virtmon "$vport" "$secret" "$hours")
v_cpu=$(( $(cpu_ticks "$collector") - before ))
v_rss=$(rss_kib "$collector")
kill "$collector"; wait "$collector" 2>/dev/null || true
v_du_stop=$(du -sb "$work/virtmon" | cut -f1)
echo "compacting..." >&2
compact_began=$(date +%s.%N)
"$bin" storage compact --storage "sqlite://$work/virtmon/virtmon.db" --json > "$work/stats.json"
compact_seconds=$(echo "$(date +%s.%N) - $compact_began" | bc)
v_du_compact=$(du -sb "$work/virtmon" | cut -f1)
read -r v_chunk_samples v_chunk_bytes v_rollup_bytes v_db_bytes < <(/usr/bin/python3 -c '
import json, sys; s = json.load(open(sys.argv[1])); print(s["chunk_samples"], s["chunk_bytes"], s["rollup_bytes"], s["database_bytes"])' "$work/stats.json")
start_collector
end=$(( $(date +%s) / 60 * 60 ))
day_start=$(( end - hours * 3600 )); day_start=$(( (day_start + 299) / 300 * 300 ))
long_start=$(( (end - 30 * 86400 + 3599) / 3600 * 3600 )); long_end=$(( end / 3600 * 3600 ))
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S; }
q="http://127.0.0.1:$vport/v2/meters"
v_long=$(median_ms "$q/bench.long/statistics?q.field=timestamp&q.op=ge&q.value=$(iso "$long_start")&q.field=timestamp&q.op=lt&q.value=$(iso "$long_end")&period=3600")
v_day=$(median_ms "$q/cpu_util/statistics?q.field=timestamp&q.op=ge&q.value=$(iso "$day_start")&q.field=timestamp&q.op=lt&q.value=$(iso "$end")&period=300&groupby=resource_id")
v_long_rows=$(curl -sf -H "X-Auth-Token: $token" "$q/bench.long/statistics?q.field=timestamp&q.op=ge&q.value=$(iso "$long_start")&q.field=timestamp&q.op=lt&q.value=$(iso "$long_end")&period=3600" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
v_day_rows=$(curl -sf -H "X-Auth-Token: $token" "$q/cpu_util/statistics?q.field=timestamp&q.op=ge&q.value=$(iso "$day_start")&q.field=timestamp&q.op=lt&q.value=$(iso "$end")&period=300&groupby=resource_id" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
# The same two through virtmon's own API (the same rows, timestamps with their zone).
o="http://127.0.0.1:$vport/api/v1/statistics"
v_long_own=$(median_ms "$o?meter=bench.long&start=$(iso "$long_start")Z&end=$(iso "$long_end")Z&period=3600")
v_day_own=$(median_ms "$o?meter=cpu_util&start=$(iso "$day_start")Z&end=$(iso "$end")Z&period=300&groupby=resource_id")
# And in its column layout with only the average, the points query_range returns.
v_long_series=$(median_ms "$o?meter=bench.long&start=$(iso "$long_start")Z&end=$(iso "$long_end")Z&period=3600&layout=series&aggregate=avg")
day_series="$o?meter=cpu_util&start=$(iso "$day_start")Z&end=$(iso "$end")Z&period=300&groupby=resource_id&layout=series&aggregate=avg"
v_day_series=$(median_ms "$day_series")
v_day_series_bytes=$(curl -sf -H "X-Auth-Token: $token" "$day_series" | wc -c)
v_day_rows_bytes=$(curl -sf -H "X-Auth-Token: $token" "$o?meter=cpu_util&start=$(iso "$day_start")Z&end=$(iso "$end")Z&period=300&groupby=resource_id" | wc -c)
kill "$collector"; wait "$collector" 2>/dev/null || true

# --- Prometheus ---
pport=$(free_port)
printf 'global:\n  scrape_interval: 1m\n' > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" --web.listen-address="127.0.0.1:$pport" \
  --web.enable-remote-write-receiver --storage.tsdb.retention.time=90d --log.level=warn 2>"$work/prometheus.log" &
prom=$!; pids+=("$prom")
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && break; sleep 0.1; done
echo "feeding Prometheus the same stream..." >&2
read -r p_samples p_seconds p_failures p_cpu p_rss < <(remote_write "$prom" "$pport")
echo "waiting for Prometheus to finish compacting (no change in its blocks for 90 s)..." >&2
compact_before=$(cpu_ticks "$prom"); last=""; stable=0; waited=0
while [ "$stable" -lt 90 ] && [ "$waited" -lt 1800 ]; do
  now=$(ls "$work/prom" | grep -c "^01" || true)-$(du -sk "$work/prom" 2>/dev/null | cut -f1 || true)
  if [ "$now" = "$last" ]; then stable=$((stable + 10)); else stable=0; last=$now; fi
  sleep 10; waited=$((waited + 10))
done
p_compact_cpu=$(( $(cpu_ticks "$prom") - compact_before ))
read -r p_block_samples p_block_bytes < <(/usr/bin/python3 - "$work/prom" <<'PY'
import json, os, sys
root = sys.argv[1]; samples = size = 0
for name in os.listdir(root):
    meta = os.path.join(root, name, "meta.json")
    if not os.path.exists(meta): continue
    samples += json.load(open(meta))["stats"]["numSamples"]
    for base, _, files in os.walk(os.path.join(root, name)):
        size += sum(os.path.getsize(os.path.join(base, f)) for f in files)
print(samples, size)
PY
)
p_head_bytes=$(du -sb "$work/prom/wal" "$work/prom/chunks_head" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
read -r p_long p_day p_day_series p_day_values < <(promql_queries "$pport")
p_day_points="$p_day_series $p_day_values"

# --- VictoriaMetrics ---
mport=$(free_port)
# A year's retention keeps the 30-day series; no latency offset, so the newest points answer as they do from the others.
victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$mport" -retentionPeriod=1y \
  -search.latencyOffset=0s -loggerLevel=WARN 2>"$work/vm.log" &
vmpid=$!; pids+=("$vmpid")
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$mport/health" >/dev/null && break; sleep 0.1; done
echo "feeding VictoriaMetrics the same stream..." >&2
read -r m_samples m_seconds m_failures m_cpu m_rss < <(remote_write "$vmpid" "$mport")
echo "flushing and merging VictoriaMetrics (until its directory is unchanged for 30 s)..." >&2
merge_before=$(cpu_ticks "$vmpid")
curl -sf "http://127.0.0.1:$mport/internal/force_flush" >/dev/null
curl -sf "http://127.0.0.1:$mport/internal/force_merge" >/dev/null
last=""; stable=0; waited=0
while [ "$stable" -lt 30 ] && [ "$waited" -lt 1200 ]; do
  now=$(du -sb "$work/vm" | cut -f1)
  if [ "$now" = "$last" ]; then stable=$((stable + 5)); else stable=0; last=$now; fi
  sleep 5; waited=$((waited + 5))
done
m_merge_cpu=$(( $(cpu_ticks "$vmpid") - merge_before ))
m_du=$(du -sb "$work/vm" | cut -f1)
read -r m_long m_day m_day_series m_day_values < <(promql_queries "$mport")
m_day_bytes=$(curl -sf "http://127.0.0.1:$mport/api/v1/query_range?query=avg_over_time(cpu_util%5B5m%5D)&start=$((day_start + 300))&end=$end&step=300" | wc -c)
m_day_points="$m_day_series $m_day_values"
kill "$vmpid"; wait "$vmpid" 2>/dev/null || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
v_rate=$(awk -v n="$v_samples" -v c="$v_cpu" -v k="$ticks" 'BEGIN { printf "%.0f", n / (c / k) }')
p_rate=$(awk -v n="$p_samples" -v c="$p_cpu" -v k="$ticks" 'BEGIN { printf "%.0f", n / (c / k) }')
v_bps=$(awk -v b="$v_chunk_bytes" -v n="$v_chunk_samples" 'BEGIN { printf "%.3f", b / n }')
v_all_bps=$(awk -v b="$v_db_bytes" -v n="$v_chunk_samples" 'BEGIN { printf "%.3f", b / n }')
v_roll_bps=$(awk -v b="$v_rollup_bytes" -v n="$v_chunk_samples" 'BEGIN { printf "%.3f", b / n }')
p_bps=$(awk -v b="$p_block_bytes" -v n="$p_block_samples" 'BEGIN { printf "%.3f", b / n }')
m_rate=$(awk -v n="$m_samples" -v c="$m_cpu" -v k="$ticks" 'BEGIN { printf "%.0f", n / (c / k) }')
v_du_stop_bps=$(awk -v b="$v_du_stop" -v n="$v_samples" 'BEGIN { printf "%.3f", b / n }')
v_du_compact_bps=$(awk -v b="$v_du_compact" -v n="$v_samples" 'BEGIN { printf "%.3f", b / n }')
m_bps=$(awk -v b="$m_du" -v n="$m_samples" 'BEGIN { printf "%.3f", b / n }')

echo
echo "virtmon chunk storage vs Prometheus $(prometheus --version 2>&1 | head -1 | awk '{ print $3 }') and VictoriaMetrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || echo "(version unknown)"), $(nproc) cores, $hours h x 4000 series at 10 s + 1 series x 30 d at 60 s:"
echo "ingest      virtmon  $v_samples samples in $v_seconds s, failures $v_failures, collector CPU $(awk -v c="$v_cpu" -v k="$ticks" 'BEGIN { printf "%.1f", c / k }') s = $v_rate samples per CPU second, RSS $((v_rss / 1024)) MiB"
echo "            Prometheus $p_samples samples in $p_seconds s, failures $p_failures, CPU $(awk -v c="$p_cpu" -v k="$ticks" 'BEGIN { printf "%.1f", c / k }') s = $p_rate samples per CPU second, RSS $((p_rss / 1024)) MiB"
echo "            VictoriaMetrics $m_samples samples in $m_seconds s, failures $m_failures, CPU $(awk -v c="$m_cpu" -v k="$ticks" 'BEGIN { printf "%.1f", c / k }') s = $m_rate samples per CPU second (acknowledged before fsync; merging after the feed $(awk -v c="$m_merge_cpu" -v k="$ticks" 'BEGIN { printf "%.1f", c / k }') CPU s), RSS $((m_rss / 1024)) MiB"
echo "            ratio (samples per CPU second) virtmon / Prometheus: $(ratio "$v_rate" "$p_rate"), virtmon / VictoriaMetrics: $(ratio "$v_rate" "$m_rate")   [target >= 1 against VictoriaMetrics]"
echo "size        virtmon  $v_chunk_samples samples sealed: chunk data $v_bps B/sample, rollups $v_roll_bps B/sample, whole SQLite file $v_all_bps B/sample (compaction $compact_seconds s)"
echo "            Prometheus $p_block_samples samples in blocks: $p_bps B/sample (head + WAL left: $p_head_bytes B; compaction after the feed $(awk -v c="$p_compact_cpu" -v k="$ticks" 'BEGIN { printf "%.1f", c / k }') CPU s)"
echo "            du -sb, over the samples fed: virtmon $v_du_stop B ($v_du_stop_bps B/sample) after a clean stop, $v_du_compact B ($v_du_compact_bps B/sample) after compact; VictoriaMetrics $m_du B ($m_bps B/sample) after flush and merge"
echo "            ratio (du -sb per sample) virtmon / VictoriaMetrics: $(ratio "$v_du_compact_bps" "$m_bps") compacted, $(ratio "$v_du_stop_bps" "$m_bps") after stop; virtmon chunk data / Prometheus blocks: $(ratio "$v_bps" "$p_bps")   [target <= 1 and <= 1.5 B/sample]"
echo "statistics  1 series x 30 d @60 s hourly: virtmon $v_long ms ($v_long_rows rows), Prometheus $p_long ms, VictoriaMetrics $m_long ms -> virtmon/Prometheus $(ratio "$v_long" "$p_long"), virtmon/VictoriaMetrics $(ratio "$v_long" "$m_long")"
echo "            200 series x ${hours} h @10 s per 5 min: virtmon $v_day ms ($v_day_rows rows), Prometheus $p_day ms ($p_day_points series/points), VictoriaMetrics $m_day ms ($m_day_points series/points) -> virtmon/Prometheus $(ratio "$v_day" "$p_day"), virtmon/VictoriaMetrics $(ratio "$v_day" "$m_day")   [targets <= 0.5 and <= 1]"
echo "            through virtmon's own API (/api/v1/statistics): $v_long_own ms and $v_day_own ms ($v_day_rows_bytes B) -> virtmon/VictoriaMetrics $(ratio "$v_long_own" "$m_long") and $(ratio "$v_day_own" "$m_day")"
echo "            own API, layout=series&aggregate=avg: $v_long_series ms and $v_day_series ms ($v_day_series_bytes B; VictoriaMetrics's answer $m_day_bytes B) -> virtmon/VictoriaMetrics $(ratio "$v_long_series" "$m_long") and $(ratio "$v_day_series" "$m_day")   [target <= 1]"
