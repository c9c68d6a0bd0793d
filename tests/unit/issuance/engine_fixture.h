// EngineTest: the issuance Engine on the in-memory store (MemoryStore) with FakeAcmeClient,
// FakeDnsProvider (also the PropagationChecker) and a FakeClock. Steps are driven one at a
// time as a worker would: claim at the fake now, RunStep, CommitStep; when the job waits,
// the clock jumps to its run_at. Not thread-safe.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/jws.h"
#include "crypto/secret_box.h"
#include "crypto/x509.h"
#include "issuance/engine.h"
#include "issuance/issuance_service.h"
#include "issuance/key_pool.h"
#include "support/memory_store.h"
#include "support/fake_acme_client.h"
#include "support/fake_clock.h"
#include "support/fake_dns_provider.h"
#include "support/openssl_check.h"
#include "support/temp_dir.h"

namespace certadns::issuance {

inline constexpr char kOwner[] = "user_alice";
inline constexpr char kZoneId[] = "zone_1";
inline constexpr char kZone[] = "example.com";

/// Hands out RSA keys from a small process-wide cache, in turn, so that the tests do not
/// spend their time in RSA key generation. Consecutive keys always differ, which is all one
/// test can observe. Not thread-safe.
class CachedKeySource final : public KeySource {
 public:
  core::Result<crypto::PrivateKey> Take() override {
    static std::vector<std::string>* pems = [] {
      auto* out = new std::vector<std::string>;
      for (int i = 0; i < 3; ++i) {
        auto key = crypto::PrivateKey::GenerateRsa(2048);
        if (!key.ok()) std::abort();
        out->push_back(key->ToPem().reveal());
      }
      return out;
    }();
    return crypto::PrivateKey::FromPem((*pems)[next_++ % pems->size()]);
  }

 private:
  size_t next_ = 0;
};

/// One step as the worker ran it.
struct RanStep {
  std::string step;
  core::TimePoint at;        // the clock when it ran
  store::StepCommit commit;  // what it returned (and what was committed)
};

class EngineTest : public ::testing::Test {
 protected:
  using AcmeMethod = test::FakeAcmeClient::Method;
  using DnsCall = test::FakeDnsProvider::Call;

  EngineTest() : acme_(&clock_) {}

  void SetUp() override {
    store_ = std::make_unique<test::MemoryStore>();
    auto box = crypto::SecretBox::FromKeyFile(dir_.File("keys/master.key"));
    ASSERT_TRUE(box.ok()) << box.error().message();
    box_.emplace(std::move(box).value());
    ASSERT_TRUE(store_->CreateUser({kOwner, "alice@example.com", "elite", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateZone({kZoneId, kOwner, kZone, true, clock_.Now()}).ok());
    service_ = std::make_unique<IssuanceService>(*store_, *store_, clock_, nullptr);
    config_.jitter = [] { return 0.0; };  // deterministic backoff
    UseEngine(&dns_);
  }

  /// (Re)creates the engine with `config_`, `checker` and `key_source_` (null: the
  /// engine's own DirectKeySource).
  void UseEngine(dns::PropagationChecker* checker) {
    engine_ = std::make_unique<Engine>(*store_, *store_, *store_, acme_, dns_, checker, *box_,
                                       clock_, config_);
    if (key_source_ != nullptr) engine_->SetKeySource(key_source_);
  }

  core::Certificate Request(const std::string& domain, std::vector<std::string> sans = {}) {
    auto cert = service_->Request({kOwner, kZoneId, kZone, domain, std::move(sans), true});
    EXPECT_TRUE(cert.ok()) << cert.error().message();
    return cert.ok() ? *cert : core::Certificate{};
  }

  /// Claims the next job, moving the clock to its run_at if it lies ahead. nullopt when
  /// there is no job at all.
  std::optional<store::Job> ClaimDue(const std::string& worker = "w1") {
    auto next = store_->NextJobDue();
    EXPECT_TRUE(next.ok());
    if (!next.ok() || !next->has_value()) return std::nullopt;
    if (**next > clock_.Now()) clock_.Set(**next);
    auto claimed = store_->ClaimJob(worker, clock_.Now(), lease_);
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << "a due job could not be claimed";
    return claimed.ok() ? *claimed : std::nullopt;
  }

  /// Runs and commits one step; nullopt when no job is left.
  std::optional<RanStep> Step() {
    auto job = ClaimDue();
    if (!job) return std::nullopt;
    RanStep ran{job->step, clock_.Now(), engine_->RunStep(*job)};
    auto status = store_->CommitStep("w1", ran.commit);
    EXPECT_TRUE(status.ok()) << status.error().message();
    return ran;
  }

  /// Steps until certificate `id` has no job (the sweep job, if any, stays).
  void RunJobOf(const std::string& id) {
    for (int i = 0; i < 500; ++i) {
      auto jobs = store_->ListJobs(id);
      if (!jobs.ok() || jobs->empty()) return;
      if (!Step()) return;
    }
    ADD_FAILURE() << "runaway job";
  }

  /// Runs steps until `step` is the job's next step (not run). False if the job ended.
  bool RunUntil(std::string_view step) {
    for (int i = 0; i < 500; ++i) {
      auto jobs = store_->ListJobs(cert_id_);
      if (!jobs.ok() || jobs->empty()) return false;
      if ((*jobs)[0].step == step) return true;
      if (!Step()) return false;
    }
    ADD_FAILURE() << "runaway job";
    return false;
  }

  /// Runs every remaining step; returns them in order.
  std::vector<RanStep> RunToEnd() {
    std::vector<RanStep> ran;
    for (int i = 0; i < 500; ++i) {
      auto step = Step();
      if (!step) return ran;
      ran.push_back(std::move(*step));
    }
    ADD_FAILURE() << "runaway job";
    return ran;
  }

  static std::vector<std::string> Names(const std::vector<RanStep>& ran) {
    std::vector<std::string> names;
    for (const RanStep& r : ran) names.push_back(r.step);
    return names;
  }

  core::Certificate Stored(const std::string& id) {
    auto cert = store_->GetCertificate(kOwner, id);
    EXPECT_TRUE(cert.ok());
    return cert.ok() ? *cert : core::Certificate{};
  }

  std::vector<core::CertificateEvent> Events(const std::string& id) {
    auto events = store_->ListEvents(kOwner, id);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<core::CertificateEvent>{};
  }

  std::vector<std::string> Messages(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : Events(id)) out.push_back(e.message);
    return out;
  }

  /// The installed private key of `id`, opened; "" when none.
  std::string InstalledKeyPem(const std::string& id) {
    auto sealed = store_->GetSealedPrivateKey(kOwner, id);
    if (!sealed.ok()) return "";
    auto pem = box_->Open(*sealed, id);
    EXPECT_TRUE(pem.ok()) << "installed key does not open under the certificate's id";
    return pem.ok() ? pem->reveal() : "";
  }

  /// The TXT value a correct client publishes for `token`.
  static std::string ExpectedTxt(const std::string& token) {
    return crypto::Dns01TxtValue(
        crypto::KeyAuthorization(token, test::FakeAcmeClient::Thumbprint()));
  }

  std::vector<DnsCall> DnsCalls(DnsCall::Kind kind) const {
    std::vector<DnsCall> out;
    for (const DnsCall& c : dns_.Calls()) {
      if (c.kind == kind) out.push_back(c);
    }
    return out;
  }

  /// Every presented (fqdn, value) was cleaned up afterwards, and DNS holds none of them.
  void ExpectEveryPresentedValueRemoved() {
    auto calls = dns_.Calls();
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].kind != DnsCall::Kind::kPresent) continue;
      bool cleaned = false;
      for (size_t j = i + 1; j < calls.size(); ++j) {
        cleaned = cleaned || (calls[j].kind == DnsCall::Kind::kCleanUp &&
                              calls[j].record.fqdn == calls[i].record.fqdn &&
                              calls[j].record.value == calls[i].record.value);
      }
      EXPECT_TRUE(cleaned) << "not cleaned up: " << calls[i].record.fqdn << " "
                           << calls[i].record.value;
      auto values = dns_.Values(calls[i].record.fqdn);
      EXPECT_THAT(values, ::testing::Not(::testing::Contains(calls[i].record.value)));
    }
  }

  /// True when `leaf` chains to the fake CA's root at the fake clock's time.
  bool VerifiesAtFakeNow(const std::string& leaf, const std::string& chain) {
    auto leaf_certs = test::ReadCerts(leaf);
    auto chain_certs = test::ReadCerts(chain);
    auto roots = test::ReadCerts(acme_.RootPem());
    bool ok = false;
    if (!leaf_certs.empty() && !roots.empty()) {
      X509_STORE* trust = X509_STORE_new();
      for (X509* r : roots) X509_STORE_add_cert(trust, r);
      STACK_OF(X509)* untrusted = sk_X509_new_null();
      for (X509* c : chain_certs) sk_X509_push(untrusted, c);
      X509_STORE_CTX* ctx = X509_STORE_CTX_new();
      X509_STORE_CTX_init(ctx, trust, leaf_certs[0], untrusted);
      X509_STORE_CTX_set_time(ctx, 0, std::chrono::system_clock::to_time_t(clock_.Now()));
      ok = X509_verify_cert(ctx) == 1;
      X509_STORE_CTX_free(ctx);
      sk_X509_free(untrusted);
      X509_STORE_free(trust);
    }
    test::FreeCerts(leaf_certs);
    test::FreeCerts(chain_certs);
    test::FreeCerts(roots);
    return ok;
  }

  /// Enqueues the sweep job, due now.
  void StartSweep() { ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok()); }

  /// When the sweep job runs next.
  core::TimePoint SweepRunAt() {
    auto jobs = store_->ListJobs(std::string(store::kSweepJobId));
    EXPECT_TRUE(jobs.ok() && jobs->size() == 1);
    return jobs.ok() && !jobs->empty() ? (*jobs)[0].run_at : core::TimePoint{};
  }

  /// Deletes the certificate behind the engine's back, as the API's DELETE would.
  void DeleteCertificateRow(const std::string& id) {
    ASSERT_TRUE(store_->DeleteCertificate(kOwner, id).ok());
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  test::FakeAcmeClient acme_;
  test::FakeDnsProvider dns_;
  std::unique_ptr<store::Store> store_;
  std::optional<crypto::SecretBox> box_;
  std::unique_ptr<IssuanceService> service_;
  EngineConfig config_;
  CachedKeySource cached_keys_;
  KeySource* key_source_ = &cached_keys_;
  std::unique_ptr<Engine> engine_;
  core::Duration lease_{std::chrono::seconds(120)};
  std::string cert_id_;  // the certificate RunUntil follows
};

}  // namespace certadns::issuance
