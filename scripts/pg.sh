#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL (Debian's postgresql package) for tests and dev:
#   scripts/pg.sh up      initdb into PG_DIR (default: a new temporary folder), start it on
#                         127.0.0.1:PG_PORT (default 25432) with its unix socket in PG_DIR,
#                         wait until it accepts connections, create database PG_DB, and
#                         write PG_DIR/env (PG_URL=postgresql://..., PG_DIR, PG_PORT).
#   scripts/pg.sh down    stop the server of PG_DIR (pg_ctl stop -m fast, by its pid file).
#   scripts/pg.sh status  whether it runs.
# initdb and postgres refuse to run as root, and CI runs as root: then both run as the
# `postgres` user (runuser), and PG_DIR belongs to that user. Nothing listens off loopback.
set -euo pipefail

PG_PORT=${PG_PORT:-25432}
PG_DB=${PG_DB:-certadns}
PG_USER=${PG_USER:-certadns}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && bin_dir=$dir
  done
  [ -n "${bin_dir:-}" ] || { echo "pg.sh: no PostgreSQL under /usr/lib/postgresql (scripts/install-deps.sh)" >&2; exit 1; }
}

# as_owner CMD...: runs CMD as the owner of the cluster (postgres when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

up() {
  pg_bin
  if [ -z "${PG_DIR:-}" ]; then PG_DIR=$(mktemp -d /tmp/certadns-pg.XXXXXX); fi
  mkdir -p "$PG_DIR"
  chmod 0755 "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DIR"; fi
  local data="$PG_DIR/data"
  if [ -f "$data/postmaster.pid" ] && as_owner "$bin_dir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "pg.sh: already running in $PG_DIR"
  else
    if [ ! -f "$data/PG_VERSION" ]; then
      # Trust on loopback only: a throwaway cluster for tests, reachable from this machine.
      as_owner "$bin_dir/initdb" -D "$data" -U "$PG_USER" --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
        { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    fi
    # fsync off: the cluster lives only as long as a test run.
    as_owner "$bin_dir/pg_ctl" -D "$data" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start \
      >/dev/null || { tail -n 20 "$PG_DIR/postgres.log" >&2; exit 1; }
  fi
  # Accepting connections, checked (pg_ctl -w already waited; this proves the TCP port).
  local tries=0
  until "$bin_dir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres; do
    tries=$((tries + 1))
    if [ "$tries" -ge 100 ]; then
      echo "pg.sh: PostgreSQL on 127.0.0.1:$PG_PORT does not accept connections" >&2
      tail -n 20 "$PG_DIR/postgres.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if ! "$bin_dir/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
    "$bin_dir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
  fi
  local url="postgresql://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
  {
    echo "export PG_DIR=$PG_DIR"
    echo "export PG_PORT=$PG_PORT"
    echo "export PG_URL=$url"
  } | as_owner tee "$PG_DIR/env" >/dev/null
  echo "PostgreSQL up: $url (env: $PG_DIR/env)"
}

down() {
  pg_bin
  [ -n "${PG_DIR:-}" ] || { echo "pg.sh down: set PG_DIR" >&2; exit 1; }
  local data="$PG_DIR/data"
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "$bin_dir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || true
  fi
  echo "PostgreSQL in $PG_DIR stopped"
}

status() {
  pg_bin
  [ -n "${PG_DIR:-}" ] || { echo "pg.sh status: set PG_DIR" >&2; exit 1; }
  as_owner "$bin_dir/pg_ctl" -D "$PG_DIR/data" status
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: PG_DIR=... PG_PORT=... $0 up|down|status" >&2; exit 2 ;;
esac
