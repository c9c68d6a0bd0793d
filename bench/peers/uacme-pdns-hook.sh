#!/usr/bin/env bash
# uacme's challenge hook for `make bench` (bench/peers/run-peers.sh): answers dns-01 by
# setting the TXT record _acme-challenge.IDENT through the PowerDNS API (curl), and removes
# it when the challenge is done or failed. Declines every other challenge type (exit 1), so
# uacme moves on to dns-01. uacme runs it as: HOOK METHOD TYPE IDENT TOKEN KEY_AUTH, where
# KEY_AUTH is already the dns-01 TXT value.
# Environment: CERTADNS_POWERDNS_API_URL, CERTADNS_POWERDNS_API_KEY, CERTADNS_POWERDNS_SERVER_ID
# (from the stack's env) and PEER_ZONE, the zone holding IDENT (no trailing dot).
set -euo pipefail
method=$1 type=$2 ident=$3 value=${5:-}
[ "$type" = dns-01 ] || exit 1
server=${CERTADNS_POWERDNS_SERVER_ID:-localhost}
case "$method" in
  begin) changetype=REPLACE records="[{\"content\": \"\\\"$value\\\"\", \"disabled\": false}]" ;;
  done | failed) changetype=DELETE records="[]" ;;
  *) exit 1 ;;
esac
curl --noproxy '*' -sSf --max-time 10 -X PATCH -o /dev/null \
  -H "X-API-Key: $CERTADNS_POWERDNS_API_KEY" -H 'Content-Type: application/json' \
  --data "{\"rrsets\": [{\"name\": \"_acme-challenge.$ident.\", \"type\": \"TXT\", \"ttl\": 1,
           \"changetype\": \"$changetype\", \"records\": $records}]}" \
  "$CERTADNS_POWERDNS_API_URL/api/v1/servers/$server/zones/$PEER_ZONE."
