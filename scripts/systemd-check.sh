#!/usr/bin/env bash
# Installs the kb .deb into a fresh Debian 12 system booted with a real
# systemd (systemd-nspawn --boot on a debootstrap'ed root, its own network
# namespace), as an operator would with `apt install ./kb_*.deb`, and checks
# through the live units: kb-server.service active, /healthz and a search
# answered, the DynamicUser / StateDirectory / ProtectSystem hardening in
# effect, and kb-index.path re-indexing when an article is added. The checks
# run inside (scripts/systemd-check-guest.sh); their lines are printed here.
#
#   scripts/systemd-check.sh [BUILD_DIR]      (default build/default; needs root)
#
# Exit codes: 0 passed; 1 failed; 77 skipped, said loudly with the check
# that failed (not root, no systemd-nspawn or debootstrap, no namespaces or
# cgroups to boot a container, no network to fetch Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build/default}")
CHECK_NAME=systemd-check
source scripts/lib/debian-root.sh

require_root_and_debootstrap "debootstrap, chroot and systemd-nspawn"
command -v systemd-nspawn >/dev/null ||
  skip "systemd-nspawn is not installed (Debian systemd-container; scripts/deps.sh --test installs it)"
[[ -d /sys/fs/cgroup/systemd || -f /sys/fs/cgroup/cgroup.controllers || -d /sys/fs/cgroup/unified ]] ||
  skip "no cgroup hierarchy for systemd at /sys/fs/cgroup: a container's systemd cannot boot here"
unshare --mount --uts --ipc --net --pid --fork true 2>/dev/null ||
  skip "cannot create mount/uts/ipc/net/pid namespaces here (unshare failed): no container can boot"

(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/kb_*_amd64.deb | head -1)
say "package: $(basename "$deb")"

base=$(debian_root_tar "$build") || skip "debootstrap could not fetch Debian packages (network?); log: $build/debian-root/debootstrap.log"
cache="$build/systemd-check"
archives="$build/debian-root/apt-archives"  # kept between runs: reruns fetch only the package lists
mkdir -p "$cache" "$archives/partial"

root=$(mktemp -d /var/tmp/kb-systemd-check.XXXXXX)
cleanup() {
  umount "$root/var/cache/apt/archives" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/root/"
cp scripts/systemd-check-guest.sh "$root/root/"

# While the root is a plain chroot with network: systemd itself, curl for
# the checks, and kb's dependencies downloaded (not installed) so that the
# booted system, which has no network, can `apt install` the .deb.
say "chroot: apt-get install systemd-sysv dbus curl, and download kb's dependencies"
mount -t proc proc "$root/proc"
mount --bind "$archives" "$root/var/cache/apt/archives"
export DEBIAN_FRONTEND=noninteractive
if ! chroot "$root" apt-get update -q >"$cache/apt.log" 2>&1; then
  tail -5 "$cache/apt.log" >&2
  skip "apt-get update failed in the fresh root (network?)"
fi
chroot "$root" apt-get install -y -q --no-install-recommends systemd-sysv dbus curl >>"$cache/apt.log" 2>&1 ||
  { tail -5 "$cache/apt.log" >&2; say "FAILED: apt-get install systemd-sysv in the root"; exit 1; }
chroot "$root" apt-get install -y -q --no-install-recommends --download-only "/root/$(basename "$deb")" >>"$cache/apt.log" 2>&1 ||
  { tail -5 "$cache/apt.log" >&2; say "FAILED: apt-get could not resolve kb's dependencies"; exit 1; }
umount "$root/var/cache/apt/archives" "$root/proc"
# A machine id, so that journald and DynamicUser behave as on a real system.
systemd-machine-id-setup --root="$root" >/dev/null 2>&1 || true

# The check runs as a unit once the system is up, then powers it off.
cat >"$root/etc/systemd/system/kb-systemd-check.service" <<UNIT
[Unit]
Description=kb: install the package and check its units (scripts/systemd-check.sh)
After=basic.target
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
ExecStart=/root/systemd-check-guest.sh /root/$(basename "$deb")
StandardOutput=file:/root/systemd-check.out
StandardError=inherit
TimeoutStartSec=240
UNIT
ln -s ../kb-systemd-check.service "$root/etc/systemd/system/multi-user.target.wants/kb-systemd-check.service"

say "systemd-nspawn --boot (private network); the checks run inside"
boot_log="$cache/boot.log"
rc=0
timeout 300 systemd-nspawn --quiet --directory="$root" --boot --register=no --keep-unit --private-network \
  --machine="kb-check-$$" --bind="$archives:/var/cache/apt/archives" --console=read-only \
  systemd.show_status=no >"$boot_log" 2>&1 || rc=$?
out="$root/root/systemd-check.out"
if [[ ! -s $out ]]; then
  tail -30 "$boot_log" >&2
  say "FAILED: the booted system ran no check (systemd-nspawn exit code $rc; console: $boot_log)"
  exit 1
fi
cat "$out" >&2
[[ $rc -eq 0 ]] || say "note: systemd-nspawn exited with $rc (124: it did not power off within 300 s)"
[[ $(tail -1 "$out") == PASS ]] || { say "FAILED (console: $boot_log)"; exit 1; }
say "OK: a real systemd installed and started kb from the .deb"
