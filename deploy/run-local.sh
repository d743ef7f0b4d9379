#!/usr/bin/env bash
# The scale-out example on one machine, on loopback ports:
#   PostgreSQL (statistics, tickets) <- kb-server A, kb-server B <- nginx
#   kb-index -> master index -> xapian-replicate-server -> xapian-replicate x2
#
#   deploy/run-local.sh start     start everything (state in $KB_STATE)
#   deploy/run-local.sh reindex   re-index $KB_ARTICLES into the master index;
#                                 both replicas serve it within ~1 s
#   deploy/run-local.sh stop      stop everything, in reverse order
#
# Settings (environment): KB_STATE (var/scaleout), KB_BUILD (build/default),
# KB_ARTICLES (articles), KB_HTTP_PORT (8080, nginx), KB_REPLICA_PORTS
# ("8081 8082"), KB_PG_PORT (5433), KB_REPL_PORT (7010), KB_ADMIN_TOKEN (at
# least 16 characters; without it one is made at the first start and kept in
# $KB_STATE/admin-token).
# Exit 77 when PostgreSQL cannot be started (see deploy/postgres.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=$(realpath -m "${KB_STATE:-$root/var/scaleout}")
build=$(realpath -m "${KB_BUILD:-$root/build/default}")
articles=$(realpath -m "${KB_ARTICLES:-$root/articles}")
http_port=${KB_HTTP_PORT:-8080}
read -r -a replica_ports <<<"${KB_REPLICA_PORTS:-8081 8082}"
pg_port=${KB_PG_PORT:-5433}
repl_port=${KB_REPL_PORT:-7010}
admin_token=${KB_ADMIN_TOKEN:-}
names=(a b)

say() { echo "kb: $*" >&2; }

started() {  # name pid
  echo "$2" >"$state/pids/$1.pid"
}

stop_pid() {  # name
  local f="$state/pids/$1.pid"
  [[ -f "$f" ]] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

wait_for() {  # what command...
  local what=$1
  shift
  # Up to 30 s: on two cores shared with a test suite, PostgreSQL, a first
  # replica copy or kb-server can take longer than the usual second.
  for _ in $(seq 1 300); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  say "$what did not come up; logs are in $state/logs"
  return 1
}

reindex() {
  # Changesets let each replica fetch only what changed, not a full copy.
  "$build/indexer/kb-index" --articles "$articles" --index "$state/master/kb" --changesets 100 -q
}

start() {
  mkdir -p "$state"/{pids,logs,master}
  # A private PostgreSQL. As root it runs as user postgres, which must reach the folder.
  chmod o+x "$state"
  local uri
  uri=$("$root/deploy/postgres.sh" start "$state/postgres" "$pg_port")
  echo "$uri" >"$state/stats-db"
  say "PostgreSQL: $uri"

  reindex
  # setsid: on SIGTERM xapian-replicate-server signals its whole process
  # group, which must not be the shell that ran this script.
  setsid xapian-replicate-server -I 127.0.0.1 -p "$repl_port" "$state/master" >"$state/logs/replicate-server.log" 2>&1 &
  started replicate-server $!

  # One secret for all replicas: a form served by A is accepted by B.
  [[ -s "$state/secret" ]] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/secret"
  # kb-server refuses a token anyone could guess, such as a fixed default.
  if [[ -z "$admin_token" ]]; then
    [[ -s "$state/admin-token" ]] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/admin-token")
    admin_token=$(cat "$state/admin-token")
    say "admin token: in $state/admin-token"
  fi
  local i
  for i in 0 1; do
    local n=${names[$i]} dir="$state/replica-${names[$i]}"
    mkdir -p "$dir/data"
    cp "$state/secret" "$dir/data/secret"
    chmod 600 "$dir/data/secret"
    # The first copy in one shot (-o): the stub file appears before the copy
    # is complete, so only the command's end says kb-server can open it.
    wait_for "replica $n's first copy" xapian-replicate -h 127.0.0.1 -p "$repl_port" -m kb -o -q "$dir/index"
    # Then -i 1: ask the master every second; -r 1: let readers move on within a second.
    setsid xapian-replicate -h 127.0.0.1 -p "$repl_port" -m kb -i 1 -r 1 -q "$dir/index" >"$state/logs/replicate-$n.log" 2>&1 &
    started "replicate-$n" $!
    setsid "$build/server/kb-server" --index "$dir/index" --data "$dir/data" --stats-db "$uri" --bind 127.0.0.1 \
      --port "${replica_ports[$i]}" --web "$root/web" --admin-token "$admin_token" \
      --trusted-proxy 127.0.0.1/32 >"$state/logs/kb-server-$n.log" 2>&1 &
    started "kb-server-$n" $!
    wait_for "kb-server $n" curl -fsS "http://127.0.0.1:${replica_ports[$i]}/healthz"
    say "kb-server $n: http://127.0.0.1:${replica_ports[$i]}"
  done

  mkdir -p "$state/nginx/tmp"
  chmod 1777 "$state/nginx/tmp"  # nginx workers run as nobody when started by root
  {
    echo "worker_processes 1;"
    echo "pid $state/nginx/nginx.pid;"
    echo "error_log $state/logs/nginx-error.log;"
    echo "events { worker_connections 256; }"
    echo "http {"
    echo "  log_format kb_upstream '\$remote_addr \"\$request\" \$status upstream=\$upstream_addr';"
    echo "  access_log $state/logs/nginx-access.log kb_upstream;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $state/nginx/tmp/$t;"; done
    sed -e "s/127\.0\.0\.1:8080/127.0.0.1:$http_port/" -e "s/127\.0\.0\.1:8081/127.0.0.1:${replica_ports[0]}/" \
        -e "s/127\.0\.0\.1:8082/127.0.0.1:${replica_ports[1]}/" "$root/deploy/nginx-kb.conf"
    echo "}"
  } >"$state/nginx/nginx.conf"
  nginx -q -t -c "$state/nginx/nginx.conf" -p "$state/nginx" -g "daemon off;" 2>"$state/logs/nginx-test.log" ||
    { cat "$state/logs/nginx-test.log" >&2; exit 1; }
  setsid nginx -c "$state/nginx/nginx.conf" -p "$state/nginx" -g "daemon off;" >"$state/logs/nginx.log" 2>&1 &
  started nginx $!
  wait_for nginx curl -fsS "http://127.0.0.1:$http_port/healthz"
  say "nginx: http://127.0.0.1:$http_port (stop with: $0 stop)"
}

stop() {
  stop_pid nginx
  for n in "${names[@]}"; do stop_pid "kb-server-$n"; done
  for n in "${names[@]}"; do stop_pid "replicate-$n"; done
  stop_pid replicate-server
  "$root/deploy/postgres.sh" stop "$state/postgres"
  say "stopped (state kept in $state)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  reindex) reindex ;;
  *) echo "usage: $0 start|reindex|stop" >&2; exit 2 ;;
esac
