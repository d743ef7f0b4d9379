#!/bin/bash
# Runs inside the Debian 12 system that scripts/systemd-check.sh boots with
# systemd-nspawn, as the unit kb-systemd-check.service once the system is
# up: installs the kb .deb with apt (its postinst starts the units through
# the live systemd) and checks them. Every finding is one line on stdout;
# the last line is PASS or FAIL. Then the system powers off.
set -uo pipefail
deb=$1
base=http://127.0.0.1:8080
failed=0
say() { echo "systemd-check: $*"; }
check() {  # check WHAT CONDITION...: one line, and remember a failure
  local what=$1; shift
  if "$@"; then say "ok: $what"; else say "FAILED: $what"; failed=1; fi
}
search_total() { curl -fsS "$base/api/search?q=$1" | grep -o '"total":[0-9]*' | grep -o '[0-9]*$'; }
# Whether a search for WORD lists the article with SLUG (the search is typo
# tolerant, so a count alone could be another article's near miss).
search_lists() { curl -fsS "$base/api/search?q=$1" 2>/dev/null | grep -q "\"slug\":\"$2\""; }

say "apt-get install ./$(basename "$deb") (offline: dependencies were fetched before boot)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" 2>&1 | tail -3

# The postinst starts kb-server, which pulls in the first kb-index run.
state=""
for _ in $(seq 1 120); do
  state=$(systemctl is-active kb-server)
  [[ $state == active ]] && curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  sleep 0.5
done
say "systemctl is-active kb-server -> $state"
say "systemctl is-enabled kb-server kb-index.path kb-index.timer -> $(systemctl is-enabled kb-server kb-index.path kb-index.timer | tr '\n' ' ')"
check "kb-server.service is active" test "$state" = active
say "kb-index.service runs: $(systemctl show -p ExecStart --value kb-index.service | grep -o 'argv\[\]=[^;]*' | cut -d= -f2-)"

health=$(curl -fsS "$base/healthz")
say "GET /healthz -> $health"
check "/healthz counts the 49 bundled articles" grep -q '"documents":49' <<<"$health"
total=$(search_total reset+password)
say "GET /api/search?q=reset+password -> total $total"
check "a search finds articles" test "${total:-0}" -gt 0

# DynamicUser: a uid systemd allocates from 61184-65519 while the unit runs,
# owning the state directory /var/lib/kb (a link into /var/lib/private).
pid=$(systemctl show -p MainPID --value kb-server)
uid=$(stat -c %u "/proc/$pid")
say "kb-server MainPID $pid runs as uid $uid; /var/lib/kb -> $(readlink /var/lib/kb), owned by uid $(stat -L -c %u /var/lib/kb)"
check "kb-server runs as a dynamic uid" test "$uid" -ge 61184 -a "$uid" -le 65519
check "/var/lib/kb is the StateDirectory of that uid" test "$(readlink /var/lib/kb)" = private/kb -a "$(stat -L -c %u /var/lib/kb)" = "$uid"
check "the index is in /var/lib/kb/index, written by that uid" test -d /var/lib/kb/index -a "$(stat -c %u /var/lib/kb/index)" = "$uid"
# ProtectSystem=strict: the whole tree is read-only in its mount namespace
# but for its StateDirectory.
mount_options() { awk -v at="$1" '$5 == at { print $6 }' "/proc/$pid/mountinfo" | tail -1; }
say "kb-server's mounts: / $(mount_options /), /var/lib/private/kb $(mount_options /var/lib/private/kb)"
check "ProtectSystem=strict: / is read-only for kb-server" grep -q '^ro' <<<"$(mount_options /)"
check "its state directory stays writable" grep -q '^rw' <<<"$(mount_options /var/lib/private/kb)"

# kb-index.path: a new article at the top of the folder is indexed and served.
not() { ! "$@"; }
check "no article is about quokkas yet" not search_lists quokka systemd-check-quokka
cat >/var/lib/kb/articles/systemd-check-quokka.md <<'ARTICLE'
---
title: "Feeding the office quokka"
slug: systemd-check-quokka
summary: "What the office quokka eats, added by the systemd check."
category: onboarding
tags: [quokka]
lang: en
updated: 2026-11-21
---

# Feeding the office quokka

The office quokka eats leaves, never biscuits.
ARTICLE
found=no
for _ in $(seq 1 120); do
  search_lists quokka systemd-check-quokka && { found=yes; break; }
  sleep 0.5
done
say "added /var/lib/kb/articles/systemd-check-quokka.md; GET /api/search?q=quokka lists it: $found"
check "kb-index.path re-indexed the added article and kb-server serves it" test $found = yes
say "kb-index.service runs so far: $(journalctl -u kb-index.service -o cat | grep -c '^Finished' || true)"

if [[ $failed -ne 0 ]]; then
  say "journal of the kb units:"
  journalctl -u kb-server -u kb-index -u kb-index.path --no-pager -o short-monotonic | grep -v '"msg":"request"' | tail -40
  systemctl status --no-pager kb-index.path | head -20
  echo FAIL
else
  echo PASS
fi
