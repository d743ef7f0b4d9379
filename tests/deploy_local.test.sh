#!/usr/bin/env bash
# deploy/run-local.sh end to end: start the example (PostgreSQL, replication,
# two replicas, nginx) on free loopback ports, file a ticket through nginx
# with requests landing on both replicas, re-index and see the change,
# stop it, and check nothing is left running.
# Exit 77 (skipped, loudly) only when PostgreSQL cannot be started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d /tmp/kb-deploy-XXXXXX)
chmod 711 "$state"
read -r http a b pg repl < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
export KB_STATE="$state/run" KB_BUILD="${1:?usage: deploy_local.test.sh BUILD_DIR}" KB_ARTICLES="$state/articles"
export KB_HTTP_PORT=$http KB_REPLICA_PORTS="$a $b" KB_PG_PORT=$pg KB_REPL_PORT=$repl KB_ADMIN_TOKEN=deploy-test-admin-token
# The replicas read it from the environment: one ticket per address and hour each.
export KB_TICKETS_PER_ADDRESS_HOUR=1
cp -r "$root/tests/fixtures/search" "$KB_ARTICLES"
cleanup() { "$root/deploy/run-local.sh" stop >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 5 "$KB_STATE"/logs/*.log >&2 || true; exit 1; }

rc=0
"$root/deploy/run-local.sh" start || rc=$?
if [[ $rc -eq 77 ]]; then
  echo "*** SKIPPED: deploy/run-local.sh needs PostgreSQL and it could not be started here ***" >&2
  exit 77
fi
[[ $rc -eq 0 ]] || fail "run-local.sh start exited $rc"

jar="$state/cookies"
browser="Mozilla/5.0 (X11; Linux x86_64) kb-tests"  # only browsers start help sessions
url="http://127.0.0.1:$http"
curl -fsS -A "$browser" -c "$jar" -b "$jar" -o /dev/null "$url/search?q=printer" || fail "search through nginx"
form=$(curl -fsS -A "$browser" -c "$jar" -b "$jar" "$url/tickets/new?q=printer+jam") || fail "ticket form"
csrf=$(grep -o 'name="csrf" value="[0-9a-f.]*"' <<<"$form" | head -n 1 | sed 's/.*value="//; s/"$//')
status=$(curl -sS -A "$browser" -c "$jar" -b "$jar" -o "$state/ticket.html" -w '%{http_code}' --data-urlencode "csrf=$csrf" \
  --data-urlencode "subject=Printer jam" --data-urlencode "description=It jams" --data-urlencode "email=a@b.co" \
  --data-urlencode "action=submit" "$url/tickets")
[[ "$status" == 303 ]] || fail "ticket through nginx answered $status"
# Round robin: the session's requests reached both replicas, and both see its ticket.
for p in $a $b; do
  grep -q "upstream=127.0.0.1:$p" "$KB_STATE/logs/nginx-access.log" || fail "nginx sent nothing to the replica on $p"
  curl -fsS -H "Authorization: Bearer deploy-test-admin-token" "http://127.0.0.1:$p/api/tickets" | grep -q '"subject":"Printer jam"' ||
    fail "replica on $p does not see the ticket"
done

# The per-address ticket limit counts visitors, not nginx (kb-server trusts
# nginx's X-Forwarded-For). Visitors are told apart here by an entry they
# send themselves, which nginx keeps left of its own: believed only because
# this visitor connects from loopback, a trusted proxy's range.
post_ticket() {  # visitor -> HTTP status
  curl -sS -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $1" -H 'Content-Type: application/json' \
    --data '{"subject":"Badge reader","description":"x","email":"a@b.co"}' "$url/api/tickets"
}
# Three tickets from one visitor over two replicas: one replica sees a second.
statuses=$(for _ in 1 2 3; do post_ticket 203.0.113.5; echo; done | sort | tr '\n' ' ')
[[ $statuses == "201 201 429 " || $statuses == "201 429 429 " ]] ||
  fail "one visitor's three tickets through nginx answered $statuses (expected the limit to refuse one)"
# Another visitor is not held back by the first.
status=$(post_ticket 203.0.113.6)
[[ $status == 201 ]] || fail "a second visitor's ticket through nginx answered $status"

printf -- '---\ntitle: "Quokka badge reader"\nsummary: "Blinks red."\ncategory: hardware\nupdated: 2026-05-01\n---\n## Symptoms\n\nThe quokka reader blinks red.\n' \
  >"$KB_ARTICLES/quokka.md"
"$root/deploy/run-local.sh" reindex >/dev/null
for p in $a $b; do
  for _ in $(seq 1 300); do  # replicas ask every second; allow for a busy machine
    curl -fsS "http://127.0.0.1:$p/api/search?q=quokka" | grep -q '"slug":"quokka"' && continue 2
    sleep 0.1
  done
  fail "replica on $p never served the re-indexed article"
done

"$root/deploy/run-local.sh" stop
for f in "$KB_STATE"/pids/*.pid; do
  [[ -e "$f" ]] && fail "still running: $f"
done
if [[ -f "$KB_STATE/postgres/data/postmaster.pid" ]]; then fail "PostgreSQL still running"; fi
echo "deploy/run-local.sh: start, ticket through nginx, reindex, stop: ok"
