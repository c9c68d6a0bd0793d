#!/usr/bin/env bash
# The dashboard's browser tests (and, with BROWSER_RUN=bench, its benchmark) against the real
# binary: builds the web app, starts a PowerDNS + Pebble stack of its own (scripts/devstack.sh,
# a temporary STACK_DIR), writes a certadns config serving web/dist, starts `certadns serve`,
# runs `node --test` on tests/browser/*.test.mjs with Debian's Chromium, then stops everything
# it started (by pid) and removes its temporary folders.
#
# Usage: tests/browser/run.sh [TEST_FILE...]     (default: every tests/browser/*.test.mjs)
# Environment:
#   BUILD               the CMake build holding `certadns` (default build)
#   BROWSER_PORT_BASE   first of the 10 loopback ports it uses (default 26400; +0..+7 the
#                       stack, +8 certadns)
#   BROWSER_RUN         test (default) or bench (runs tests/browser/bench.mjs instead)
#   SKIP_WEB_BUILD=1    use web/dist as it is
# Screenshots land in build/web-shots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$repo/$BUILD" ;; esac
base=${BROWSER_PORT_BASE:-26400}
mode=${BROWSER_RUN:-test}

log() { echo "browser: $*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$BUILD/certadns" ] || die "$BUILD/certadns not found (build it first: make build)"
command -v node >/dev/null || die "node not found (scripts/install-deps.sh)"
command -v npm >/dev/null || die "npm not found (scripts/install-deps.sh)"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found (scripts/install-deps.sh)"
command -v openssl >/dev/null || die "openssl not found"

# npm_ci_if_needed DIR: `npm ci` when DIR/node_modules is missing or older than the lock.
npm_ci_if_needed() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund) || return 1
    touch "$dir/node_modules"
  fi
}

if [ "${SKIP_WEB_BUILD:-0}" != 1 ]; then
  [ -f web/package.json ] || die "web/package.json not found: no web app to test"
  npm_ci_if_needed web
  log "building the web app (npm run build in web/)"
  (cd web && npm run build) || die "the web app did not build"
fi
[ -f web/dist/index.html ] || die "web/dist/index.html missing (the web app is not built)"
npm_ci_if_needed tests/browser

tmp=$(mktemp -d /tmp/certadns-browser.XXXXXX)
export STACK_DIR="$tmp/stack"
export PDNS_DNS_PORT=$base PDNS_API_PORT=$((base + 1))
export PDNS_WORLD_DNS_PORT=$((base + 2)) PDNS_WORLD_API_PORT=$((base + 3))
export PEBBLE_PORT=$((base + 4)) PEBBLE_MGMT_PORT=$((base + 5))
export PEBBLE_HTTP_PORT=$((base + 6)) PEBBLE_TLS_PORT=$((base + 7))
web_port=$((base + 8))
serve_pid=""
node_pid=""

cleanup() {
  local rc=$? i
  # Interrupted while the tests ran: stop them, the test runner and its test processes (its
  # own process group; playwright closes its Chromium on TERM).
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM -- "-$node_pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$serve_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$serve_pid" 2>/dev/null; then
      log "certadns (pid $serve_pid) ignored TERM, sending KILL"
      kill -KILL "$serve_pid" 2>/dev/null || true
    fi
    wait "$serve_pid" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -f "$tmp/serve.log" ]; then
    log "last lines of the certadns log:"
    tail -n 40 "$tmp/serve.log" >&2 || true
  fi
  # A test that ended while holding Pebble (SIGSTOP) must not leave it stopped.
  if [ -n "${BROWSER_PEBBLE_PID:-}" ]; then kill -CONT "$BROWSER_PEBBLE_PID" 2>/dev/null || true; fi
  scripts/devstack.sh down >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/devstack.sh up >"$tmp/devstack.log" 2>&1 || { cat "$tmp/devstack.log" >&2; die "devstack up failed"; }
# shellcheck disable=SC1091
source "$STACK_DIR/env"

# Like tests/support/service_process.cc StackConfig: every browser request comes from
# 127.0.0.1, so the throttles are far above what the tests do. Zone verification asks the
# stack's "world" PowerDNS, as the e2e tests do. The PowerDNS key stays out of the file.
config="$tmp/certadns.toml"
cat >"$config" <<TOML
[server]
listen = "127.0.0.1:$web_port"
web_root = "$repo/web/dist"

[database]
url = "sqlite://$tmp/certadns.db"

[secrets]
master_key_file = "$tmp/master.key"

[acme]
directory_url = "$CERTADNS_ACME_DIRECTORY_URL"
ca_bundle = "$CERTADNS_ACME_CA_BUNDLE"

[powerdns]
api_url = "$CERTADNS_POWERDNS_API_URL"
server_id = "localhost"

[dns]
nameservers = ["$CERTADNS_DNS_NAMESERVERS"]
propagation_delay_s = 0
poll_interval_s = 0.2

[issuance]
key_pool = 4

[notifications]
allow_private_targets = true  # the webhooks tests add point at loopback

[zones]
verify_resolvers = ["$CERTADNS_ZONES_VERIFY_RESOLVERS"]
verify_parent_port = $PDNS_WORLD_DNS_PORT

[limits]
api_requests_per_s = 1000
api_burst = 10000
anonymous_requests_per_s = 1000
anonymous_burst = 10000
login_failures_per_address = 1000
login_failures_per_account = 1000
TOML
export CERTADNS_POWERDNS_API_KEY

"$BUILD/certadns" serve --config "$config" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
url="http://127.0.0.1:$web_port"
deadline=$((SECONDS + 30))
until curl --noproxy '*' -fsS --max-time 1 -o /dev/null "$url/healthz" 2>/dev/null; do
  kill -0 "$serve_pid" 2>/dev/null || die "certadns serve exited during startup"
  ((SECONDS < deadline)) || die "certadns serve did not answer $url/healthz within 30 s"
  sleep 0.1
done
log "certadns serving $url (pid $serve_pid)"

mkdir -p build/web-shots
export BROWSER_BASE_URL="$url"
export BROWSER_CERTADNS_BIN="$BUILD/certadns"
export BROWSER_CERTADNS_CONFIG="$config"
export BROWSER_CERTADNS_PID="$serve_pid"
export BROWSER_SHOTS_DIR="$repo/build/web-shots"
export BROWSER_WEB_DIST="$repo/web/dist"
export BROWSER_TMP="$tmp"
# Pebble, started by this run's devstack: the tests pause it (SIGSTOP/SIGCONT) to hold an
# issuance in progress while they look at the page.
BROWSER_PEBBLE_PID=$(cat "$STACK_DIR/pebble.pid")
export BROWSER_PEBBLE_PID
# Also exported by the stack env: WORLD_PDNS_API_URL/KEY, PEBBLE_MGMT_URL,
# CERTADNS_ACME_CA_BUNDLE (Pebble's TLS CA), CERTADNS_POWERDNS_API_URL/KEY (our PowerDNS).

# In the background (in a process group of its own: setsid execs node, so $! is node's pid and
# the group's) and waited for, so that a TERM or Ctrl-C runs the cleanup at once.
if [ "$mode" = bench ]; then
  setsid node tests/browser/bench.mjs &
else
  if [ $# -gt 0 ]; then
    files=("$@")
  else
    files=(tests/browser/*.test.mjs)
  fi
  setsid node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" &
fi
node_pid=$!
wait "$node_pid"
