#!/usr/bin/env bash
# The peers of `make bench`: lego, uacme and certbot (Debian's packages) on the same Pebble
# and PowerDNS as certadns, each with its fastest correct settings, RSA-2048 keys like ours.
# Scenarios: 1 name, 3 names, *.zone + zone, 10 at once. Each client process is timed from
# its start to its exit (a certificate on disk); each peer's ACME account is registered
# before timing. Writes JSON to $1 (bench_table.py reads it).
# Needs the stack's env sourced, with PDNS_DNSUPDATE=1 (certbot's RFC 2136 updates), and
# python3. BENCH_PEER_TRIES (default 5) sequential tries of the single-certificate scenarios;
# BENCH_PEER_KEEP=1 keeps the peers' logs and files (the path is printed).
# Every client run is bounded (timeout 120 s); everything talks to 127.0.0.1 only: the resolvers of
# lego and certbot are our PowerDNS, uacme reads Pebble's CA from a private mount namespace
# (unshare -m, so root, as the package install already is).
set -uo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
tries=${BENCH_PEER_TRIES:-5}
work=$(mktemp -d /tmp/certadns-bench-peers.XXXXXX)
if [ "${BENCH_PEER_KEEP:-0}" = 1 ]; then
  echo "run-peers: logs in $work" >&2
else
  trap 'rm -rf "$work"' EXIT
fi
api="$CERTADNS_POWERDNS_API_URL/api/v1/servers/${CERTADNS_POWERDNS_SERVER_ID:-localhost}"
dns_host=${CERTADNS_DNS_NAMESERVERS%%:*}
dns_port=${CERTADNS_DNS_NAMESERVERS##*:}
ca=$CERTADNS_ACME_CA_BUNDLE
directory=$CERTADNS_ACME_DIRECTORY_URL
results=$work/results.tsv
: >"$results"

pdns() { # pdns METHOD PATH [JSON]
  curl --noproxy '*' -sSf --max-time 10 -X "$1" -H "X-API-Key: $CERTADNS_POWERDNS_API_KEY" \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$api$2"
}
now_ns() { date +%s%N; }

# A zone of the peer's own in our PowerDNS.
new_zone() {
  local zone="$1-$$.bench-peers.test"
  pdns POST /zones "{\"name\": \"$zone.\", \"kind\": \"Native\",
    \"nameservers\": [\"ns1.certadns.test.\"]}" >/dev/null || return 1
  echo "$zone"
}

# timed PEER SCENARIO COMMAND...: runs COMMAND (bounded), appends "PEER SCENARIO ok ms".
timed() {
  local peer=$1 scenario=$2 start rc
  shift 2
  start=$(now_ns)
  "$@" >>"$work/$peer.log" 2>&1
  rc=$?
  echo -e "$peer\t$scenario\t$([ $rc = 0 ] && echo 1 || echo 0)\t$((($(now_ns) - start) / 1000))" \
    >>"$results"
}

# scenarios PEER ISSUE: ISSUE NAME... issues one certificate for the names (first = CN).
scenarios() {
  local peer=$1 issue=$2 zone=$3 i
  for ((i = 0; i < tries; i++)); do timed "$peer" "1 name" "$issue" "one$i.$zone"; done
  for ((i = 0; i < tries; i++)); do
    timed "$peer" "3 names" "$issue" "t$i.$zone" "a$i.$zone" "b$i.$zone"
  done
  # A wildcard and its apex: one zone per try, so no try reuses another's names.
  for ((i = 0; i < tries; i++)); do
    local wzone
    wzone=$(new_zone "$peer-w$i") || continue
    PEER_ZONE=$wzone timed "$peer" "*.zone + zone" "$issue" "*.$wzone" "$wzone"
  done
  for ((i = 0; i < 10; i++)); do timed "$peer" "10 at once" "$issue" "burst$i.$zone" & done
  wait
}

# --- lego: pdns provider, no propagation check, resolvers = our PowerDNS.
lego_issue() {
  local args=() n
  for n in "$@"; do args+=(-d "$n"); done
  LEGO_CA_CERTIFICATES=$ca PDNS_API_URL=$CERTADNS_POWERDNS_API_URL \
    PDNS_API_KEY=$CERTADNS_POWERDNS_API_KEY PDNS_SERVER_NAME=${CERTADNS_POWERDNS_SERVER_ID:-localhost} \
    PDNS_TTL=1 PDNS_POLLING_INTERVAL=1 PDNS_PROPAGATION_TIMEOUT=30 \
    timeout 120 lego --server "$directory" --email bench@lego.test --accept-tos --path "$work/lego" \
    --key-type rsa2048 --dns pdns --dns.disable-cp --dns.resolvers "$dns_host:$dns_port" \
    "${args[@]}" run --no-bundle
}
lego_settings="lego $(dpkg-query -W -f='${Version}' lego 2>/dev/null): --dns pdns --dns.disable-cp --dns.resolvers <our PowerDNS> --key-type rsa2048, PDNS_TTL=1"

# --- uacme: our hook sets TXT via the PowerDNS API; Pebble's CA in a private mount namespace
# (uacme's libcurl only reads the system bundle).
cat "$ca" /etc/ssl/certs/ca-certificates.crt >"$work/uacme-bundle.pem" 2>/dev/null || cp "$ca" "$work/uacme-bundle.pem"
uacme_run() {
  # shellcheck disable=SC2016 # expanded by that inner sh
  timeout 120 unshare -m sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' \
    "$work/uacme-bundle.pem" uacme -a "$directory" -c "$work/uacme" -t RSA -b 2048 -y "$@"
}
uacme_issue() { uacme_run -h "$here/uacme-pdns-hook.sh" issue "$@"; }
uacme_settings="uacme $(dpkg-query -W -f='${Version}' uacme 2>/dev/null): -t RSA -b 2048 -h bench/peers/uacme-pdns-hook.sh (TXT via the PowerDNS API, TTL 1)"

# --- certbot: dns-rfc2136 against our PowerDNS with TSIG, no propagation wait. One config
# dir per concurrent run (certbot locks its dir), each with its account.
certbot_issue() {
  local dir=$work/certbot/${CERTBOT_SLOT:-0} args=() n
  for n in "$@"; do args+=(-d "$n"); done
  REQUESTS_CA_BUNDLE=$ca timeout 120 certbot certonly --non-interactive --server "$directory" \
    --config-dir "$dir" --work-dir "$dir/work" --logs-dir "$dir/logs" \
    --key-type rsa --rsa-key-size 2048 --dns-rfc2136 \
    --dns-rfc2136-credentials "$work/rfc2136.ini" --dns-rfc2136-propagation-seconds 0 \
    "${args[@]}"
}
certbot_settings="certbot $(dpkg-query -W -f='${Version}' certbot 2>/dev/null): --dns-rfc2136 (TSIG hmac-sha256, server = our PowerDNS) --dns-rfc2136-propagation-seconds 0 --key-type rsa --rsa-key-size 2048"

settings=()
for peer in lego uacme certbot; do
  command -v "$peer" >/dev/null || { echo "run-peers: $peer not installed; skipped" >&2; continue; }
  zone=$(new_zone "$peer") || { echo "run-peers: cannot create a zone for $peer" >&2; continue; }
  export PEER_ZONE=$zone
  case $peer in
    lego)
      # Registered (and a certificate issued) once before timing.
      lego_issue "warm.$zone" >>"$work/lego.log" 2>&1 || echo "run-peers: lego warm-up failed" >&2
      scenarios lego lego_issue "$zone"
      settings+=("$lego_settings") ;;
    uacme)
      uacme_run new bench@uacme.test >>"$work/uacme.log" 2>&1 || echo "run-peers: uacme new failed" >&2
      scenarios uacme uacme_issue "$zone"
      settings+=("$uacme_settings") ;;
    certbot)
      # A TSIG key allowed to update the peer's zones (set again on each wildcard zone).
      pdns POST /tsigkeys '{"name": "certbot-bench", "algorithm": "hmac-sha256"}' >/dev/null 2>&1 || true
      secret=$(pdns GET /tsigkeys/certbot-bench. | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
      (umask 077; printf 'dns_rfc2136_server = %s\ndns_rfc2136_port = %s\ndns_rfc2136_name = certbot-bench.\ndns_rfc2136_secret = %s\ndns_rfc2136_algorithm = HMAC-SHA256\n' \
        "$dns_host" "$dns_port" "$secret" >"$work/rfc2136.ini")
      for i in $(seq 0 9); do
        REQUESTS_CA_BUNDLE=$ca certbot register --non-interactive --agree-tos -m bench@certbot.test \
          --server "$directory" --config-dir "$work/certbot/$i" --work-dir "$work/certbot/$i/work" \
          --logs-dir "$work/certbot/$i/logs" >>"$work/certbot.log" 2>&1 || echo "run-peers: certbot register failed" >&2
      done
      new_zone() { # every certbot zone lets the TSIG key update it
        local z="$1-$$.bench-peers.test"
        pdns POST /zones "{\"name\": \"$z.\", \"kind\": \"Native\", \"nameservers\": [\"ns1.certadns.test.\"]}" >/dev/null &&
          pdns PUT "/zones/$z./metadata/TSIG-ALLOW-DNSUPDATE" \
            '{"kind": "TSIG-ALLOW-DNSUPDATE", "metadata": ["certbot-bench"]}' >/dev/null || return 1
        echo "$z"
      }
      pdns PUT "/zones/$zone./metadata/TSIG-ALLOW-DNSUPDATE" \
        '{"kind": "TSIG-ALLOW-DNSUPDATE", "metadata": ["certbot-bench"]}' >/dev/null
      scenarios_certbot() {
        local i
        for ((i = 0; i < tries; i++)); do timed certbot "1 name" certbot_issue "one$i.$zone"; done
        for ((i = 0; i < tries; i++)); do
          timed certbot "3 names" certbot_issue "t$i.$zone" "a$i.$zone" "b$i.$zone"
        done
        for ((i = 0; i < tries; i++)); do
          local wzone
          wzone=$(new_zone "certbot-w$i") || continue
          timed certbot "*.zone + zone" certbot_issue "*.$wzone" "$wzone"
        done
        for ((i = 0; i < 10; i++)); do
          CERTBOT_SLOT=$i timed certbot "10 at once" certbot_issue "burst$i.$zone" &
        done
        wait
      }
      scenarios_certbot
      settings+=("$certbot_settings") ;;
  esac
  echo "run-peers: $peer done: $(awk -v p="$peer" '$1 == p {n++; ok += $3} END {print ok "/" n}' FS='\t' "$results") succeeded" >&2
done

python3 - "$results" "$out" "${settings[@]}" <<'PY'
import json, sys
results, out, settings = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {}
for line in open(results):
    peer, scenario, ok, us = line.rstrip("\n").split("\t")
    row = rows.setdefault((peer, scenario), {"peer": peer, "scenario": scenario, "ms": [], "ok": 0, "tries": 0})
    row["tries"] += 1
    if ok == "1":
        row["ok"] += 1
        row["ms"].append(int(us) / 1000)
json.dump({"settings": settings, "rows": list(rows.values())}, open(out, "w"), indent=2)
PY
