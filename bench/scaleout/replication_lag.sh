#!/usr/bin/env bash
# Replication lag: milliseconds from kb-index returning (a new revision
# committed on the master, with changesets) to each replica serving the new
# article. Needs the example running: deploy/run-local.sh start (same KB_*
# settings). The articles are a scratch copy in the state folder.
#   bench/scaleout/replication_lag.sh [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=$(realpath -m "${KB_STATE:-$root/var/scaleout}")
build=$(realpath -m "${KB_BUILD:-$root/build/default}")
read -r -a ports <<<"${KB_REPLICA_PORTS:-8081 8082}"
rounds=${1:-10}
scratch="$state/lag-articles"
rm -rf "$scratch"
cp -r "${KB_ARTICLES:-$root/articles}" "$scratch"

ms() { echo $(($(date +%s%N) / 1000000)); }
all=()
both=()
for i in $(seq 1 "$rounds"); do
  word="lagprobe$i$RANDOM"
  printf -- '---\ntitle: "Probe %s"\nsummary: "A probe."\ncategory: general\nupdated: 2026-01-01\n---\n## Body\n\n%s\n' \
    "$word" "$word" >"$scratch/$word.md"
  "$build/indexer/kb-index" --articles "$scratch" --index "$state/master/kb" --changesets 100 -q >/dev/null
  start=$(ms)
  line="round $i:"
  for p in "${ports[@]}"; do
    until curl -fsS "http://127.0.0.1:$p/api/search?q=$word" | grep -q "\"slug\":\"$word\""; do
      (($(ms) - start < 30000)) || { echo "replica $p never served $word" >&2; exit 1; }
      sleep 0.01
    done
    lag=$(($(ms) - start))
    all+=("$lag")
    line+=" $p ${lag} ms"
  done
  both+=("$lag")  # the last replica polled: from here on, both serve it
  echo "$line"
  sleep 0.$((RANDOM % 10))  # not in step with the replicas' 1 s polling
done
summary() {  # label values...
  local label=$1
  shift
  printf '%s\n' "$@" | sort -n |
    awk -v l="$label" '{v[NR]=$1} END {printf "%s: min %d ms, median %d ms, max %d ms (%d samples)\n", l, v[1], v[int((NR+1)/2)], v[NR], NR}'
}
summary "per replica" "${all[@]}"
summary "both replicas serve it" "${both[@]}"
