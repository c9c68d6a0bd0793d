// The fixture of the store contract suites (one per interface): a fresh store of the
// backend under test, with two users (Alice on Pro, Bob on Free) and Alice's verified zone
// example.com, plus helpers that make certificates and jobs the way the services do.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "store/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "unit/store/contract/backends.h"

namespace certadns::store::contract {

inline constexpr char kAlice[] = "user_alice";
inline constexpr char kBob[] = "user_bob";

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().skip_reason.empty()) GTEST_SKIP() << GetParam().skip_reason;
    auto opened = GetParam().open(dir_);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateUser({kBob, "bob@example.com", "free", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateZone({"zone_a", kAlice, "example.com", true, clock_.Now()}).ok());
  }

  /// A zone of `owner` (other than Alice, whose zone_a SetUp makes), for Cert(..., owner).
  void AddZoneOf(const std::string& owner) {
    Zone zone;
    zone.id = "zone_" + owner;
    zone.owner_id = owner;
    zone.name = "example.com";
    zone.created_at = clock_.Now();
    ASSERT_TRUE(store_->CreateZone(zone).ok());
  }

  /// A pending certificate of `owner` in their zone (see AddZoneOf). Without `domain`, a
  /// domain of its own: an owner may hold only one active certificate per domain.
  core::Certificate Cert(const std::string& id, const std::string& owner = kAlice,
                         const std::string& domain = "") {
    core::Certificate c;
    c.id = id;
    c.owner_id = owner;
    c.zone_id = owner == kAlice ? "zone_a" : "zone_" + owner;
    c.zone_name = "example.com";
    c.domain = domain;
    if (domain.empty()) {
      c.domain = id + ".example.com";
      std::replace(c.domain.begin(), c.domain.end(), '_', '-');
    }
    c.created_at = clock_.Now();
    c.updated_at = clock_.Now();
    return c;
  }

  Job MakeJob(const std::string& id, const std::string& cert_id, core::TimePoint run_at) {
    Job job;
    job.id = id;
    job.certificate_id = cert_id;
    job.kind = JobKind::kIssue;
    job.step = "order";
    job.run_at = run_at;
    job.state = "{}";
    job.created_at = clock_.Now();
    return job;
  }
  Job MakeJob(const std::string& id, const std::string& cert_id,
              core::Duration delay = core::Duration::zero()) {
    return MakeJob(id, cert_id, clock_.Now() + delay);
  }

  /// A certificate with its first job, due at `run_at`.
  void AddCertWithJob(const std::string& cert_id, const std::string& job_id,
                      core::TimePoint run_at) {
    ASSERT_TRUE(store_->CreateCertificate(Cert(cert_id), MakeJob(job_id, cert_id, run_at)).ok());
  }

  std::optional<Job> Claim(const std::string& worker,
                           core::Duration lease = std::chrono::seconds(60)) {
    auto claimed = store_->ClaimJob(worker, clock_.Now(), lease);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message();
    return claimed.ok() ? *claimed : std::nullopt;
  }

  /// Ends `cert_id`'s job as a worker would, leaving the certificate in `status`, with
  /// `edit` (when given) applied to the engine's columns first.
  void Finish(const std::string& cert_id, core::CertificateState status,
              const std::function<void(core::Certificate&)>& edit = nullptr) {
    auto claimed = store_->ClaimJob("w", clock_.Now(), std::chrono::minutes(1));
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    ASSERT_EQ((*claimed)->certificate_id, cert_id);
    StepCommit commit;
    commit.job = **claimed;
    commit.finished = true;
    auto cert = store_->GetCertificateForWorker(cert_id);
    ASSERT_TRUE(cert.ok());
    cert->status = status;
    if (edit) edit(*cert);
    commit.certificate = *cert;
    ASSERT_TRUE(store_->CommitStep("w", commit).ok());
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<Store> store_;
};

/// Runs suite `Suite` (an alias of StoreContract) on every backend, named by backend.
#define CERTADNS_STORE_CONTRACT(Suite)                  \
  INSTANTIATE_TEST_SUITE_P(                             \
      Backends, Suite, ::testing::ValuesIn(Backends()), \
      [](const ::testing::TestParamInfo<Backend>& param_info) { return param_info.param.name; })

}  // namespace certadns::store::contract
