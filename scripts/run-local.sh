#!/usr/bin/env bash
# `make run`: the local stack (PowerDNS + Pebble on loopback, default ports) and certadns
# with SQLite under ./data, in the foreground. Ctrl-C stops certadns; `make stop` stops the
# stack.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

scripts/devstack.sh up
# shellcheck disable=SC1091
source .stack/env
mkdir -p data
config=data/certadns.toml
if [ ! -f "$config" ]; then
  cat > "$config" <<TOML
# Written by scripts/run-local.sh for the local stack; CERTADNS_* variables override it.
[server]
listen = "127.0.0.1:8080"
web_root = "web/dist"

[database]
url = "sqlite://./data/certadns.db"

[secrets]
master_key_file = "./data/master.key"

[acme]
directory_url = "$CERTADNS_ACME_DIRECTORY_URL"
ca_bundle = "$CERTADNS_ACME_CA_BUNDLE"

[powerdns]
api_url = "$CERTADNS_POWERDNS_API_URL"
server_id = "localhost"

[dns]
nameservers = ["$CERTADNS_DNS_NAMESERVERS"]
TOML
fi
# The PowerDNS API key stays out of the file: it comes from the stack's env.
export CERTADNS_POWERDNS_API_KEY
echo "certadns: http://127.0.0.1:8080/healthz  (config $config; Ctrl-C to stop)"
exec "$BUILD/certadns" serve --config "$config"
