#!/usr/bin/env bash
# Runs virtmon's whole test suite on a fresh Debian 12 machine: installs what the tests need from Debian,
# starts any throwaway servers by PID under a temporary directory, runs `swift test`, and stops them.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh --filter X # passed on to swift test (and no fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# --- What the tests read the host with, and the peer they compare against -------------------------------
packages=()
command -v prometheus-node-exporter >/dev/null 2>&1 || packages+=(prometheus-node-exporter)
command -v curl >/dev/null 2>&1 || packages+=(curl)
# promtool (from Debian's prometheus) lints the collector's /metrics.
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v free >/dev/null 2>&1 || packages+=(procps)
# A real QEMU for the hypervisor-process checks (firmware-only guests; no libvirt needed for those tests).
command -v qemu-system-x86_64 >/dev/null 2>&1 || packages+=(qemu-system-x86)
# The collector's stores: SQLite (headers to build against) and a real PostgreSQL server for the conformance suite.
[ -e /usr/include/sqlite3.h ] || packages+=(libsqlite3-dev)
# sqlite3's shell: the damaged-database test finds the pages to damage and runs scripts/recover-sqlite.sh.
command -v sqlite3 >/dev/null 2>&1 || packages+=(sqlite3)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
# libvirt's client library: its in-process test driver backs the VM-metering tests (the lab adds the daemon).
ls /usr/lib/*/libvirt.so.0 >/dev/null 2>&1 || packages+=(libvirt0)
# The install test checks the systemd units with systemd-analyze and the manual with groff.
command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd)
command -v groff >/dev/null 2>&1 || packages+=(groff-base)
# Remote-write bodies are snappy blocks (libsnappy, loaded at run time); VictoriaMetrics and vmagent are the
# peers remote-write is tested against beside Prometheus; the libvirt exporter is the scrape benchmark's peer.
ls /usr/lib/*/libsnappy.so.1 >/dev/null 2>&1 || packages+=(libsnappy1v5)
[ -x /usr/bin/victoria-metrics ] || packages+=(victoria-metrics)
[ -x /usr/bin/prometheus ] || packages+=(prometheus)
# The message bus: a real RabbitMQ broker (started per test by scripts/rabbitmq.sh) and the C client the agent
# and collector load at run time.
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || packages+=(rabbitmq-server)
ls /usr/lib/*/librabbitmq.so.4 >/dev/null 2>&1 || packages+=(librabbitmq4)
# nginx balances a collector fleet's HTTP (round robin) and UDP (its stream module) in the fleet test.
[ -x /usr/sbin/nginx ] || packages+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || packages+=(libnginx-mod-stream)
# A real Alertmanager receives the alarms' alertmanager:// notifications.
[ -x /usr/bin/prometheus-alertmanager ] || packages+=(prometheus-alertmanager)
# The dashboard's browser test drives real headless Chromium through its WebDriver.
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/bin/chromedriver ] || packages+=(chromium-driver)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: need root to install ${packages[*]} (apt-get); run as root or install them first" >&2
    exit 1
  fi
  log "installing ${packages[*]} from Debian"
  apt-get update -qq
  # No init system here: keep the packages' postinst from starting services we start ourselves.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
for tool in prometheus-node-exporter promtool prometheus victoria-metrics vmagent qemu-system-x86_64 pmap systemd-analyze groff prometheus-alertmanager chromium chromedriver; do
  command -v "$tool" >/dev/null || { echo "scripts/test.sh: $tool did not install" >&2; exit 1; }
done

# --- The real Ceilometer client, from PyPI, in a virtualenv kept beside the build -------------------------
venv=.build/ceilometer-venv
if [ ! -x "$venv/bin/ceilometer" ]; then
  log "installing python-ceilometerclient 2.9.0 from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check python-ceilometerclient==2.9.0
fi
export VIRTMON_CEILOMETER="$PWD/$venv/bin/ceilometer"

# --- schemathesis, from PyPI: fuzzes a live collector from its /openapi.json --------------------------------
fuzz_venv=.build/schemathesis-venv
if [ ! -x "$fuzz_venv/bin/schemathesis" ]; then
  log "installing schemathesis from PyPI into $fuzz_venv"
  rm -rf "$fuzz_venv"
  python3 -m venv "$fuzz_venv"
  "$fuzz_venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4,<5'
fi
export VIRTMON_SCHEMATHESIS="$PWD/$fuzz_venv/bin/schemathesis"
export VIRTMON_FUZZ_EXAMPLES="${VIRTMON_FUZZ_EXAMPLES:-10}"

# --- oslo.messaging and msgpack, from PyPI: publish exactly what Ceilometer puts on the bus and on UDP --------
oslo_venv=.build/oslo-venv
if [ ! -x "$oslo_venv/bin/python" ] || ! "$oslo_venv/bin/python" -c 'import oslo_messaging, msgpack' 2>/dev/null; then
  log "installing oslo.messaging and msgpack from PyPI into $oslo_venv"
  rm -rf "$oslo_venv"
  python3 -m venv "$oslo_venv"
  "$oslo_venv/bin/pip" install -q --disable-pip-version-check 'oslo.messaging' 'msgpack'
fi
export VIRTMON_OSLO_PYTHON="$PWD/$oslo_venv/bin/python"

# --- selenium, from PyPI: drives Chromium for the dashboard's browser test ----------------------------------
browser_venv=.build/selenium-venv
if [ ! -x "$browser_venv/bin/python" ] || ! "$browser_venv/bin/python" -c 'import selenium' 2>/dev/null; then
  log "installing selenium from PyPI into $browser_venv"
  rm -rf "$browser_venv"
  python3 -m venv "$browser_venv"
  "$browser_venv/bin/pip" install -q --disable-pip-version-check 'selenium>=4.20,<5'
fi
export VIRTMON_SELENIUM_PYTHON="$PWD/$browser_venv/bin/python"

# --- Throwaway servers: each started under $run with its PID recorded, all stopped on exit ---------------
run=$(mktemp -d /tmp/virtmon-test.XXXXXX)
chmod 755 "$run"  # PostgreSQL runs as the postgres user and must reach its directory
# Tests start their own RabbitMQ nodes under here (ThrowawayBroker); any a failed test left are stopped below.
export VIRTMON_TEST_RUN="$run"
stop_all() {
  for broker in "$run"/rabbitmq-*; do
    if [ -d "$broker" ]; then bash scripts/rabbitmq.sh stop "$broker" >/dev/null 2>&1 || true; fi
  done
  bash scripts/libvirt-lab.sh stop "$run/libvirt" >/dev/null 2>&1 || true
  bash scripts/postgres.sh stop "$run/postgres" || true
  for pidfile in "$run"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$run"
}
trap stop_all EXIT
. scripts/measure.sh
log "starting a throwaway PostgreSQL"
VIRTMON_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start "$run/postgres" "$(free_port)")
export VIRTMON_TEST_POSTGRES_URL
echo "PostgreSQL at $VIRTMON_TEST_POSTGRES_URL (pid $(cat "$run/postgres/postgres.pid"))"
log "starting the libvirt lab (libvirtd, virtlogd, a tiny Linux guest)"
bash scripts/libvirt-lab.sh start "$run/libvirt"
export VIRTMON_LIBVIRT_LAB="$run/libvirt"

# --- The suite ---------------------------------------------------------------------------------------------
# The spool test keeps its HTTP destination away this long before it appears: the acceptance figure.
export VIRTMON_OUTAGE_SECONDS="${VIRTMON_OUTAGE_SECONDS:-60}"
log "swift build (the executables tests run: virtmon, vmm-stand-in)"
swift build
# At most this many tests at once. Unbounded, swift-testing starts all ~300 together on a 2-core machine, and
# the suite's stall watchdog (Tests/VirtmonTestSupport/StallWatchdog.swift) measured the cooperative pool
# taking 1-16 s to start a job, which failed timing tests that pass alone.
width="${VIRTMON_TEST_WIDTH:-8}"
log "swift test (at most $width tests at once)"
swift test --experimental-maximum-parallelization-width "$width" "$@"

# --- Bounded fuzzing from the committed corpus (the whole run: bash scripts/fuzz.sh) -----------------------
if [ $# -eq 0 ]; then
  log "fuzzing each decoder for ${VIRTMON_FUZZ_SECONDS:-10} s from Fuzz/corpus (libFuzzer + AddressSanitizer)"
  bash scripts/fuzz.sh --seconds "${VIRTMON_FUZZ_SECONDS:-10}"
  # --- A short soak: offered, acknowledged and stored counted; exit 1 if an acknowledged sample is missing -----
  log "soak: 20 agents (4 on UDP) x 1,000 series at 10 s for ${VIRTMON_SOAK_SECONDS:-60} s against the debug build's collector (the hour at full scale: bash scripts/soak.sh)"
  VIRTMON_BIN="$(swift build --show-bin-path)/virtmon" bash scripts/soak.sh --seconds "${VIRTMON_SOAK_SECONDS:-60}" \
    --agents 20 --udp-agents 4 --series 1000
fi
