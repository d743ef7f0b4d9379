#!/usr/bin/env bash
# A private PostgreSQL for kb on loopback: its own cluster in a folder,
# trust authentication for user "kb" on 127.0.0.1 only, database "kb".
#   deploy/postgres.sh start DIR PORT [--fast]   initdb if needed, start, create db
#   deploy/postgres.sh stop DIR                  fast shutdown
# --fast turns fsync off (tests: the cluster is thrown away afterwards).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# "postgres" user (Debian's package creates it) and runs through runuser.
# Exit 77 when PostgreSQL is not installed or does not start.
set -euo pipefail

cmd=${1:?usage: postgres.sh start DIR PORT [--fast] | stop DIR}
dir=${2:?usage: postgres.sh start DIR PORT [--fast] | stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
  echo "kb: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 77
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || { echo "kb: running as root and there is no 'postgres' user to run PostgreSQL as" >&2; exit 77; }
  as_owner=(runuser -u postgres --)
fi

case "$cmd" in
  start)
    port=${3:?usage: postgres.sh start DIR PORT [--fast]}
    extra=()
    [[ "${4:-}" == "--fast" ]] && extra=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
    mkdir -p "$dir"
    if [[ ${#as_owner[@]} -gt 0 ]]; then
      chown postgres: "$dir"
      runuser -u postgres -- test -w "$dir" ||
        { echo "kb: user postgres cannot reach $dir (a parent folder is private: chmod o+x it)" >&2; exit 2; }
    fi
    chmod 700 "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U kb --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { echo "kb: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 77; }
    fi
    # TCP on loopback only, no Unix socket (nothing to clean up, no path limits).
    if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= ${extra[*]}" >/dev/null; then
      echo "kb: PostgreSQL did not start:" >&2
      tail -n 20 "$dir/postgres.log" >&2 || true
      exit 77
    fi
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U kb -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kb'" | grep -q 1; then
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U kb kb
    fi
    echo "postgresql://kb@127.0.0.1:$port/kb"
    ;;
  stop)
    [[ -f "$dir/data/postmaster.pid" ]] || exit 0
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: postgres.sh start DIR PORT [--fast] | stop DIR" >&2
    exit 2
    ;;
esac
