// Google Benchmark micro-benchmarks of the CPU work on an issuance's path and the API's:
// JWS signing (one ACME request, RS256 as accounts registered before used and ES256 as new
// accounts use), CSR building (3 names), the DNS-01 TXT value, name
// normalisation (an IDN and an ASCII name) and the JSON encoding of a 100-certificate list
// (GET /certificates). scripts/run-bench.sh runs it with --benchmark_out (JSON).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "api/dto.h"
#include "core/certificate.h"
#include "core/names.h"
#include "core/plan.h"
#include "crypto/csr.h"
#include "crypto/jws.h"
#include "crypto/private_key.h"

namespace certadns::bench {
namespace {

const crypto::PrivateKey& Key() {
  static const crypto::PrivateKey key = crypto::PrivateKey::GenerateRsa(2048).value();
  return key;
}

const crypto::PrivateKey& EcKey() {
  static const crypto::PrivateKey key = crypto::PrivateKey::GenerateEcP256().value();
  return key;
}

void SignJwsLoop(benchmark::State& state, const crypto::PrivateKey& key) {
  nlohmann::json header = {{"nonce", "abcdefghijklmnop"},
                           {"url", "https://127.0.0.1:14000/finalize-order/abc"},
                           {"kid", "https://127.0.0.1:14000/my-account/1"}};
  std::string payload = R"({"csr":"MIICdjCCAV4CAQAwGzEZMBcGA1UEAwwQYXBwLmV4YW1wbGUuY29t"})";
  for (auto _ : state) benchmark::DoNotOptimize(crypto::SignJws(key, header, payload));
}

// RS256: the account key of accounts registered before ES256 (RSA-2048).
void BM_JwsSign(benchmark::State& state) { SignJwsLoop(state, Key()); }
BENCHMARK(BM_JwsSign);

// ES256: the account key of new accounts (EC P-256).
void BM_JwsSignEs256(benchmark::State& state) { SignJwsLoop(state, EcKey()); }
BENCHMARK(BM_JwsSignEs256);

void BM_CsrBuild(benchmark::State& state) {
  const auto& key = Key();
  std::vector<std::string> names = {"app.example.com", "www.example.com", "api.example.com"};
  for (auto _ : state) benchmark::DoNotOptimize(crypto::CreateCsrDer(key, names));
}
BENCHMARK(BM_CsrBuild);

void BM_TxtValue(benchmark::State& state) {
  std::string thumbprint = Key().JwkThumbprint();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::Dns01TxtValue(
        crypto::KeyAuthorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ", thumbprint)));
  }
}
BENCHMARK(BM_TxtValue);

void BM_NormalizeName(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(core::NormalizeDnsName("Bücher.Example.COM."));
    benchmark::DoNotOptimize(core::NormalizeDnsName("app.example.com"));
  }
}
BENCHMARK(BM_NormalizeName);

void BM_ListJson100(benchmark::State& state) {
  std::vector<core::Certificate> certificates(100);
  auto now = std::chrono::system_clock::now();
  for (size_t i = 0; i < certificates.size(); ++i) {
    core::Certificate& c = certificates[i];
    c.id = "cert_" + std::to_string(100000 + i);
    c.owner_id = "user_1";
    c.zone_id = "zone_1";
    c.zone_name = "example.com";
    c.domain = "n" + std::to_string(i) + ".example.com";
    c.sans = {"www" + std::to_string(i) + ".example.com"};
    c.status = core::CertificateState::kIssued;
    c.issued_at = now;
    c.expires_at = now + std::chrono::hours(24 * 90);
    c.next_renewal_at = now + std::chrono::hours(24 * 60);
    c.serial = "0a1b2c3d4e5f";
    c.created_at = now;
    c.updated_at = now;
  }
  for (auto _ : state) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : certificates) list.push_back(api::CertificateJson(c));
    nlohmann::json body = {{"certificates", list},
                           {"limits", api::LimitsJson(core::LimitsOf(core::Plan::kElite), 100)}};
    benchmark::DoNotOptimize(body.dump());
  }
}
BENCHMARK(BM_ListJson100);

}  // namespace
}  // namespace certadns::bench

BENCHMARK_MAIN();
