#!/usr/bin/env bash
# Installs virtmon: the binary, its manual, shell completions, the configuration reference and the systemd
# units, under a prefix.
#
#   bash scripts/install.sh [--prefix DIR] [--binary PATH] [--system]
#
#   --prefix DIR    where bin/, share/ and lib/systemd/system/ go (default /usr/local)
#   --binary PATH   install this already-built virtmon instead of building a release one
#   --system        also set the machine up to run the services (root): a `virtmon` system user, its data dir
#                   /var/lib/virtmon (0700), /etc/virtmon/virtmon.yaml with a fresh secret (kept if present),
#                   the units in /etc/systemd/system and a daemon-reload. Then:
#                   systemctl enable --now virtmon-collector virtmon-agent
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local binary="" system=no
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --binary) binary=${2:?--binary needs the path of a built virtmon}; shift 2 ;;
    --system) system=yes; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path, got '$prefix'" >&2; exit 2 ;; esac
if [ "$system" = yes ] && [ "$(id -u)" != 0 ]; then echo "install.sh: --system sets up a user and /etc: run it as root" >&2; exit 2; fi

if [ -z "$binary" ]; then
  echo "building virtmon (release; the first build takes several minutes)..."
  swift build -c release --product virtmon
  binary="$(swift build -c release --show-bin-path)/virtmon"
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable virtmon" >&2; exit 2; }

sysconfdir=/etc
[ "$system" = yes ] || sysconfdir="$prefix/etc"
unitdir="$prefix/lib/systemd/system"
[ "$system" = yes ] && unitdir=/etc/systemd/system

install -d -m 0755 "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/doc/virtmon" "$unitdir" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$prefix/bin/virtmon"
virtmon="$prefix/bin/virtmon"

python3 scripts/manpage.py "$virtmon" > "$prefix/share/man/man1/virtmon.1"
chmod 0644 "$prefix/share/man/man1/virtmon.1"
"$virtmon" --generate-completion-script bash > "$prefix/share/bash-completion/completions/virtmon"
"$virtmon" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_virtmon"
"$virtmon" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/virtmon.fish"
install -m 0644 docs/configuration.md docs/agent.example.yaml README.md "$prefix/share/doc/virtmon/"

for unit in virtmon-collector virtmon-agent; do
  sed -e "s|@BINDIR@|$prefix/bin|g" -e "s|@SYSCONFDIR@|$sysconfdir|g" "packaging/$unit.service" > "$unitdir/$unit.service"
  chmod 0644 "$unitdir/$unit.service"
done

config="$sysconfdir/virtmon/virtmon.yaml"
if [ "$system" = yes ]; then
  getent group virtmon >/dev/null || groupadd --system virtmon
  getent passwd virtmon >/dev/null || useradd --system --gid virtmon --home-dir /var/lib/virtmon --no-create-home \
    --shell /usr/sbin/nologin --comment "virtmon metering" virtmon
  # libvirt's read-only socket is the libvirt group's; a host without libvirt has no such group.
  if getent group libvirt >/dev/null; then usermod --append --groups libvirt virtmon; fi
  install -d -m 0700 -o virtmon -g virtmon /var/lib/virtmon
fi
install -d -m 0755 "$sysconfdir/virtmon"
if [ ! -e "$config" ]; then
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sed "s|@SECRET@|$secret|g" packaging/virtmon.yaml > "$config"
  chmod 0640 "$config"
  [ "$system" = yes ] && chgrp virtmon "$config"
  "$virtmon" config check "$config" >/dev/null
fi
if [ "$system" = yes ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

echo "installed $("$virtmon" --version) into $prefix"
echo "  manual: man $prefix/share/man/man1/virtmon.1    configuration: $config    units: $unitdir"
if [ "$system" = yes ]; then
  echo "  start:  systemctl enable --now virtmon-collector virtmon-agent"
else
  echo "  (not set up as a service: run again as root with --system to create the virtmon user, /var/lib/virtmon and /etc/virtmon)"
fi
