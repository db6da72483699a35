#!/usr/bin/env bash
# Soak run (not a unit test): simulated agents offer signed batches over HTTP and UDP to one release-built
# collector for a long time while a query client asks statistics; prints the collector's RSS and CPU curve,
# ingest and query latency per minute, and at the end offered / acknowledged / stored counts (HTTP must be
# exact: every acknowledged sample stored once; UDP is best effort and its share is reported).
#
#   bash scripts/soak.sh                         # 100 agents (20 of them UDP) x 5,000 series at 10 s, 1 h
#   bash scripts/soak.sh --seconds 120           # what the test command runs
#   bash scripts/soak.sh --agents 40 --series 2000 --seconds 600
#   VIRTMON_BIN=/path/to/virtmon bash scripts/soak.sh   (measure another build)
#
# Exit status 1 when an acknowledged HTTP sample is missing, or an offered one was never acknowledged.
set -euo pipefail
cd "$(dirname "$0")/.."
load_args=()
seconds=3600
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --agents|--udp-agents|--series|--interval|--batch|--udp-batch|--drain) load_args+=("$1" "$2"); shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

. scripts/measure.sh
bin="${VIRTMON_BIN:-$(release_virtmon)}"
work=$(mktemp -d /tmp/virtmon-soak.XXXXXX)
collector=""
trap '[ -n "$collector" ] && kill "$collector" 2>/dev/null; rm -rf "$work"' EXIT
udp_port=$(free_port)
collector_udp=127.0.0.1:$udp_port start_collector "$bin" "$work" soak-secret
echo "== soak: collector pid $collector on 127.0.0.1:$port (UDP $udp_port), data in $work/data, $seconds s"

status=0
PYTHONPATH=scripts python3 scripts/soak.py --port "$port" --udp-port "$udp_port" --pid "$collector" \
    --secret soak-secret --seconds "$seconds" "${load_args[@]}" || status=$?
echo "data directory after the run: $(du -sb "$work/data" | cut -f1) bytes (du -sb)"
kill -TERM "$collector"
stop_began=$(date +%s.%N)
wait "$collector" || true
collector=""
printf 'collector stopped in %.1f s\n' "$(echo "$(date +%s.%N) - $stop_began" | bc)"
if grep -qiE "error|critical" "$work/collector.log"; then
    echo "collector log, errors:" && grep -iE "error|critical" "$work/collector.log" | head -10
fi
exit "$status"
