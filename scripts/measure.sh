# Helpers the test and benchmark scripts share (sourced, not run): CPU and memory of a process from /proc,
# and a free loopback port.
ticks=$(getconf CLK_TCK)
# utime+stime of PID, in milliseconds.
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
# utime+stime summed over PIDs, in clock ticks (PIDs that are gone count 0).
cpu_ticks() { local total=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$total"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon/ { print $2 }' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Builds virtmon in release mode (quietly) and prints the binary's path.
release_virtmon() { echo "building virtmon (release)..." >&2; swift build -c release --product virtmon >/dev/null; echo "$(swift build -c release --show-bin-path)/virtmon"; }
# start_collector BIN WORK SECRET [EXTRA_YAML] [OPEN_FILES]: a collector on a free port with admin token
# "admin-token" and project p1's token "p1-token", its data and log in WORK; waits for /healthz and sets
# $collector (its pid) and $port. UDP ingest is off unless $collector_udp names HOST:PORT. Stop it with
# `kill "$collector"` (a trap should).
start_collector() {
  local bin=$1 work=$2 secret=$3 extra=${4:-} files=${5:-}
  port=$(free_port)
  printf 'collector:\n  listen: 127.0.0.1:%s\n  udp: "%s"\n  secret: %s\n  admin_token: admin-token\n  project_tokens:\n    p1: p1-token\n%s' \
    "$port" "${collector_udp:-off}" "$secret" "$extra" > "$work/collector.yaml"
  if [ -n "$files" ]; then
    (ulimit -n "$files"; exec "$bin" collector --config "$work/collector.yaml" --data-dir "$work/data" --log-level warning) 2>"$work/collector.log" &
  else
    "$bin" collector --config "$work/collector.yaml" --data-dir "$work/data" --log-level warning 2>"$work/collector.log" &
  fi
  collector=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the collector did not answer /healthz within 10 s; its log:" >&2; cat "$work/collector.log" >&2; return 1
}
