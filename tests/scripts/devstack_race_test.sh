#!/usr/bin/env bash
# Tests scripts/devstack.sh's start-and-wait (defect 14): a service whose command line does
# not name STACK_DIR yet (the window between fork and exec, stretched here to seconds by a
# stub that sleeps before exec'ing the real binary) must be waited for, not declared dead
# and orphaned; a start that fails (exits, or never gets ready) must leave no process behind.
# Each case runs in a fresh STACK_DIR; leftovers are found by an environment marker that
# every process the case started inherits, and are killed by pid at the end.
#
# Usage: tests/scripts/devstack_race_test.sh   (needs pdns_server and pebble)
# Ports: DEVSTACK_TEST_PORT_BASE (default 26300) .. +7.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
devstack="$repo_root/scripts/devstack.sh"
base="${DEVSTACK_TEST_PORT_BASE:-26300}"
real_pdns="$(command -v pdns_server || echo /usr/sbin/pdns_server)"
real_pebble="$(command -v pebble || echo /usr/bin/pebble)"
work="$(mktemp -d /tmp/devstack-race-test.XXXXXX)"
failures=0

export PDNS_DNS_PORT=$base PDNS_API_PORT=$((base + 1)) PDNS_WORLD_DNS_PORT=$((base + 2))
export PDNS_WORLD_API_PORT=$((base + 3)) PEBBLE_PORT=$((base + 4)) PEBBLE_MGMT_PORT=$((base + 5))
export PEBBLE_HTTP_PORT=$((base + 6)) PEBBLE_TLS_PORT=$((base + 7))

# marked_pids MARKER: pids of live processes whose environment holds DEVSTACK_TEST_MARKER=MARKER.
marked_pids() {
  local f pid
  for f in /proc/[0-9]*/environ; do
    pid="${f#/proc/}"
    pid="${pid%/environ}"
    if { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qx "DEVSTACK_TEST_MARKER=$1"; then
      echo "$pid"
    fi
  done
}

kill_marked() {
  local pid
  for pid in $(marked_pids "$1"); do kill -KILL "$pid" 2>/dev/null || true; done
}

# stub NAME REAL DELAY: an executable that, for DELAY seconds, runs with a command line that
# does not name STACK_DIR, then execs REAL with its arguments (REAL empty: exit 3 instead;
# DELAY "infinity": never exec).
stub() {
  local path="$work/stubs/$1"
  mkdir -p "$work/stubs"
  cat >"$path" <<STUB
#!/usr/bin/env bash
export STUB_ARGS="\$(printf '%q ' "\$@")"
exec bash -c 'sleep $3; if [ -z "$2" ]; then exit 3; fi; eval "exec $2 \$STUB_ARGS"'
STUB
  chmod +x "$path"
  echo "$path"
}

# run_case NAME EXPECT_RC PDNS_BIN PEBBLE_BIN [MESSAGE]: devstack up in a fresh STACK_DIR; checks
# its exit status, that stderr contains MESSAGE, and that after `down` nothing is left running.
run_case() {
  local name="$1" expect="$2" marker rc=0 left
  marker="$name-$$"
  export STACK_DIR="$work/$name"
  local started=$SECONDS
  echo "-- $name"
  DEVSTACK_TEST_MARKER="$marker" PDNS_BIN="$3" PEBBLE_BIN="$4" \
    timeout 120 "$devstack" up >"$work/$name.out" 2>&1 || rc=$?
  if [ "$expect" = 0 ] && [ "$rc" = 0 ]; then
    "$devstack" status >>"$work/$name.out" 2>&1 || { echo "FAIL $name: status after up"; failures=$((failures + 1)); }
  fi
  if [ "$rc" != "$expect" ] && ! { [ "$expect" = fail ] && [ "$rc" != 0 ]; }; then
    echo "FAIL $name: devstack up exited $rc, expected $expect"
    sed 's/^/    /' "$work/$name.out"
    failures=$((failures + 1))
  fi
  if [ -n "${5:-}" ] && ! grep -q "$5" "$work/$name.out"; then
    echo "FAIL $name: output lacks \"$5\""
    sed 's/^/    /' "$work/$name.out"
    failures=$((failures + 1))
  fi
  "$devstack" down >/dev/null 2>&1 || true
  sleep 0.5
  left="$(marked_pids "$marker" | tr '\n' ' ')"
  if [ -n "$left" ]; then
    echo "FAIL $name: processes left running after up/down: $left"
    ps -o pid,args -p "${left// /,}" 2>/dev/null | sed 's/^/    /' || true
    failures=$((failures + 1))
    kill_marked "$marker"
  fi
  echo "   $((SECONDS - started)) s"
}

cleanup() {
  local d
  for d in "$work"/*/; do
    if [ -d "$d" ]; then STACK_DIR="$d" "$devstack" down >/dev/null 2>&1 || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Slow exec: every service spends 2 s before its command line names STACK_DIR.
run_case slow-exec 0 "$(stub pdns-slow "$real_pdns" 2)" "$(stub pebble-slow "$real_pebble" 2)"
# 2. A service that exits during startup: a clear message, nothing left.
run_case exits fail "$real_pdns" "$(stub pebble-exits "" 0.5)" "pebble exited during startup"
# 3. One that exits at once (it may be gone before its start time is read).
run_case exits-at-once fail "$real_pdns" "$(command -v false)" "pebble exited during startup"
# 4. A service that never gets ready: the bound ends the wait and the process is stopped.
DEVSTACK_START_TIMEOUT=3 run_case never-ready fail "$real_pdns" "$(stub pebble-hangs "" infinity)" \
  "pebble did not become ready"

if [ "$failures" -gt 0 ]; then
  echo "devstack_race_test: $failures failure(s)"
  exit 1
fi
echo "devstack_race_test: all cases passed"
