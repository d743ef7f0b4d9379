#!/usr/bin/env bash
# Command two: install what is missing, build, and run the whole test suite
# through ctest, first in the default build, then under AddressSanitizer +
# UndefinedBehaviorSanitizer, then the libFuzzer targets (fuzz preset, clang)
# for a short run each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
jobs=$(nproc)
for preset in default asan fuzz; do
  echo "== kb: $preset build ==" >&2
  cmake --preset "$preset"
  cmake --build --preset "$preset" -j"$jobs"
  ctest --preset "$preset" -j"$jobs"
done
