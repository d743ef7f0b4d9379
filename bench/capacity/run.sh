#!/usr/bin/env bash
# Capacity figures for the README: index size per 1,000 articles, memory
# per replica, and /api/search requests per CPU-second of one core.
#
#   bench/capacity/run.sh [ARTICLES_DIR] [BUILD_DIR]
#     default ../shared/data/supportarticles/support and build/default; needs wrk and taskset.
#
# The server is pinned to CPU 1 and wrk to CPU 0. Requests are divided by
# the CPU time the server really got, so the per-core figure holds on a
# busy machine; the wall-clock line is printed for reference.
set -euo pipefail
cd "$(dirname "$0")/../.."
articles=${1:-../shared/data/supportarticles/support}
build=${2:-build/default}
[[ -d $articles ]] || { echo "capacity: SKIPPED: $articles not found" >&2; exit 77; }
work=$(mktemp -d /var/tmp/kb-capacity.XXXXXX)
server_pid=""
trap '[[ -n $server_pid ]] && kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT

# Exit code 1 (some files skipped: the corpus has include fragments) is fine here.
summary=$("$build/indexer/kb-index" --articles "$articles" --index "$work/index" -q 2>/dev/null || true)
echo "kb-index: $summary"
indexed=$(echo "$summary" | grep -o 'added [0-9]*' | cut -d' ' -f2)
kib=$(du -sk "$work/index" | cut -f1)
# Queries: the first five words of each article's title, in a fixed
# shuffled order (distinct queries, so a result cache does not answer).
grep -rh -m1 '^title:' "$articles" --include='*.md' | sed -E 's/^title:[[:space:]]*//; s/["'"'"']//g' |
  tr 'A-Z' 'a-z' | awk '{ n = NF < 5 ? NF : 5; q = $1; for (i = 2; i <= n; i++) q = q " " $i; print q }' |
  sort -u | shuf --random-source=<(yes) > "$work/queries.txt"
export KB_QUERIES="${KB_QUERIES:-$work/queries.txt}"  # set it to bench/capacity/short-queries.txt for the short ones
echo "queries: $(wc -l < "$KB_QUERIES") distinct, e.g. $(sed -n 1p "$KB_QUERIES" | tr ' ' '+')"
echo "index: $kib KiB for $indexed articles = $(echo "scale=1; $kib / 1024 / ($indexed / 1000)" | bc) MiB per 1,000 articles"

taskset -c 1 "$build/server/kb-server" --index "$work/index" --data "$work/data" --port 0 --threads 4 \
  --searches-per-address-minute 0 --access-log "$work/access.log" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/server.err" && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$work/server.err" | head -1 | cut -d: -f2)
url="http://127.0.0.1:$port/"
taskset -c 0 wrk -t1 -c32 -d5s -s bench/capacity/queries.lua "$url" >/dev/null  # warm-up
ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
before=$(ticks)
taskset -c 0 wrk -t1 -c32 -d20s --latency -s bench/capacity/queries.lua "$url" | tee "$work/wrk.txt" |
  grep -E 'requests in|Requests/sec|50%|99%'
after=$(ticks)
requests=$(grep 'requests in' "$work/wrk.txt" | awk '{print $1}')
cpu=$(echo "scale=2; ($after - $before) / $(getconf CLK_TCK)" | bc)
echo "server CPU: $cpu s for $requests requests = $(echo "scale=0; $requests / $cpu" | bc) requests per CPU-second"
echo "memory: $(grep VmRSS "/proc/$server_pid/status" | awk '{print $2}') KiB resident (one replica, 4 threads)"
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) (load average)"
