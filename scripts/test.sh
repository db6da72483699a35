#!/usr/bin/env bash
# Runs virtmon's whole test suite on a fresh Debian 12 machine: installs what the tests need from Debian,
# starts any throwaway servers by PID under a temporary directory, runs `swift test`, and stops them.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh --filter X # passed on to swift test
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# --- What the tests read the host with, and the peer they compare against -------------------------------
packages=()
command -v prometheus-node-exporter >/dev/null 2>&1 || packages+=(prometheus-node-exporter)
command -v curl >/dev/null 2>&1 || packages+=(curl)
command -v free >/dev/null 2>&1 || packages+=(procps)
# A real QEMU for the hypervisor-process checks (firmware-only guests; no libvirt needed for those tests).
command -v qemu-system-x86_64 >/dev/null 2>&1 || packages+=(qemu-system-x86)
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
for tool in prometheus-node-exporter qemu-system-x86_64 pmap; do
  command -v "$tool" >/dev/null || { echo "scripts/test.sh: $tool did not install" >&2; exit 1; }
done

# --- Throwaway servers: each started under $run with its PID recorded, all stopped on exit ---------------
run=$(mktemp -d /tmp/virtmon-test.XXXXXX)
stop_all() {
  for pidfile in "$run"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$run"
}
trap stop_all EXIT
# (The collector and VM issues add PostgreSQL and libvirtd here.)

# --- The suite ---------------------------------------------------------------------------------------------
# The spool test keeps its HTTP destination away this long before it appears: the acceptance figure.
export VIRTMON_OUTAGE_SECONDS="${VIRTMON_OUTAGE_SECONDS:-60}"
log "swift build (the executables tests run: virtmon, vmm-stand-in)"
swift build
log "swift test"
swift test "$@"
