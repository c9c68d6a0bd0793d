#!/usr/bin/env bash
# `make run`: builds the dashboard (web/: `npm ci` when needed, `npm run build`), starts the
# local stack (PowerDNS + Pebble on loopback, default ports) and certadns with SQLite under
# ./data, in the foreground, serving the dashboard at http://127.0.0.1:8080/. Ctrl-C stops
# certadns; `make stop` stops the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

# The dashboard, served from web/dist.
if [ -f web/package.json ]; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    (cd web && npm ci --no-audit --no-fund)
    touch web/node_modules
  fi
  (cd web && npm run build)
else
  echo "run-local: web/ has no package.json; serving the API without the dashboard" >&2
fi

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
certadns() { "$BUILD/certadns" "$@" --config "$config"; }

# A demo Elite user with a verified zone, created once; its credentials are kept (0600) so
# every `make run` prints the same ones.
credentials=data/demo-credentials
demo_email=demo@certadns.test
demo_zone=demo.certadns-demo.test  # delegated in the world DNS (scripts/devstack.sh)
if [ ! -f "$credentials" ]; then
  password=$(openssl rand -base64 18 | tr -d '/+=' | cut -c1-16)
  certadns user add --email "$demo_email" --plan elite --password "$password" >/dev/null
  key=$(certadns apikey create --email "$demo_email" 2>/dev/null)
  (umask 077; printf 'email=%s\npassword=%s\napi_key=%s\n' "$demo_email" "$password" "$key" \
    > "$credentials")
fi
certadns zone import --email "$demo_email" --name "$demo_zone" --verified >/dev/null 2>&1 || true
# shellcheck disable=SC1090
source "$credentials"

cat <<TEXT
certadns is starting on http://127.0.0.1:8080 (config $config; Ctrl-C to stop)
  dashboard:       http://127.0.0.1:8080/
  dashboard login: $email / $password
  API key:         $api_key
  demo zone:       $demo_zone (verified)
Try:
  curl -s -H "Authorization: Bearer $api_key" http://127.0.0.1:8080/api/v1/zones
  curl -s -H "Authorization: Bearer $api_key" -H 'Content-Type: application/json' \\
    -d '{"zone_id":"<id from /zones>","domain":"app.$demo_zone"}' http://127.0.0.1:8080/api/v1/certificates
TEXT
exec "$BUILD/certadns" serve --config "$config"
