#!/usr/bin/env bash
# Command one: install what is missing, build, index articles/ and serve it
# on http://127.0.0.1:8080 (override with KB_PORT / KB_BIND).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset default
cmake --build --preset default -j"$(nproc)"
mkdir -p var
# Exit code 1 only means some articles were skipped (reported above).
build/default/indexer/kb-index --articles articles --index var/index || [[ $? -eq 1 ]]
exec build/default/server/kb-server --index var/index --data var --port "${KB_PORT:-8080}" --bind "${KB_BIND:-127.0.0.1}"
