#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/, from the test
data (tests/testdata/dns/powerdns/) and from the documents and names the unit tests use.
Run it again after changing the seeds; files are named by the SHA-1 of their content, as
libFuzzer names the inputs it finds. No keys or secrets are involved."""
import hashlib
import json
import pathlib
import shutil

HERE = pathlib.Path(__file__).resolve().parent
TESTDATA = HERE.parent / "testdata"

NAMES = [
    "app.example.com", "App.EXAMPLE.Com", "example.com.", " \t app.example.com \n",
    "a-1.b2b.example.com", "123.example.com", "Bücher.example", "straße.de",
    "bücher\u3002example", "XN--BCHER-KVA.example", "*.example.com", "*.Example.COM.",
    "*.Bücher.example", "a" * 63 + ".example.com", "a" * 64 + ".example.com",
    ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61]), "app..example.com", "-app.example.com",
    "app-.example.com", "app_1.example.com", "*.*.example.com", "app.*.example.com", "com",
    "192.0.2.1", "[2001:db8::1]", "xn--.example", "xn--a.example", "exa\u0000mple.com",
    "аpple.com", "app.example.com\nexample.com", "*.example.com\nexample.com",
    "badexample.com\nexample.com", "co.uk", "github.io",
    # found by fuzz_names: labels IDNA maps to nothing
    "*.ex.\ufe0e", "app.\u00ad.example.com",
]

API_BODIES = [
    {"zone_id": "z_1", "domain": "app.example.com"},
    {"zone_id": "z_1", "domain": "example.com", "sans": ["www.example.com", "api.example.com"],
     "wildcard": False, "auto_renew": True},
    {"zone_id": "z_1", "domain": "*.example.com", "wildcard": True},
    {"zone_id": "z_1", "domain": "example.com", "sans": ["App.Example.com.", "app.example.com"]},
    {"zone_id": 1, "domain": ["x"], "sans": "a", "wildcard": "yes", "auto_renew": 0},
    {"zone_id": None, "domain": None, "sans": None},
    {"zone_id": "z_1", "domain": "Bücher.example", "sans": [1, None, {}]},
    {"name": "example.com"}, {"enabled": True}, {"enabled": "true"},
    {"email": "user@example.com", "password": "correct horse battery staple"},
]
API_RAW = ['', '{}', '[]', 'null', '"x"', '{"domain": "a.example.com"}\u0000', '{"a":',
           '{"domain": "\\ud800"}', '{"sans": [' + ",".join(['"a.example.com"'] * 3) + ']}']

ACME = [
    {"type": "urn:ietf:params:acme:error:rejectedIdentifier",
     "detail": "Some identifiers were rejected", "status": 400,
     "subproblems": [{"type": "urn:ietf:params:acme:error:malformed", "detail": "Invalid underscore",
                      "identifier": {"type": "dns", "value": "_example.org"}}]},
    {"type": "urn:ietf:params:acme:error:badNonce"},
    {"type": "about:blank", "detail": "x"},
    {"type": "t", "status": "400"},
    {"type": "urn:ietf:params:acme:error:rateLimited", "detail": "too many certificates",
     "status": 429},
    ["urn:ietf:params:acme:error:malformed"],
    {"status": "invalid", "expires": "2026-01-20T00:00:00Z",
     "identifiers": [{"type": "dns", "value": "example.com"}],
     "authorizations": ["https://ca/authz/1"], "finalize": "https://ca/order/1/finalize",
     "error": {"type": "urn:ietf:params:acme:error:caa", "detail": "CAA forbids", "status": 403}},
    {"status": "valid", "authorizations": ["https://ca/authz/1", "https://ca/authz/2"],
     "finalize": "https://ca/f", "certificate": "https://ca/cert/1"},
    {"status": "pending", "wildcard": True, "identifier": {"type": "dns", "value": "example.com"},
     "challenges": [{"type": "dns-01", "url": "https://ca/chall/1", "token": "a",
                     "status": "pending"},
                    {"type": "http-01", "url": "https://ca/chall/2", "token": "b",
                     "status": "pending"}]},
    {"type": "dns-01", "url": "https://ca/chall/2", "token": "b", "status": "invalid",
     "error": {"type": "urn:ietf:params:acme:error:dns", "detail": "NXDOMAIN", "status": 400}},
    {"newNonce": "https://ca/nonce", "newAccount": "https://ca/acct",
     "newOrder": "https://ca/order", "revokeCert": "https://ca/revoke"},
    # directories (ParseDirectory): Pebble's and Let's Encrypt's shapes, and broken ones
    {"keyChange": "https://127.0.0.1:14000/rollover-account-key",
     "meta": {"externalAccountRequired": False, "termsOfService": "data:text/plain,Do what thou wilt"},
     "newAccount": "https://127.0.0.1:14000/sign-me-up", "newNonce": "https://127.0.0.1:14000/nonce-plz",
     "newOrder": "https://127.0.0.1:14000/order-plz", "revokeCert": "https://127.0.0.1:14000/revoke-cert"},
    {"Xr4d1nGdWzE": "https://community.letsencrypt.org/t/adding-random-entries-to-the-directory/33417",
     "keyChange": "https://acme-v02.api.letsencrypt.org/acme/key-change",
     "meta": {"caaIdentities": ["letsencrypt.org"], "profiles": {"classic": "default"},
              "termsOfService": "https://letsencrypt.org/documents/LE-SA-v1.5-February-24-2025.pdf",
              "website": "https://letsencrypt.org"},
     "newAccount": "https://acme-v02.api.letsencrypt.org/acme/new-acct",
     "newNonce": "https://acme-v02.api.letsencrypt.org/acme/new-nonce",
     "newOrder": "https://acme-v02.api.letsencrypt.org/acme/new-order",
     "renewalInfo": "https://acme-v02.api.letsencrypt.org/draft-ietf-acme-ari-03/renewalInfo",
     "revokeCert": "https://acme-v02.api.letsencrypt.org/acme/revoke-cert"},
    {"newNonce": "https://ca/nonce", "newAccount": "https://ca/acct", "newOrder": "https://ca/order",
     "revokeCert": None},
    {"newNonce": 1, "newAccount": ["https://ca/acct"], "newOrder": {"url": "https://ca/order"}},
    {"newNonce": "", "newAccount": "https://ca/acct", "newOrder": "https://ca/order"},
    42,
]


def write(target, seeds):
    out = HERE / "corpus" / target
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for seed in seeds:
        data = seed if isinstance(seed, bytes) else seed.encode()
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    write("fuzz_names", NAMES)
    write("fuzz_api_request",
          [json.dumps(b, ensure_ascii=False) for b in API_BODIES] + API_RAW)
    write("fuzz_acme_types", [json.dumps(d) for d in ACME])
    write("fuzz_powerdns_json",
          [p.read_bytes() for p in sorted((TESTDATA / "dns" / "powerdns").iterdir())])


if __name__ == "__main__":
    main()
