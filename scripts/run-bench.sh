#!/usr/bin/env bash
# `make bench`: one command, one table. Installs the peers from Debian when missing (lego,
# uacme, certbot with its dns-rfc2136 plugin, wrk; as root, like scripts/install-deps.sh),
# starts a private PowerDNS + Pebble stack (PowerDNS accepting RFC 2136 updates for certbot),
# then runs, on that one stack:
#   1. build/bench/micro_bench (Google Benchmark) -> build/bench/micro.json
#   2. build/bench/service_bench: the real `certadns serve` over its API, wrk and RSS
#      -> build/bench/service.json
#   3. bench/peers/run-peers.sh: lego, uacme and certbot -> build/bench/peers.json
#   4. build/bench/pg_scale_bench: the PostgreSQL store with 1,000,000 certificates, on a
#      PostgreSQL of its own (BENCH_PG_PORT, default 25433)
# and prints the table (bench/table.py, also build/bench/results.json). Then, unless
# BENCH_EXTRA=0, the older in-process tables (issuance_bench, http_load_bench under hostile
# load), and unless BENCH_BROWSER=0 the dashboard's benchmark (tests/browser/bench.mjs) on a
# stack of its own, set up by tests/browser/run.sh (ports BENCH_BROWSER_PORT_BASE, default
# 26500, .. +8).
# Knobs: BENCH_BIG=0 skips the 1,000 burst; BENCH_PEERS=0 skips the peers; BENCH_PEER_TRIES
# (default 5); BENCH_KEY_POOL; BENCH_WRK_SECONDS (default 10); ports BENCH_PDNS_DNS_PORT ...
# Pebble runs without random nonce rejection and without authorization reuse, so every name
# is really validated and no run is slowed by a fault Let's Encrypt does not inject.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench
mkdir -p "$OUT"

peer_packages=(lego uacme certbot python3-certbot-dns-rfc2136 wrk)
missing=()
for p in "${peer_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "run-bench: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  else
    echo "run-bench: ${missing[*]} missing and not root: those rows are left out" >&2
  fi
fi

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
export PDNS_DNSUPDATE=1

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

rm -f "$OUT/micro.json" "$OUT/service.json" "$OUT/peers.json"
"$BUILD/bench/micro_bench" --benchmark_min_time=0.2 --benchmark_out="$OUT/micro.json" \
  --benchmark_out_format=json >&2
BENCH_WRK=$(command -v wrk || true) "$BUILD/bench/service_bench" "$OUT/service.json"
if [ "${BENCH_PEERS:-1}" = 1 ]; then
  bench/peers/run-peers.sh "$OUT/peers.json"
fi
echo
echo "make bench, $(date -u +%FT%TZ), $(nproc) cores (shared: other work on the machine shows in these figures)"
python3 bench/table.py "$OUT"

if [ "${BENCH_EXTRA:-1}" = 1 ]; then
  "$BUILD/bench/issuance_bench"
  "$BUILD/bench/http_load_bench"
fi

# The PostgreSQL store with 1,000,000 certificates, on a PostgreSQL of its own.
PG_DIR=$PG_BENCH_DIR PG_PORT=${BENCH_PG_PORT:-25433} scripts/pg.sh up >/dev/null
CERTADNS_BENCH_PG_URL="postgresql://certadns@127.0.0.1:${BENCH_PG_PORT:-25433}/certadns" \
  "$BUILD/bench/pg_scale_bench"
if [ "${BENCH_BROWSER:-1}" = 1 ]; then
  BUILD="$BUILD" BROWSER_RUN=bench BROWSER_PORT_BASE="${BENCH_BROWSER_PORT_BASE:-26500}" \
    tests/browser/run.sh
fi
