#!/usr/bin/env bash
# Runs every test: unit tests, then integration tests against a PowerDNS + Pebble stack of
# their own (a temporary STACK_DIR on ports apart from `make run`'s), stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

export STACK_DIR=${TEST_STACK_DIR:-$(mktemp -d /tmp/certadns-test-stack.XXXXXX)}
export PDNS_DNS_PORT=${TEST_PDNS_DNS_PORT:-25300}
export PDNS_API_PORT=${TEST_PDNS_API_PORT:-28081}
export PDNS_WORLD_DNS_PORT=${TEST_PDNS_WORLD_DNS_PORT:-25301}
export PDNS_WORLD_API_PORT=${TEST_PDNS_WORLD_API_PORT:-28082}
export PEBBLE_PORT=${TEST_PEBBLE_PORT:-24000}
export PEBBLE_MGMT_PORT=${TEST_PEBBLE_MGMT_PORT:-25000}
export PEBBLE_HTTP_PORT=${TEST_PEBBLE_HTTP_PORT:-25002}
export PEBBLE_TLS_PORT=${TEST_PEBBLE_TLS_PORT:-25001}

cleanup() { scripts/devstack.sh down >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== layering (DESIGN.md)"
python3 scripts/check_layering.py

echo "== unit tests"
ctest --test-dir "$BUILD" -L unit --output-on-failure -j2

echo "== devstack start-and-wait (tests/scripts/devstack_race_test.sh)"
DEVSTACK_TEST_PORT_BASE=${TEST_DEVSTACK_PORT_BASE:-26300} tests/scripts/devstack_race_test.sh

echo "== integration tests (stack in $STACK_DIR)"
scripts/devstack.sh up
# shellcheck disable=SC1091
source "$STACK_DIR/env"
export CERTADNS_REQUIRE_STACK=1   # integration tests fail instead of skipping without it
out=$(mktemp)
ctest --test-dir "$BUILD" -L integration --output-on-failure 2>&1 | tee "$out"
if ! grep -qE "tests passed, 0 tests failed out of [1-9]" "$out"; then
  echo "integration tests did not all pass (or none ran)" >&2
  exit 1
fi
rm -f "$out"
