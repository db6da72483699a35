#!/usr/bin/env bash
# A throwaway libvirt lab for tests and benchmarks: libvirtd and virtlogd started by PID with a throwaway
# configuration, and a tiny Linux guest built from Debian's cloud kernel and busybox-static.
#
#   scripts/libvirt-lab.sh start DIR     # installs what it needs, starts the daemons, builds DIR/guest/*
#   scripts/libvirt-lab.sh restart-daemon DIR   # kills libvirtd and starts it again (guests keep running)
#   scripts/libvirt-lab.sh stop DIR      # stops every domain and daemon it started, restores qemu.conf
#
# As root only (libvirt's QEMU driver). The daemons listen on libvirt's usual sockets (qemu:///system); their
# logs and PIDs are under DIR. The guest's init busy-loops, fills tmpfs, reads its disk and sends DHCP
# requests, announcing each phase on its serial console (DIR/guest/<name>.console).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== lab: %s\n' "$*" >&2; }
# Daemons must answer SIGTERM even when whoever ran this script had it blocked or ignored (Foundation's Process,
# which tests use, passes its blocked signals on to children): reset both before exec.
unmasked() {
  python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP): signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

start() {
  local dir=$1
  mkdir -p "$dir/guest"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" -eq 0 ] || { echo "libvirt-lab.sh: needs root" >&2; exit 1; }

  local packages=()
  command -v libvirtd >/dev/null 2>&1 || packages+=(libvirt-daemon)
  [ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] || packages+=(libvirt-daemon-driver-qemu)
  command -v qemu-system-x86_64 >/dev/null 2>&1 || packages+=(qemu-system-x86)
  command -v qemu-img >/dev/null 2>&1 || packages+=(qemu-utils)
  [ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx insmod || packages+=(busybox-static)
  command -v virsh >/dev/null 2>&1 || packages+=(libvirt-clients)
  command -v cpio >/dev/null 2>&1 || packages+=(cpio)
  if [ ${#packages[@]} -gt 0 ]; then
    log "installing ${packages[*]}"
    apt-get update -qq
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
  fi
  mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /run/libvirt
  id libvirt-qemu >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin libvirt-qemu

  # QEMU runs as root without confinement here (no AppArmor/SELinux profiles in a container).
  [ -e "$dir/qemu.conf.orig" ] || cp /etc/libvirt/qemu.conf "$dir/qemu.conf.orig" 2>/dev/null || touch "$dir/qemu.conf.orig"
  printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n' > /etc/libvirt/qemu.conf
  cat > "$dir/libvirtd.conf" <<CONF
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:$dir/libvirtd.log"
CONF
  if ! { [ -e "$dir/virtlogd.pid" ] && kill -0 "$(cat "$dir/virtlogd.pid")" 2>/dev/null; }; then
    unmasked virtlogd --daemon --pid-file "$dir/virtlogd.pid" </dev/null >>"$dir/virtlogd.out" 2>&1
  fi
  start_libvirtd "$dir"

  build_guest "$dir/guest"
  log "ready: qemu:///system (libvirtd pid $(cat "$dir/libvirtd.pid"))"
}

start_libvirtd() {
  local dir=$1
  if ! { [ -e "$dir/libvirtd.pid" ] && kill -0 "$(cat "$dir/libvirtd.pid")" 2>/dev/null; }; then
    # Detached from our stdout and stderr: a daemon holding them open would keep any pipe reader waiting.
    unmasked libvirtd --daemon --pid-file "$dir/libvirtd.pid" --config "$dir/libvirtd.conf" </dev/null >>"$dir/libvirtd.out" 2>&1
  fi
  log "waiting for libvirtd (the first connection probes QEMU's capabilities: 8-12 s)"
  for _ in $(seq 120); do
    virsh -c qemu:///system version >/dev/null 2>&1 && break
    sleep 0.5
  done
  virsh -c qemu:///system version >/dev/null
}

restart_daemon() {
  local dir
  dir=$(cd "$1" && pwd)
  local pid
  pid=$(cat "$dir/libvirtd.pid")
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  start_libvirtd "$dir"
}

build_guest() {
  local out=$1
  [ -s "$out/initrd.gz" ] && [ -s "$out/vmlinuz" ] && [ -s "$out/disk.img" ] && return 0
  local work
  work=$(mktemp -d)
  log "building the guest: Debian's cloud kernel and busybox-static"
  local package
  package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image/ { print $2; exit }')
  (cd "$work" && apt-get download -qq "$package" >/dev/null)
  dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
  cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
  local modules root="$work/root"
  modules=$(ls -d "$work"/kernel/lib/modules/*)
  mkdir -p "$root"/{bin,dev,proc,sys,mnt,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh mount insmod sleep dd cat echo ip udhcpc uptime cut; do ln -s busybox "$root/bin/$applet"; done
  for module in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk virtio_balloon \
      failover net_failover virtio_net; do
    find "$modules" -name "$module.ko" -exec cp {} "$root/lib/modules/" \;
  done
  cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# No modprobe or modules.dep here: three passes load every module once the ones it needs are in.
for pass in 1 2 3; do
  for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done
done
say() { echo "virtmon-guest: $* at $(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0; }
say ready
# Phases: idle, busy (one vCPU at 100 %), fill 64 MiB of tmpfs, read the whole disk, send DHCP requests.
sleep 4
say busy-start
end=$(( $(cut -d. -f1 /proc/uptime) + 25 ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do :; done
say busy-end
sleep 8
mount -t tmpfs -o size=200m tmpfs /mnt
dd if=/dev/zero of=/mnt/fill bs=1M count=64 2>/dev/null
say filled
sleep 8
dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null
say disk-read
ip link set eth0 up
udhcpc -i eth0 -n -q -t 3 -T 1 >/dev/null 2>&1
say network-sent
while :; do sleep 3600; done
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz"
  dd if=/dev/urandom of="$out/disk.img" bs=1M count=32 status=none
  qemu-img create -q -f qcow2 "$out/firmware-disk.qcow2" 16M
  rm -rf "$work"
}

stop() {
  local dir=$1
  for domain in $(virsh -c qemu:///system list --name 2>/dev/null); do
    virsh -c qemu:///system destroy "$domain" >/dev/null 2>&1 || true
  done
  for pidfile in "$dir/libvirtd.pid" "$dir/virtlogd.pid"; do
    [ -e "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    # Wait for it to go (its pid file lock would stop the next lab's daemon), then insist.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -e "$dir/qemu.conf.orig" ]; then cp "$dir/qemu.conf.orig" /etc/libvirt/qemu.conf 2>/dev/null || true; fi
}

case "${1:-}" in
  start) start "$2" ;;
  restart-daemon) restart_daemon "$2" ;;
  stop) stop "$2" ;;
  *) echo "usage: scripts/libvirt-lab.sh start DIR | restart-daemon DIR | stop DIR" >&2; exit 2 ;;
esac
