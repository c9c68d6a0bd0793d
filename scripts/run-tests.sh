#!/usr/bin/env bash
# Runs every test, in two chains side by side (the machine has few cores; most integration
# time is spent waiting on PowerDNS and Pebble):
#   main  (BUILD, gcc): unit tests, the devstack start-and-wait test, integration tests
#         against a PowerDNS + Pebble stack of their own (a temporary STACK_DIR on ports apart
#         from `make run`'s).
#   asan  (ASAN_BUILD, clang, CERTADNS_SANITIZE + CERTADNS_FUZZ): build, then the fuzz
#         targets (FUZZ_SECONDS each) alongside the unit tests and the integration tests
#         under ASan + UBSan, on a second stack (its own ports: the suites share zone names).
#   postgres  a PostgreSQL of its own (scripts/pg.sh, TEST_PG_PORT, default 25432) and a third
#         PowerDNS + Pebble stack: the store's PostgreSQL tests (ctest label `postgres`:
#         CERTADNS_TEST_PG_URL, several nodes on one database) and the store contract suites
#         on PostgreSQL, then the API end-to-end suite with `certadns serve` on PostgreSQL
#         (CERTADNS_TEST_DATABASE=postgresql), then two `certadns serve` nodes on one
#         PostgreSQL database (integration_multinode).
#         CERTADNS_TEST_PG=0 skips it.
#   browser  tests/browser/run.sh: builds the dashboard (web/), starts its own stack and
#         `certadns serve` (ports TEST_BROWSER_PORT_BASE, default 26400, .. +8) and drives
#         Debian's Chromium through the dashboard. CERTADNS_TEST_BROWSER=0 skips it.
# Each phase's output goes to a log, printed when the phase ends (whole when it failed or
# VERBOSE=1, else its last lines); a table of the phases' wall-clock times ends the run. CERTADNS_TEST_ASAN=0 skips the asan chain (quick local runs).
# shellcheck disable=SC2317  # the functions below run through phase() and background jobs
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
CERTADNS_TEST_ASAN=${CERTADNS_TEST_ASAN:-1}
CERTADNS_TEST_BROWSER=${CERTADNS_TEST_BROWSER:-1}
CERTADNS_TEST_PG=${CERTADNS_TEST_PG:-1}
FUZZ_SECONDS=${FUZZ_SECONDS:-25}
JOBS=${JOBS:-$(nproc)}
read -r -a ctest_args <<<"${CTEST_ARGS:-}"
run_started=$SECONDS

logs="$(mktemp -d /tmp/certadns-test-logs.XXXXXX)"
stack_main=${TEST_STACK_DIR:-$(mktemp -d /tmp/certadns-test-stack.XXXXXX)}
stack_asan=${TEST_ASAN_STACK_DIR:-$(mktemp -d /tmp/certadns-test-stack-asan.XXXXXX)}
stack_pg=${TEST_PG_STACK_DIR:-$(mktemp -d /tmp/certadns-test-stack-pg.XXXXXX)}
pg_dir=$(mktemp -d /tmp/certadns-test-pg.XXXXXX)
remove_stacks=("$pg_dir")  # the folders this run made (not those given to it) go at exit
[ -n "${TEST_STACK_DIR:-}" ] || remove_stacks+=("$stack_main")
[ -n "${TEST_ASAN_STACK_DIR:-}" ] || remove_stacks+=("$stack_asan")
[ -n "${TEST_PG_STACK_DIR:-}" ] || remove_stacks+=("$stack_pg")

# stack_env MAIN|ASAN|PG: exports the devstack settings of that chain's stack.
stack_env() {
  if [ "$1" = pg ]; then
    export STACK_DIR=$stack_pg
    export PDNS_DNS_PORT=${TEST_PG_PDNS_DNS_PORT:-27400}
    export PDNS_API_PORT=${TEST_PG_PDNS_API_PORT:-29181}
    export PDNS_WORLD_DNS_PORT=${TEST_PG_PDNS_WORLD_DNS_PORT:-27401}
    export PDNS_WORLD_API_PORT=${TEST_PG_PDNS_WORLD_API_PORT:-29182}
    export PEBBLE_PORT=${TEST_PG_PEBBLE_PORT:-24200}
    export PEBBLE_MGMT_PORT=${TEST_PG_PEBBLE_MGMT_PORT:-25200}
    export PEBBLE_HTTP_PORT=${TEST_PG_PEBBLE_HTTP_PORT:-25202}
    export PEBBLE_TLS_PORT=${TEST_PG_PEBBLE_TLS_PORT:-25201}
  elif [ "$1" = main ]; then
    export STACK_DIR=$stack_main
    export PDNS_DNS_PORT=${TEST_PDNS_DNS_PORT:-25300}
    export PDNS_API_PORT=${TEST_PDNS_API_PORT:-28081}
    export PDNS_WORLD_DNS_PORT=${TEST_PDNS_WORLD_DNS_PORT:-25301}
    export PDNS_WORLD_API_PORT=${TEST_PDNS_WORLD_API_PORT:-28082}
    export PEBBLE_PORT=${TEST_PEBBLE_PORT:-24000}
    export PEBBLE_MGMT_PORT=${TEST_PEBBLE_MGMT_PORT:-25000}
    export PEBBLE_HTTP_PORT=${TEST_PEBBLE_HTTP_PORT:-25002}
    export PEBBLE_TLS_PORT=${TEST_PEBBLE_TLS_PORT:-25001}
  else
    export STACK_DIR=$stack_asan
    export PDNS_DNS_PORT=${TEST_ASAN_PDNS_DNS_PORT:-27300}
    export PDNS_API_PORT=${TEST_ASAN_PDNS_API_PORT:-29081}
    export PDNS_WORLD_DNS_PORT=${TEST_ASAN_PDNS_WORLD_DNS_PORT:-27301}
    export PDNS_WORLD_API_PORT=${TEST_ASAN_PDNS_WORLD_API_PORT:-29082}
    export PEBBLE_PORT=${TEST_ASAN_PEBBLE_PORT:-24100}
    export PEBBLE_MGMT_PORT=${TEST_ASAN_PEBBLE_MGMT_PORT:-25100}
    export PEBBLE_HTTP_PORT=${TEST_ASAN_PEBBLE_HTTP_PORT:-25102}
    export PEBBLE_TLS_PORT=${TEST_ASAN_PEBBLE_TLS_PORT:-25101}
  fi
}

cleanup() {
  (stack_env main && scripts/devstack.sh down >/dev/null 2>&1) || true
  (stack_env asan && scripts/devstack.sh down >/dev/null 2>&1) || true
  (stack_env pg && scripts/devstack.sh down >/dev/null 2>&1) || true
  PG_DIR=$pg_dir scripts/pg.sh down >/dev/null 2>&1 || true
  if [ ${#remove_stacks[@]} -gt 0 ]; then rm -rf "${remove_stacks[@]}"; fi
}
trap cleanup EXIT

# phase NAME CMD...: runs CMD with its output in $logs/NAME.log, then prints that log (under a
# lock, so chains do not interleave) and records "NAME STATUS SECONDS" in $logs/phases.
phase() {
  local name="$1" started=$SECONDS rc=0
  shift
  "$@" >"$logs/$name.log" 2>&1 || rc=$?
  local took=$((SECONDS - started)) status=ok
  [ "$rc" = 0 ] || status=FAILED
  (
    flock 8
    echo "== $name: $status in ${took} s"
    if [ "$rc" != 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
      sed 's/^/   /' "$logs/$name.log"
    else
      tail -n 12 "$logs/$name.log" | sed 's/^/   /'
    fi
    printf '%-28s %-7s %5d s\n' "$name" "$status" "$took" >>"$logs/phases"
  ) 8>"$logs/.print-lock"
  return "$rc"
}

# integration BUILD_DIR: the integration suite against the current stack; all must pass and
# at least one must have run. One after another: the suites share the stack's PowerDNS, whose
# gsqlite3 backend answers 500 to overlapping writes (running `integration_waits` beside the
# others made DnsIntegrationTest.LargeTxtRrsetIsReadOverTcpFallback fail).
integration() {
  scripts/devstack.sh up || return 1
  # shellcheck disable=SC1091
  source "$STACK_DIR/env" || return 1
  export CERTADNS_REQUIRE_STACK=1 # integration tests fail instead of skipping without it
  local out
  out=$(mktemp)
  ctest --test-dir "$1" -L integration --output-on-failure "${ctest_args[@]}" 2>&1 | tee "$out"
  if ! grep -qE "tests passed, 0 tests failed out of [1-9]" "$out"; then
    echo "integration tests did not all pass (or none ran)" >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}

asan_build() {
  # Line tables are all a sanitizer report needs (file:line in every frame); full debug
  # information made this build about an eighth slower.
  local asan_flags="-O1 -gline-tables-only"
  CC=${ASAN_CC:-clang-14} CXX=${ASAN_CXX:-clang++-14} cmake -S . -B "$ASAN_BUILD" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$asan_flags" -DCMAKE_C_FLAGS_DEBUG="$asan_flags" \
    -DCERTADNS_SANITIZE=ON -DCERTADNS_FUZZ=ON || return 1
  nice -n 5 cmake --build "$ASAN_BUILD" -j"$JOBS"
}

# Sanitizer findings fail the test that hit them (UBSan: -fno-sanitize-recover as well).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# fuzz TARGET: runs the libFuzzer target for FUZZ_SECONDS on its committed seed corpus; new
# inputs go to a fresh folder in the build (never into the source tree; not kept, so that
# reading them back does not lengthen the next run).
fuzz() {
  local target="$1" found="$ASAN_BUILD/fuzz-found/$1"
  rm -rf "$found"
  mkdir -p "$found" "$ASAN_BUILD/fuzz-artifacts"
  "$ASAN_BUILD/tests/fuzz/$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -print_funcs=0 \
    -artifact_prefix="$ASAN_BUILD/fuzz-artifacts/$target-" "$found" "tests/fuzz/corpus/$target"
}

asan_tests() {
  phase "asan: unit tests" ctest --test-dir "$ASAN_BUILD" -L unit --output-on-failure -j2 \
    "${ctest_args[@]}"
  stack_env asan
  phase "asan: integration tests" integration "$ASAN_BUILD"
}

fuzz_all() {
  local target rc=0
  for target in fuzz_names fuzz_api_request fuzz_acme_types fuzz_powerdns_json; do
    phase "fuzz: $target" fuzz "$target" || rc=1
  done
  return "$rc"
}

main_chain() {
  phase "unit tests" ctest --test-dir "$BUILD" -L unit --output-on-failure -j2 "${ctest_args[@]}"
  phase "devstack start-and-wait" env \
    DEVSTACK_TEST_PORT_BASE="${TEST_DEVSTACK_PORT_BASE:-26300}" tests/scripts/devstack_race_test.sh
  stack_env main
  phase "integration tests" integration "$BUILD"
}

asan_chain() {
  phase "asan: build ($ASAN_BUILD)" asan_build
  local rc=0
  asan_tests &
  local tests_pid=$!
  fuzz_all || rc=1
  wait "$tests_pid" || rc=1
  return "$rc"
}

# pg_tests: the PostgreSQL tests beside a PostgreSQL of their own; all must pass, and the
# suites must have run (not skipped: CERTADNS_REQUIRE_PG/_STACK turn a missing service into
# a failure).
pg_store_tests() {
  PG_DIR=$pg_dir PG_PORT=${TEST_PG_PORT:-25432} scripts/pg.sh up || return 1
  ctest --test-dir "$BUILD" -L postgres --no-tests=error --output-on-failure "${ctest_args[@]}" ||
    return 1
  # The store contract suites' PostgreSQL instances (the unit phase skips them).
  "$BUILD/tests/unit/store/contract/unit_store_contract" --gtest_filter='*/postgres' || return 1
  "$BUILD/tests/unit/app/unit_app" --gtest_filter='*/postgres'  # the master key check
}

pg_e2e_tests() {
  scripts/devstack.sh up || return 1
  # shellcheck disable=SC1091
  source "$STACK_DIR/env" || return 1
  CERTADNS_REQUIRE_STACK=1 CERTADNS_TEST_DATABASE=postgresql "$BUILD/tests/e2e/api/e2e_api"
}

# pg_multinode_tests: two `certadns serve` nodes on one PostgreSQL database (the SQLite
# variants run in the main chain's integration tests).
pg_multinode_tests() {
  # shellcheck disable=SC1091
  source "$STACK_DIR/env" || return 1
  CERTADNS_REQUIRE_STACK=1 "$BUILD/tests/integration/integration_multinode" \
    --gtest_filter='*/postgresql'
}

pg_chain() {
  export CERTADNS_REQUIRE_PG=1
  export CERTADNS_TEST_PG_URL="postgresql://certadns@127.0.0.1:${TEST_PG_PORT:-25432}/certadns"
  phase "postgres: store tests" pg_store_tests || return 1
  stack_env pg
  local rc=0
  phase "postgres: API e2e" pg_e2e_tests || rc=1
  phase "postgres: multi-node" pg_multinode_tests || rc=1
  return "$rc"
}

browser_chain() {
  phase "browser tests" env BUILD="$BUILD" \
    BROWSER_PORT_BASE="${TEST_BROWSER_PORT_BASE:-26400}" tests/browser/run.sh
}

phase "layering (DESIGN.md)" python3 scripts/check_layering.py

rc=0
if [ "${TEST_PARALLEL:-1}" = 1 ]; then
  main_chain &
  main_pid=$!
  asan_pid=""
  if [ "$CERTADNS_TEST_ASAN" = 1 ]; then
    asan_chain &
    asan_pid=$!
  fi
  pg_pid=""
  if [ "$CERTADNS_TEST_PG" = 1 ]; then
    pg_chain &
    pg_pid=$!
  fi
  browser_pid=""
  if [ "$CERTADNS_TEST_BROWSER" = 1 ]; then
    browser_chain &
    browser_pid=$!
  fi
  wait "$main_pid" || rc=1
  if [ -n "$asan_pid" ]; then wait "$asan_pid" || rc=1; fi
  if [ -n "$pg_pid" ]; then wait "$pg_pid" || rc=1; fi
  if [ -n "$browser_pid" ]; then wait "$browser_pid" || rc=1; fi
else
  (main_chain) || rc=1
  if [ "$CERTADNS_TEST_ASAN" = 1 ]; then (asan_chain) || rc=1; fi
  if [ "$CERTADNS_TEST_PG" = 1 ]; then (pg_chain) || rc=1; fi
  if [ "$CERTADNS_TEST_BROWSER" = 1 ]; then (browser_chain) || rc=1; fi
fi

echo "== phases (wall clock)"
cat "$logs/phases"
printf '%-28s %-7s %5d s\n' "total" "$([ "$rc" = 0 ] && echo ok || echo FAILED)" \
  "$((SECONDS - run_started))"
rm -rf "$logs"
exit "$rc"
