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
