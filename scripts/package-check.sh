#!/usr/bin/env bash
# Installs the kb .deb into a fresh Debian 12 root (debootstrap, no
# container) with apt, the way an operator would, then starts kb-server
# there by hand (a chroot has no systemd) and checks /healthz, a search and
# /metrics over HTTP. scripts/systemd-check.sh boots the same root with a
# real systemd and checks the units.
#
#   scripts/package-check.sh [BUILD_DIR]      (default build/default; needs root)
#
# Exit codes: 0 installed and served; 1 failed; 77 skipped (not root, no
# debootstrap, or no network to fetch Debian packages), said loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build/default}")
CHECK_NAME=package-check
source scripts/lib/debian-root.sh

require_root_and_debootstrap "debootstrap and chroot"

say "building the package (cpack)"
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/kb_*_amd64.deb | head -1)
say "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# The units as systemd reads them (binaries pointed at the build tree: the
# host does not have the package installed).
if command -v systemd-analyze >/dev/null; then
  units=$(mktemp -d)
  cp packaging/systemd/* "$units/"
  sed -i "s#/usr/bin/kb-server#$build/server/kb-server#; s#/usr/bin/kb-index#$build/indexer/kb-index#" "$units"/*.service
  # Unknown keys are only warnings to systemd: any output is a failure here.
  verify=$(systemd-analyze verify "$units"/kb-server.service "$units"/kb-index.service "$units"/kb-index.path \
           "$units"/kb-index.timer 2>&1) || verify="${verify:-exit code $?}"
  if [[ -n $verify ]]; then
    echo "$verify" >&2
    rm -rf "$units"
    say "FAILED: systemd-analyze verify"
    exit 1
  fi
  rm -rf "$units"
  say "systemd-analyze verify: the four units are clean"
fi

# A minimal bookworm root, made once per build tree and unpacked fresh each run.
cache="$build/package-check"
mkdir -p "$cache"
base=$(debian_root_tar "$build") || skip "debootstrap could not fetch Debian packages (network?); log: $build/debian-root/debootstrap.log"

root=$(mktemp -d /var/tmp/kb-package-check.XXXXXX)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
cp "$deb" "$root/tmp/"

say "apt install ./$(basename "$deb") in a fresh root"
export DEBIAN_FRONTEND=noninteractive
if ! chroot "$root" apt-get update -q >"$cache/apt-update.log" 2>&1; then
  tail -5 "$cache/apt-update.log" >&2
  skip "apt-get update failed in the fresh root (network?)"
fi
chroot "$root" apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" 2>&1 | tail -4 >&2
chroot "$root" dpkg -s kb | grep -E '^(Status|Version|Depends):' >&2

say "kb-index over the bundled articles with the packaged /etc/kb/kb.conf, as kb-index.service does"
chroot "$root" sh -c 'mkdir -p /var/lib/kb && cp -r /usr/share/kb/articles /var/lib/kb/articles && kb-index -q' >&2

say "kb-server with the packaged /etc/kb/kb.conf (KB_PORT=0 overrides its port)"
log="$cache/server.log"
chroot "$root" env KB_PORT=0 /usr/bin/kb-server >"$log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  cat "$log" >&2
  say "FAILED: kb-server did not start"
  exit 1
fi
health=$(curl -fsS "http://127.0.0.1:$port/healthz")
say "GET /healthz -> $health"
search_total=$(curl -fsS "http://127.0.0.1:$port/api/search?q=reset+password" | grep -o '"total":[0-9]*')
say "GET /api/search?q=reset+password -> $search_total"
web_ok=$(curl -fsS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/static/kb.css")
say "GET /static/kb.css (from /usr/share/kb/web) -> $web_ok"
metrics=$(curl -fsS "http://127.0.0.1:$port/metrics" | grep -c '^kb_' || true)
say "GET /metrics -> $metrics kb_ samples"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""

[[ $health == *'"status":"ok"'* && $health == *'"documents":49'* ]] || { say "FAILED: /healthz"; exit 1; }
[[ $search_total != '"total":0' && -n $search_total ]] || { say "FAILED: search found nothing"; exit 1; }
[[ $web_ok == 200 ]] || { say "FAILED: web assets not found"; exit 1; }
[[ $metrics -gt 10 ]] || { say "FAILED: /metrics"; exit 1; }
say "OK: the package installs on a fresh Debian 12 and serves"
