#!/usr/bin/env bash
# Installs the Debian 12 packages kb needs, only those missing.
#   scripts/deps.sh          build and run
#   scripts/deps.sh --test   also what the test suite needs
#   scripts/deps.sh --bench  also the peers of the speed benchmark (bench/speed/run.py)
set -euo pipefail

packages=(
  g++ cmake make pkg-config git ca-certificates curl
  libxapian-dev libcpp-httplib-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
  nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev libcli11-dev libmstch-dev libboost-dev
  libpq-dev zlib1g-dev
)
if [[ "${1:-}" == "--test" ]]; then
  # Browser tests: Debian's Chromium, driven from Node (playwright-core from npm).
  # python3-prometheus-client: the reference parser that reads /metrics in the tests.
  # debootstrap and dpkg-dev (dpkg-shlibdeps): the package install test.
  # systemd-container (systemd-nspawn): the same package booted with a real systemd.
  packages+=(catch2 python3 sqlite3 chromium python3-prometheus-client debootstrap dpkg-dev systemd-container)
  # Scale-out test and deploy/run-local.sh: PostgreSQL, Xapian's replication tools, nginx.
  packages+=(postgresql xapian-tools nginx-light)
  # Load tests: wrk (bench/load/run.sh, ctest -L load).
  packages+=(wrk)
  # The fuzz preset: clang with libFuzzer and the sanitizer runtimes.
  packages+=(clang libclang-rt-14-dev)
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
fi

if [[ "${1:-}" == "--bench" ]]; then
  # The HTTP floor (nginx), the load generator, and Xapian Omega behind
  # nginx through fcgiwrap as a peer.
  packages+=(python3 wrk nginx-light xapian-omega fcgiwrap)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "kb: installing Debian packages: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "kb: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
