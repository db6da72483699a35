#!/usr/bin/env bash
# A long schemathesis run (not a test) against a live collector, from its own /openapi.json, as the admin and
# as a project token. The test command runs the same with few examples; this one runs as many as asked.
#
#   bash scripts/fuzz-api.sh [EXAMPLES_PER_OPERATION]      (default 500)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-500}"
venv=.build/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4,<5'
fi
. scripts/measure.sh
bin=$(release_virtmon)
work=$(mktemp -d /tmp/virtmon-fuzz.XXXXXX)
collector=""
trap '[ -n "$collector" ] && kill "$collector" 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
cat > "$work/collector.yaml" <<YAML
collector:
  listen: 127.0.0.1:$port
  udp: "off"
  secret: fuzz-secret
  admin_token: fuzz-admin
  project_tokens:
    p1: p1-token
    p2: p2-token
YAML
"$bin" collector --config "$work/collector.yaml" --data-dir "$work/data" --log-level warning 2>"$work/collector.log" &
collector=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for vm in vm-a vm-b; do
  curl -sf -o /dev/null -H 'X-Auth-Token: fuzz-admin' -H 'Content-Type: application/json' \
    -d "[{\"counter_type\":\"gauge\",\"counter_unit\":\"%\",\"counter_volume\":42,\"resource_id\":\"$vm\",\"project_id\":\"p1\"}]" \
    "http://127.0.0.1:$port/v2/meters/cpu_util"
done
status=0
for token in fuzz-admin p1-token; do
  echo "== schemathesis as $token, $examples examples per operation" >&2
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" -H "X-Auth-Token: $token" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance \
    --max-examples "$examples" --phases examples,coverage,fuzzing --workers 1 --no-color | tail -25 || status=1
done
kill -0 "$collector" && echo "collector still running (pid $collector), RSS $(rss_kib "$collector") KiB" || { echo "collector died" >&2; status=1; }
exit $status
