#!/usr/bin/env bash
# Load test: a real kb-server on loopback under wrk with bench/load/mix.lua
# (search, suggest, article pages, JSON and form tickets), its RSS and open
# file descriptors sampled every second.
#
#   bench/load/run.sh [--duration 60s] [--connections 256] [--threads 2]
#                     [--delay-ms 0] [--tickets 5] [--server-threads N]
#                     [--build build/default] [--out DIR] [-- KB-SERVER OPTIONS]
#
# Ticket rate limits are raised for the run (they would answer 429 by
# design). Prints wrk's report, status counts, a "kb-load:" line and a
# "kb-load-memory:" line (RSS and fds at start, middle, end, max). Exits 1
# on any 5xx, socket error or timeout, or when the server no longer answers
# /readyz afterwards; 77 when wrk is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=60s connections=256 threads=2 delay_ms=0 tickets=5 server_threads="" build="$root/build/default" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --tickets) tickets=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if ! command -v wrk >/dev/null; then
  echo "SKIP: wrk is not installed (scripts/deps.sh --test installs it)" >&2
  exit 77
fi
work=$(mktemp -d /tmp/kb-load.XXXXXX)
out=${out:-$work}
mkdir -p "$out"
server_pid=""
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work/index" "$work/data"
}
trap cleanup EXIT

"$build/indexer/kb-index" -q --articles "$root/articles" --index "$work/index" >/dev/null
grep -rh '^slug:' "$root/articles" | awk '{print $2}' > "$work/slugs.txt"

# cpp-httplib gives each keep-alive connection a worker thread for as long
# as it stays open: with fewer workers than connections, the rest wait in
# the queue (and wrk times them out). One worker per connection, as a
# deployment without a pooling proxy in front would need.
server_threads=${server_threads:-$(( connections < 256 ? connections : 256 ))}
# Every request comes from 127.0.0.1, so the per-address limits (tickets,
# searches, feedback) are lifted: the load test measures the server, not
# its rate limiter.
# The server runs 5 nice levels below wrk: its 256 threads would otherwise
# take the CPU from wrk's 2 on the same cores, and wrk would measure its own
# waiting (a load generator on the same machine must not be the bottleneck).
nice -n 5 "$build/server/kb-server" --index "$work/index" --data "$work/data" --web "$root/web" --port 0 --threads "$server_threads" \
  --tickets-per-address-hour 100000 --tickets-per-session-hour 100000 \
  --searches-per-address-minute 0 --feedback-per-address-hour 0 "$@" 2> "$out/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/server.log" | head -1)
  [[ -n "$port" ]] && break
  sleep 0.05
done
[[ -n "$port" ]] || { echo "run.sh: kb-server did not start:" >&2; cat "$out/server.log" >&2; exit 1; }

# About once a second: seconds since start, RSS in KiB, open descriptors.
(
  start=$(date +%s)
  while kill -0 "$server_pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
    fds=$(ls "/proc/$server_pid/fd" 2>/dev/null | wc -l)
    echo "$(( $(date +%s) - start )) $rss $fds"
    sleep 1
  done
) > "$out/samples.txt" &
sampler_pid=$!

curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
KB_LOAD_SLUGS="$work/slugs.txt" KB_LOAD_DELAY_MS="$delay_ms" KB_LOAD_TICKET_PERCENT="$tickets" \
  wrk -t "$threads" -c "$connections" -d "$duration" --timeout 10s --latency -s "$here/mix.lua" \
  "http://127.0.0.1:$port" | tee "$out/wrk.txt"

ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
awk 'NR==1 {r0=$2; f0=$3} {rss[NR]=$2; fd[NR]=$3; if ($2>rmax) rmax=$2; if ($3>fmax) fmax=$3}
     END {m=int((NR+1)/2); printf "kb-load-memory: %d samples, RSS MiB start %.1f mid %.1f end %.1f max %.1f; fds start %d mid %d end %d max %d\n",
          NR, r0/1024, rss[m]/1024, rss[NR]/1024, rmax/1024, f0, fd[m], fd[NR], fmax}' "$out/samples.txt" | tee "$out/memory.txt"
echo "kb-load: /readyz after the run: $ready" | tee -a "$out/memory.txt"
echo "kb-load: samples, wrk report and server log in $out"

summary=$(grep '^kb-load: requests' "$out/wrk.txt")
five=$(sed -n 's/.*5xx \([0-9]*\),.*/\1/p' <<<"$summary")
sock=$(sed -n 's/.*socket errors \([0-9]*\).*/\1/p' <<<"$summary")
[[ "$ready" == "200" && "$five" == "0" && "$sock" == "0" ]] || { echo "kb-load: FAILED" >&2; exit 1; }
