#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test and run. Idempotent:
# packages already present are skipped, and `apt-get update` runs at most once. Then checks
# Node.js and npm (the dashboard in web/ and its browser tests in tests/browser/ need them)
# and runs `npm ci` in those folders when their node_modules are missing or older than
# their package-lock.json. Chromium comes from Debian (never downloaded by npm).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git ca-certificates openssl curl python3
  libssl-dev libcurl4-openssl-dev libboost-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev libsodium-dev libpsl-dev libidn2-dev
  libzip-dev libldns-dev ldnsutils libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  pdns-server pdns-backend-sqlite3 pdns-backend-pgsql pebble sqlite3
  postgresql postgresql-client
  python3-aiosmtpd
  clang-14 libclang-rt-14-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # Service packages must not start system-wide daemons: the project starts its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js >= 20.19 and npm >= 10 (Vite and the tests need them). Not installed from here:
# Debian 12's nodejs is 18; install Node 20 (e.g. NodeSource's nodejs package) first.
version_at_least() { # version_at_least HAVE WANT: true when HAVE >= WANT (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
node_ok=1
if ! command -v node >/dev/null 2>&1; then
  echo "install-deps: Node.js is missing: install Node.js 20.19 or newer (node and npm)" >&2
  node_ok=0
else
  node_version=$(node --version 2>/dev/null | sed 's/^v//')
  if ! version_at_least "$node_version" 20.19.0; then
    echo "install-deps: Node.js $node_version is too old: the dashboard needs 20.19 or newer" >&2
    node_ok=0
  fi
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: npm is missing: install npm 10 or newer (it comes with Node.js 20)" >&2
  node_ok=0
else
  npm_version=$(npm --version 2>/dev/null)
  if ! version_at_least "$npm_version" 10.0.0; then
    echo "install-deps: npm $npm_version is too old: the dashboard needs npm 10 or newer" >&2
    node_ok=0
  fi
fi
[ "$node_ok" = 1 ] || exit 1

# npm ci in DIR when DIR/node_modules is missing or older than DIR/package-lock.json.
for dir in web tests/browser; do
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
    touch "$dir/node_modules"
  fi
done
