#!/usr/bin/env bash
# Local development/test stack on loopback: PowerDNS Authoritative (gsqlite3 backend by default,
# or gpgsql on PostgreSQL: PDNS_BACKEND below; HTTP API)
# and Pebble (ACME test CA) validating DNS-01 against that PowerDNS, plus a second PowerDNS,
# "world", standing for the public internet's DNS (parent zones, users' current DNS providers):
# zone verification asks it how the world sees a zone; tests arrange that through its API.
#
# Usage: scripts/devstack.sh up|down|status
#
# Environment (all optional):
#   STACK_DIR               state directory (default: <repo>/.stack)
#   PDNS_DNS_PORT           PowerDNS DNS port, UDP+TCP on 127.0.0.1 (default 5300)
#   PDNS_API_PORT           PowerDNS HTTP API port on 127.0.0.1 (default 8081)
#   PDNS_API_KEY            API key (default: random, generated once, kept in $STACK_DIR/pdns/api-key)
#   PDNS_WORLD_DNS_PORT     "world" PowerDNS DNS port, UDP+TCP on 127.0.0.1 (default 5301)
#   PDNS_WORLD_API_PORT     "world" PowerDNS HTTP API port on 127.0.0.1 (default 8082)
#   PDNS_WORLD_API_KEY      its API key (default: random, kept in $STACK_DIR/world/api-key)
#   PDNS_LOG_QUERIES        1: both PowerDNS log every query they receive (default 0)
#   PDNS_BACKEND            gsqlite3 (default) or gpgsql: our PowerDNS keeps its zones in
#                           PostgreSQL (Debian's pdns-backend-pgsql), as a provider running
#                           several PowerDNS replicas on one database does; no "database is
#                           locked" answers to concurrent writes. The world PowerDNS stays gsqlite3.
#   PDNS_GPGSQL_URL         with gpgsql: postgresql://USER[:PASSWORD]@HOST[:PORT]/DB to use;
#                           the schema is loaded from the package's schema.pgsql.sql when the
#                           database has no `domains` table. Unset: a PostgreSQL of the stack's
#                           own (scripts/pg.sh, folder recorded in $STACK_DIR/pdns-pg.dir) on
#                           127.0.0.1:PDNS_PG_PORT (default 5433), stopped by `down`.
#   PDNS_DNSUPDATE          1: our PowerDNS accepts RFC 2136 updates from 127.0.0.0/8 (for
#                           certbot's dns-rfc2136 in `make bench`; zones still need a TSIG key
#                           in TSIG-ALLOW-DNSUPDATE metadata) (default 0)
#   PEBBLE_PORT             Pebble ACME port, HTTPS on 127.0.0.1 (default 14000)
#   PEBBLE_MGMT_PORT        Pebble management port, HTTPS on 127.0.0.1 (default 15000)
#   PEBBLE_HTTP_PORT        port Pebble's VA would use for HTTP-01 (default 5002; nothing listens)
#   PEBBLE_TLS_PORT         port Pebble's VA would use for TLS-ALPN-01 (default 5001; nothing listens)
#   PEBBLE_WFE_NONCEREJECT  % of valid nonces Pebble rejects as bad (default 5)
#   PEBBLE_AUTHZREUSE       % of new orders that reuse valid authorizations (default 50)
#   PEBBLE_CERT_VALIDITY    validity of issued certificates in seconds (default: Pebble's, 5 years)
#   DEVSTACK_START_TIMEOUT  seconds a started service has to become ready (default 30)
#
# `up` is idempotent: running parts are left alone unless their settings changed (then they are
# restarted). It writes $STACK_DIR/env (export lines for tests and `make run`). Zone data persists in
# $STACK_DIR/pdns/pdns.sqlite3 and $STACK_DIR/world/pdns.sqlite3 across down/up; delete $STACK_DIR
# to start from scratch. The world instance keeps its pid, log and state in $STACK_DIR/world/.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$repo_root/.stack}"
PDNS_DNS_PORT="${PDNS_DNS_PORT:-5300}"
PDNS_API_PORT="${PDNS_API_PORT:-8081}"
PDNS_WORLD_DNS_PORT="${PDNS_WORLD_DNS_PORT:-5301}"
PDNS_WORLD_API_PORT="${PDNS_WORLD_API_PORT:-8082}"
PEBBLE_PORT="${PEBBLE_PORT:-14000}"
PEBBLE_MGMT_PORT="${PEBBLE_MGMT_PORT:-15000}"
PEBBLE_HTTP_PORT="${PEBBLE_HTTP_PORT:-5002}"
PEBBLE_TLS_PORT="${PEBBLE_TLS_PORT:-5001}"
PEBBLE_WFE_NONCEREJECT="${PEBBLE_WFE_NONCEREJECT:-5}"
PEBBLE_AUTHZREUSE="${PEBBLE_AUTHZREUSE:-50}"
PDNS_BACKEND="${PDNS_BACKEND:-gsqlite3}"
PDNS_GPGSQL_URL="${PDNS_GPGSQL_URL:-}"
PDNS_PG_PORT="${PDNS_PG_PORT:-5433}"

PDNS_BIN="${PDNS_BIN:-$(command -v pdns_server || echo /usr/sbin/pdns_server)}"
PEBBLE_BIN="${PEBBLE_BIN:-$(command -v pebble || echo /usr/bin/pebble)}"

# Everything we talk to is on loopback: never go through a proxy.
curl_local() { curl --noproxy '*' -sS --max-time 1 "$@"; }

log() { echo "devstack: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  echo "usage: $0 up|down|status" >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------
# process helpers

# run_dir NAME: where NAME keeps NAME.pid, NAME.spec and NAME.log.
run_dir() {
  case "$1" in
    world) echo "$STACK_DIR/world" ;;
    *) echo "$STACK_DIR" ;;
  esac
}

# is_ours NAME: true if NAME.pid names a live process running our binary for this stack.
is_ours() {
  local pidfile pid cmdline
  pidfile="$(run_dir "$1")/$1.pid"
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the command line must mention this stack's directory.
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"$STACK_DIR"* ]] || return 1
  return 0
}

pid_of() { cat "$(run_dir "$1")/$1.pid"; }

# stop NAME: TERM, wait up to 10 s, then KILL. Only the pid in NAME.pid is touched.
stop() {
  local name="$1" pidfile pid i
  pidfile="$(run_dir "$1")/$1.pid"
  if is_ours "$name"; then
    pid="$(pid_of "$name")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) ignored TERM, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    log "$name stopped (was pid $pid)"
  fi
  rm -f "$pidfile" "$(run_dir "$name")/$name.spec"
}

# proc_start_time PID: the start time of process PID (field 22 of /proc/PID/stat, read after the
# command name, which may hold spaces), or nothing. With the pid it names one process for good.
proc_start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  if [ "$1" != Z ]; then echo "${20}"; fi
}

# The process this invocation started and is waiting for: its pid and start time. An EXIT trap
# stops it if the script ends before it is ready, so a failed start never orphans a process.
STARTING_PID=""
STARTING_TIME=""
STARTING_NAME=""

# started_alive: true while the process start_bg started is alive and is still that process.
# Its pid was recorded by this shell at fork ($!), so no command line is needed to know it is
# ours: between fork and exec the command line is still this script's (defect 14).
started_alive() {
  [ -n "$STARTING_PID" ] && [ -n "$STARTING_TIME" ] &&
    [ "$(proc_start_time "$STARTING_PID")" = "$STARTING_TIME" ]
}

# stop_started: stop the process start_bg started (TERM, up to 10 s, then KILL) and forget it.
stop_started() {
  local name="$STARTING_NAME" pid="$STARTING_PID" i
  [ -n "$pid" ] || return 0
  if started_alive; then
    # Its process group too (setsid made it the group's leader), so no child it forked stays.
    kill -TERM -- "-$pid" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      started_alive || break
      sleep 0.1
    done
    if started_alive; then
      log "$name (pid $pid) ignored TERM, sending KILL"
      kill -KILL -- "-$pid" "$pid" 2>/dev/null || true
    fi
    log "$name stopped (was pid $pid)"
  fi
  rm -f "$(run_dir "$name")/$name.pid" "$(run_dir "$name")/$name.spec"
  STARTING_PID=""
  STARTING_TIME=""
  STARTING_NAME=""
}

# start NAME LOGFILE CMD...: start detached in its own session, record the pid. `exec` in the
# background subshell (and setsid, which execs too: a background child of a script is never a
# process group leader, so setsid does not fork) makes $! the service's own pid.
start_bg() {
  local name="$1" logfile="$2"
  shift 2
  {
    echo "=== $(date -u +%FT%TZ) starting: $*"
  } >>"$logfile"
  # 9>&-: the daemon must not inherit the lock descriptor (it would hold the lock forever).
  (exec setsid "$@" </dev/null >>"$logfile" 2>&1 9>&-) &
  STARTING_PID=$!
  STARTING_NAME="$name"
  # Not reaped before this shell waits for it, so the pid cannot be reused in between.
  STARTING_TIME="$(proc_start_time "$STARTING_PID")"
  echo "$STARTING_PID" >"$(run_dir "$name")/$name.pid"
}

# wait_for NAME FRESH LOGFILE CHECK...: poll CHECK every 0.1 s for at most DEVSTACK_START_TIMEOUT
# (30) s. On failure print the log tail and exit non-zero; a process started by this invocation
# (FRESH=1) is stopped again. A fresh process is judged alive by its pid and start time (see
# started_alive); one already running is judged by is_ours.
wait_for() {
  local name="$1" fresh="$2" logfile="$3" timeout="${DEVSTACK_START_TIMEOUT:-30}" deadline
  deadline=$((SECONDS + timeout))
  shift 3
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then
      if [ "$fresh" = 1 ]; then
        STARTING_PID=""
        STARTING_TIME=""
        STARTING_NAME=""
      fi
      return 0
    fi
    if { [ "$fresh" = 1 ] && ! started_alive; } || { [ "$fresh" != 1 ] && ! is_ours "$name"; }; then
      log "$name exited during startup; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      if [ "$fresh" = 1 ]; then stop_started; fi
      rm -f "$(run_dir "$name")/$name.pid" "$(run_dir "$name")/$name.spec"
      exit 1
    fi
    sleep 0.1
  done
  log "$name did not become ready within $timeout s; last lines of $logfile:"
  tail -n 30 "$logfile" >&2 || true
  if [ "$fresh" = 1 ]; then stop_started; fi
  exit 1
}

# ensure_free PORT WHAT: fail early if something already accepts TCP connections on 127.0.0.1:PORT.
ensure_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    die "127.0.0.1:$1 ($2) is already in use; choose another port (see the header of $0)"
  fi
}

# ---------------------------------------------------------------------------------------------
# PowerDNS

find_pdns_schema() {
  local f
  for f in $(dpkg -L pdns-backend-sqlite3 2>/dev/null | grep -E '/schema\.sqlite3\.sql(\.gz)?$' || true) \
    /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql \
    /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql \
    /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql.gz; do
    if [ -f "$f" ]; then
      echo "$f"
      return 0
    fi
  done
  return 1
}

# PowerDNS instances: "pdns" (ours; config, sqlite db and api-key in $STACK_DIR/pdns/, pid, spec
# and log in $STACK_DIR/) and "world" (all of it in $STACK_DIR/world/). Each is configured by
# ${PREFIX}_DNS_PORT, ${PREFIX}_API_PORT and ${PREFIX}_API_KEY, PREFIX being PDNS or PDNS_WORLD.
pdns_dir() {
  case "$1" in
    pdns) echo "$STACK_DIR/pdns" ;;
    world) echo "$STACK_DIR/world" ;;
    *) die "unknown PowerDNS instance $1" ;;
  esac
}

pdns_prefix() {
  case "$1" in
    pdns) echo PDNS ;;
    world) echo PDNS_WORLD ;;
    *) die "unknown PowerDNS instance $1" ;;
  esac
}

# pdns_api_key NAME: the key lives in <dir>/api-key. ${PREFIX}_API_KEY, when set, replaces it (a
# running server with another key is then restarted, because its pdns.conf changes).
pdns_api_key() {
  local keyfile override_var override
  keyfile="$(pdns_dir "$1")/api-key"
  override_var="$(pdns_prefix "$1")_API_KEY"
  override="${!override_var:-}"
  if [ -n "$override" ]; then
    if [ "$override" != "$(cat "$keyfile" 2>/dev/null || true)" ]; then
      (umask 077 && printf '%s\n' "$override" >"$keyfile")
    fi
  elif [ ! -s "$keyfile" ]; then
    (umask 077 && openssl rand -hex 24 >"$keyfile")
  fi
  cat "$keyfile"
}

# pdns_up NAME: starts the PowerDNS instance NAME, or leaves it running, or restarts it when its
# settings changed.
pdns_up() {
  local name="$1" dir rundir prefix dns_port_var api_port_var dns_port api_port key spec schema
  dir="$(pdns_dir "$name")"
  rundir="$(run_dir "$name")"
  prefix="$(pdns_prefix "$name")"
  dns_port_var="${prefix}_DNS_PORT"
  api_port_var="${prefix}_API_PORT"
  dns_port="${!dns_port_var}"
  api_port="${!api_port_var}"
  local logfile="$rundir/$name.log"
  mkdir -p "$dir"
  chmod 700 "$dir"
  key="$(pdns_api_key "$name")"

  local backend_conf
  if [ "$name" = pdns ] && [ "$PDNS_BACKEND" = gpgsql ]; then
    backend_conf="$(gpgsql_conf)"
  else
    if [ ! -s "$dir/pdns.sqlite3" ]; then
      schema="$(find_pdns_schema)" || die "gsqlite3 schema not found (is pdns-backend-sqlite3 installed?)"
      rm -f "$dir/pdns.sqlite3.tmp"
      zcat -f "$schema" | sqlite3 "$dir/pdns.sqlite3.tmp"
      mv "$dir/pdns.sqlite3.tmp" "$dir/pdns.sqlite3"
    fi
    backend_conf="launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3
gsqlite3-dnssec=no"
  fi

  # pdns.conf is read from --config-dir. Kept in a file (mode 600) so the key is not on a cmdline.
  (
    umask 077
    cat >"$dir/pdns.conf.new" <<EOF
# generated by scripts/devstack.sh; edits are overwritten
$backend_conf
local-address=127.0.0.1
local-port=$dns_port
query-local-address=127.0.0.1
socket-dir=$dir
daemon=no
guardian=no
write-pid=no
disable-syslog=yes
log-timestamp=yes
$(if [ "${PDNS_LOG_QUERIES:-0}" = 1 ]; then echo "log-dns-queries=yes"; echo "loglevel=6"; else echo "loglevel=4"; fi)
api=yes
api-key=$key
webserver=yes
webserver-address=127.0.0.1
webserver-port=$api_port
webserver-allow-from=127.0.0.0/8
# no caching: API changes are visible to DNS immediately
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
zone-metadata-cache-ttl=0
zone-cache-refresh-interval=0
# never talk to anything off-box / the system resolver (note: an empty "resolver=" crashes 4.7.3)
security-poll-suffix=
resolver=no
# zones created through the API get a real SOA instead of a.misconfigured.dns.server.invalid
default-soa-content=ns1.certadns.test hostmaster.@ 0 10800 3600 604800 3600
primary=no
secondary=no
distributor-threads=1
receiver-threads=1
$(if [ "$name" = pdns ] && [ "${PDNS_DNSUPDATE:-0}" = 1 ]; then echo "dnsupdate=yes"; echo "allow-dnsupdate-from=127.0.0.0/8"; fi)
EOF
  )
  spec="$(sha256sum <"$dir/pdns.conf.new" | cut -d' ' -f1)"

  if is_ours "$name"; then
    if [ "$spec" = "$(cat "$rundir/$name.spec" 2>/dev/null || true)" ]; then
      rm -f "$dir/pdns.conf.new"
      log "$name already running (pid $(pid_of "$name"))"
      wait_for "$name" 0 "$logfile" pdns_ready "$api_port" "$key"
      return
    fi
    log "$name settings changed; restarting"
    stop "$name"
  fi
  rm -f "$rundir/$name.pid"
  mv "$dir/pdns.conf.new" "$dir/pdns.conf"
  ensure_free "$dns_port" "$dns_port_var"
  ensure_free "$api_port" "$api_port_var"
  start_bg "$name" "$logfile" "$PDNS_BIN" --config-dir="$dir"
  echo "$spec" >"$rundir/$name.spec"
  wait_for "$name" 1 "$logfile" pdns_ready "$api_port" "$key"
  log "$name started (pid $(pid_of "$name")), DNS 127.0.0.1:$dns_port, API http://127.0.0.1:$api_port"
}

# gpgsql_conf: prints the gpgsql lines of pdns.conf for PDNS_GPGSQL_URL (or the stack's own
# PostgreSQL, started here), after loading the schema into a database that has none.
gpgsql_conf() {
  local url="$PDNS_GPGSQL_URL" re schema psql_bin
  if [ -z "$url" ]; then
    url="$(pdns_pg_up)" || die "cannot start PostgreSQL for PowerDNS"
  fi
  re='^postgres(ql)?://([^:@/]+)(:([^@]*))?@([^:/]+)(:([0-9]+))?/([^?/]+)$'
  [[ "$url" =~ $re ]] || die "PDNS_GPGSQL_URL must be postgresql://USER[:PASSWORD]@HOST[:PORT]/DB"
  local user="${BASH_REMATCH[2]}" password="${BASH_REMATCH[4]}" host="${BASH_REMATCH[5]}"
  local port="${BASH_REMATCH[7]:-5432}" db="${BASH_REMATCH[8]}"
  psql_bin="$(command -v psql)" || die "psql not found (run scripts/install-deps.sh)"
  if [ -z "$(PGPASSWORD="$password" "$psql_bin" -h "$host" -p "$port" -U "$user" -d "$db" -tAc \
    "SELECT to_regclass('public.domains')")" ]; then
    schema="$(find_pgsql_schema)" || die "gpgsql schema not found (is pdns-backend-pgsql installed?)"
    log "loading the PowerDNS schema into $db on $host:$port"
    zcat -f "$schema" | PGPASSWORD="$password" "$psql_bin" -q -v ON_ERROR_STOP=1 -h "$host" \
      -p "$port" -U "$user" -d "$db" >/dev/null || die "loading $schema failed"
  fi
  printf '%s\n' launch=gpgsql "gpgsql-host=$host" "gpgsql-port=$port" "gpgsql-dbname=$db" \
    "gpgsql-user=$user" "gpgsql-password=$password" gpgsql-dnssec=no
}

find_pgsql_schema() {
  local f
  for f in $(dpkg -L pdns-backend-pgsql 2>/dev/null | grep -E '/schema\.pgsql\.sql(\.gz)?$' || true) \
    /usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql \
    /usr/share/doc/pdns-backend-pgsql/schema.pgsql.sql; do
    if [ -f "$f" ]; then
      echo "$f"
      return 0
    fi
  done
  return 1
}

# pdns_pg_dir: the folder of the stack's own PostgreSQL for PowerDNS (made once, outside
# STACK_DIR: under root the server runs as `postgres`, which must reach it), or nothing.
pdns_pg_dir() { cat "$STACK_DIR/pdns-pg.dir" 2>/dev/null || true; }

# pdns_pg_up: starts (or finds running) the stack's own PostgreSQL; prints its URL.
pdns_pg_up() {
  local pg_dir
  pg_dir="$(pdns_pg_dir)"
  if [ -z "$pg_dir" ]; then
    pg_dir="$(mktemp -d /tmp/certadns-pdns-pg.XXXXXX)"
    echo "$pg_dir" >"$STACK_DIR/pdns-pg.dir"
  fi
  # 9>&-: the server must not inherit the lock descriptor (it would hold the lock forever).
  PG_DIR="$pg_dir" PG_PORT="$PDNS_PG_PORT" PG_DB=pdns PG_USER=pdns "$repo_root/scripts/pg.sh" up >&2 9>&- ||
    return 1
  echo "postgresql://pdns@127.0.0.1:$PDNS_PG_PORT/pdns"
}

# pdns_pg_down: stops the stack's own PostgreSQL, if it has one (its data is kept).
pdns_pg_down() {
  local pg_dir
  pg_dir="$(pdns_pg_dir)"
  if [ -n "$pg_dir" ] && [ -d "$pg_dir/data" ]; then
    PG_DIR="$pg_dir" "$repo_root/scripts/pg.sh" down >&2 || true
  fi
}

# pdns_ready API_PORT API_KEY
pdns_ready() {
  curl_local -f -o /dev/null -H "X-API-Key: $2" "http://127.0.0.1:$1/api/v1/servers/localhost"
}

# ---------------------------------------------------------------------------------------------
# Pebble

# CA and server certificate for Pebble's own HTTPS listeners. Kept across restarts (so clients'
# CA bundle stays valid); regenerated only when missing or about to expire.
pebble_tls() {
  local dir="$STACK_DIR/pebble" tmp
  if [ -s "$dir/ca.pem" ] && [ -s "$dir/ca-key.pem" ] && [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] &&
    openssl x509 -in "$dir/ca.pem" -noout -checkend 86400 >/dev/null 2>&1 &&
    openssl x509 -in "$dir/cert.pem" -noout -checkend 86400 >/dev/null 2>&1 &&
    openssl verify -CAfile "$dir/ca.pem" "$dir/cert.pem" >/dev/null 2>&1; then
    return 0
  fi
  log "generating TLS CA and server certificate for Pebble in $dir"
  tmp="$(mktemp -d "$dir/tls.XXXXXX")"
  (
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
      -subj "/CN=certadns devstack CA $(openssl rand -hex 4)" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
      -subj "/CN=localhost" -keyout "$tmp/key.pem" -out "$tmp/server.csr" 2>/dev/null
    cat >"$tmp/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EOF
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" \
      -CAcreateserial -CAserial "$tmp/ca.srl" -days 825 -sha256 -extfile "$tmp/server.ext" \
      -out "$tmp/cert.pem" 2>/dev/null
  )
  chmod 644 "$tmp/ca.pem" "$tmp/cert.pem"
  mv "$tmp/ca-key.pem" "$tmp/key.pem" "$tmp/cert.pem" "$dir/"
  mv "$tmp/ca.pem" "$dir/ca.pem"
  rm -rf "$tmp"
}

tls_fingerprint() {
  { cat "$STACK_DIR/pebble/ca.pem" "$STACK_DIR/pebble/cert.pem" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1
}

pebble_up() {
  local dir="$STACK_DIR/pebble" spec
  mkdir -p "$dir"
  chmod 700 "$dir"
  local tls_changed=0 before
  before="$(tls_fingerprint)"
  pebble_tls
  [ "$before" = "$(tls_fingerprint)" ] || tls_changed=1

  local validity=""
  if [ -n "${PEBBLE_CERT_VALIDITY:-}" ]; then
    [[ "$PEBBLE_CERT_VALIDITY" =~ ^[0-9]+$ ]] || die "PEBBLE_CERT_VALIDITY must be a number of seconds"
    validity="
    \"certificateValidityPeriod\": $PEBBLE_CERT_VALIDITY,"
  fi
  cat >"$dir/pebble-config.json.new" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$PEBBLE_PORT",
    "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
    "certificate": "$dir/cert.pem",
    "privateKey": "$dir/key.pem",$validity
    "httpPort": $PEBBLE_HTTP_PORT,
    "tlsPort": $PEBBLE_TLS_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
EOF
  spec="$( {
    cat "$dir/pebble-config.json.new"
    echo "dns=127.0.0.1:$PDNS_DNS_PORT nonce=$PEBBLE_WFE_NONCEREJECT authz=$PEBBLE_AUTHZREUSE"
  } | sha256sum | cut -d' ' -f1)"

  if is_ours pebble; then
    if [ "$tls_changed" = 0 ] && [ "$spec" = "$(cat "$STACK_DIR/pebble.spec" 2>/dev/null || true)" ]; then
      rm -f "$dir/pebble-config.json.new"
      log "pebble already running (pid $(pid_of pebble))"
      wait_for pebble 0 "$STACK_DIR/pebble.log" pebble_ready
      # Issuer certs only change when Pebble restarts; fetch if missing.
      if [ ! -s "$dir/issuer-root.pem" ] || [ ! -s "$dir/issuer-intermediate.pem" ]; then
        pebble_fetch_issuers
      fi
      return
    fi
    log "pebble settings changed; restarting"
    stop pebble
  fi
  rm -f "$STACK_DIR/pebble.pid" "$dir/issuer-root.pem" "$dir/issuer-intermediate.pem"
  mv "$dir/pebble-config.json.new" "$dir/pebble-config.json"
  ensure_free "$PEBBLE_PORT" PEBBLE_PORT
  ensure_free "$PEBBLE_MGMT_PORT" PEBBLE_MGMT_PORT
  start_bg pebble "$STACK_DIR/pebble.log" \
    env PEBBLE_VA_NOSLEEP=1 \
    PEBBLE_WFE_NONCEREJECT="$PEBBLE_WFE_NONCEREJECT" \
    PEBBLE_AUTHZREUSE="$PEBBLE_AUTHZREUSE" \
    "$PEBBLE_BIN" -config "$dir/pebble-config.json" -dnsserver "127.0.0.1:$PDNS_DNS_PORT"
  echo "$spec" >"$STACK_DIR/pebble.spec"
  wait_for pebble 1 "$STACK_DIR/pebble.log" pebble_ready
  pebble_fetch_issuers
  log "pebble started (pid $(pid_of pebble)), https://127.0.0.1:$PEBBLE_PORT/dir"
}

pebble_ready() {
  curl_local -f -o /dev/null --cacert "$STACK_DIR/pebble/ca.pem" "https://127.0.0.1:$PEBBLE_PORT/dir"
}

pebble_fetch_issuers() {
  local dir="$STACK_DIR/pebble" mgmt="https://127.0.0.1:$PEBBLE_MGMT_PORT" what
  for what in root:roots intermediate:intermediates; do
    curl_local -f --cacert "$dir/ca.pem" -o "$dir/issuer-${what%%:*}.pem.tmp" "$mgmt/${what#*:}/0" ||
      die "could not fetch $mgmt/${what#*:}/0"
    mv "$dir/issuer-${what%%:*}.pem.tmp" "$dir/issuer-${what%%:*}.pem"
  done
}

# ---------------------------------------------------------------------------------------------

# The world's DNS delegates `make run`'s demo zone (demo.certadns-demo.test) to the default
# zones.nameservers, from a parent zone of its own whose CAA allows Let's Encrypt, so the
# pre-flight checks (delegation, CAA up the tree) pass on real answers. Tests use zones of
# their own and are unaffected. Idempotent.
DEMO_PARENT="${DEMO_PARENT:-certadns-demo.test}"
world_seed() {
  local key="$1" api="http://127.0.0.1:$PDNS_WORLD_API_PORT/api/v1/servers/localhost/zones"
  local zone="demo.$DEMO_PARENT."
  curl_local -f -o /dev/null -H "X-API-Key: $key" "$api/$DEMO_PARENT." 2>/dev/null && return 0
  curl_local -f -o /dev/null -H "X-API-Key: $key" -H 'Content-Type: application/json' -X POST \
    -d "{\"name\":\"$DEMO_PARENT.\",\"kind\":\"Native\",\"nameservers\":[\"ns1.registry.test.\"]}" \
    "$api" || die "could not create $DEMO_PARENT in the world DNS"
  curl_local -f -o /dev/null -H "X-API-Key: $key" -H 'Content-Type: application/json' -X PATCH \
    -d "{\"rrsets\":[{\"name\":\"$DEMO_PARENT.\",\"type\":\"CAA\",\"ttl\":3600,\"changetype\":\"REPLACE\",\"records\":[{\"content\":\"0 issue \\\"letsencrypt.org\\\"\",\"disabled\":false}]},{\"name\":\"$zone\",\"type\":\"NS\",\"ttl\":3600,\"changetype\":\"REPLACE\",\"records\":[{\"content\":\"ns1.certadns.test.\",\"disabled\":false},{\"content\":\"ns2.certadns.test.\",\"disabled\":false}]}]}" \
    "$api/$DEMO_PARENT." || die "could not add the demo delegation to the world DNS"
  log "world: ${zone%.} delegated to ns1/ns2.certadns.test; CAA $DEMO_PARENT issue \"letsencrypt.org\""
}

write_env() {
  local key="$1" world_key="$2" tmp="$STACK_DIR/env.tmp"
  {
    echo "# generated by scripts/devstack.sh up; source this file"
    printf 'export CERTADNS_ACME_DIRECTORY_URL=%q\n' "https://127.0.0.1:$PEBBLE_PORT/dir"
    printf 'export CERTADNS_ACME_CA_BUNDLE=%q\n' "$STACK_DIR/pebble/ca.pem"
    printf 'export CERTADNS_POWERDNS_API_URL=%q\n' "http://127.0.0.1:$PDNS_API_PORT"
    printf 'export CERTADNS_POWERDNS_API_KEY=%q\n' "$key"
    printf 'export CERTADNS_POWERDNS_SERVER_ID=%q\n' "localhost"
    printf 'export CERTADNS_DNS_NAMESERVERS=%q\n' "127.0.0.1:$PDNS_DNS_PORT"
    printf 'export CERTADNS_ZONES_VERIFY_RESOLVERS=%q\n' "127.0.0.1:$PDNS_WORLD_DNS_PORT"
    printf 'export WORLD_PDNS_API_URL=%q\n' "http://127.0.0.1:$PDNS_WORLD_API_PORT"
    printf 'export WORLD_PDNS_API_KEY=%q\n' "$world_key"
    printf 'export PEBBLE_MGMT_URL=%q\n' "https://127.0.0.1:$PEBBLE_MGMT_PORT"
    printf 'export PEBBLE_ROOT_PEM=%q\n' "$STACK_DIR/pebble/issuer-root.pem"
    printf 'export PEBBLE_INTERMEDIATE_PEM=%q\n' "$STACK_DIR/pebble/issuer-intermediate.pem"
    printf 'export STACK_DIR=%q\n' "$STACK_DIR"
  } >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$STACK_DIR/env"
}

cmd_up() {
  case "$PDNS_BACKEND" in
    gsqlite3 | gpgsql) ;;
    *) die "PDNS_BACKEND must be gsqlite3 or gpgsql, not '$PDNS_BACKEND'" ;;
  esac
  command -v "$PDNS_BIN" >/dev/null || die "pdns_server not found (run scripts/install-deps.sh)"
  command -v "$PEBBLE_BIN" >/dev/null || die "pebble not found (run scripts/install-deps.sh)"
  pdns_up pdns
  pdns_up world
  pebble_up
  write_env "$(cat "$(pdns_dir pdns)/api-key")" "$(cat "$(pdns_dir world)/api-key")"
  world_seed "$(cat "$(pdns_dir world)/api-key")"
  log "ready; source $STACK_DIR/env"
}

cmd_down() {
  stop pebble
  stop world
  stop pdns
  pdns_pg_down
}

cmd_status() {
  local name rc=0
  for name in pdns world pebble; do
    if is_ours "$name"; then
      echo "$name: running (pid $(pid_of "$name"))"
    else
      echo "$name: stopped"
      rc=3
    fi
  done
  local pg_dir
  pg_dir="$(pdns_pg_dir)"
  if [ -n "$pg_dir" ] && [ -d "$pg_dir/data" ]; then
    if PG_DIR="$pg_dir" "$repo_root/scripts/pg.sh" status >/dev/null 2>&1; then
      echo "pdns-pg: running (PostgreSQL for PowerDNS in $pg_dir, port $PDNS_PG_PORT)"
    else
      echo "pdns-pg: stopped"
    fi
  fi
  return "$rc"
}

[ $# -eq 1 ] || usage
case "$1" in
  up | down | status) ;;
  *) usage ;;
esac

mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
# Serialize concurrent invocations on the same stack (e.g. parallel test runners).
exec 9>"$STACK_DIR/.lock"
flock 9
# A start that has not become ready when the script ends (error, signal) is stopped.
trap 'stop_started' EXIT
trap 'exit 130' INT TERM

case "$1" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
esac
