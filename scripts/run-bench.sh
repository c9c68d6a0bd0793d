#!/usr/bin/env bash
# Runs the benchmarks against a private PowerDNS + Pebble stack and prints their tables, the
# PostgreSQL store with 1,000,000 certificates (a PostgreSQL of its own, BENCH_PG_PORT), then
# the dashboard's benchmark (tests/browser/bench.mjs) on a stack of its own, set up by
# tests/browser/run.sh (ports BENCH_BROWSER_PORT_BASE, default 26500, .. +8). BENCH_BROWSER=0
# skips it.
# Pebble runs without random nonce rejection and without authorization reuse, so every name
# is really validated and no run is slowed by a fault Let's Encrypt does not inject.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

export STACK_DIR=$(mktemp -d /tmp/certadns-bench-stack.XXXXXX)
export PDNS_DNS_PORT=${BENCH_PDNS_DNS_PORT:-26300}
export PDNS_API_PORT=${BENCH_PDNS_API_PORT:-29081}
export PDNS_WORLD_DNS_PORT=${BENCH_PDNS_WORLD_DNS_PORT:-26301}
export PDNS_WORLD_API_PORT=${BENCH_PDNS_WORLD_API_PORT:-29082}
export PEBBLE_PORT=${BENCH_PEBBLE_PORT:-26000}
export PEBBLE_MGMT_PORT=${BENCH_PEBBLE_MGMT_PORT:-26001}
export PEBBLE_HTTP_PORT=${BENCH_PEBBLE_HTTP_PORT:-26002}
export PEBBLE_TLS_PORT=${BENCH_PEBBLE_TLS_PORT:-26003}
export PEBBLE_WFE_NONCEREJECT=0
export PEBBLE_AUTHZREUSE=0

PG_BENCH_DIR=$(mktemp -d /tmp/certadns-bench-pg.XXXXXX)
cleanup() {
  scripts/devstack.sh down >/dev/null 2>&1 || true
  PG_DIR=$PG_BENCH_DIR scripts/pg.sh down >/dev/null 2>&1 || true
  rm -rf "$STACK_DIR" "$PG_BENCH_DIR"
}
trap cleanup EXIT
scripts/devstack.sh up >/dev/null
# shellcheck disable=SC1091
source "$STACK_DIR/env"
"$BUILD/bench/issuance_bench"
"$BUILD/bench/http_load_bench"
# The PostgreSQL store with 1,000,000 certificates, on a PostgreSQL of its own.
PG_DIR=$PG_BENCH_DIR PG_PORT=${BENCH_PG_PORT:-25433} scripts/pg.sh up >/dev/null
CERTADNS_BENCH_PG_URL="postgresql://certadns@127.0.0.1:${BENCH_PG_PORT:-25433}/certadns" \
  "$BUILD/bench/pg_scale_bench"
if [ "${BENCH_BROWSER:-1}" = 1 ]; then
  BUILD="$BUILD" BROWSER_RUN=bench BROWSER_PORT_BASE="${BENCH_BROWSER_PORT_BASE:-26500}" \
    tests/browser/run.sh
fi
