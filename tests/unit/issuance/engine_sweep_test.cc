// The sweep: automatic renewal when a certificate falls due, retries after a failed one,
// expiry marking, and the sweep's own wake-up times.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using ::testing::Contains;
using ::testing::HasSubstr;

class EngineSweepTest : public EngineTest {
 protected:
  core::Certificate Issue(bool auto_renew) {
    auto cert = service_->Request({kOwner, kZoneId, kZone, "app.example.com", {}, auto_renew});
    EXPECT_TRUE(cert.ok());
    cert_id_ = cert->id;
    RunJobOf(cert_id_);
    core::Certificate c = Stored(cert_id_);
    EXPECT_EQ(c.status, CertificateState::kIssued);
    return c;
  }

  /// Steps until the certificate has no job (the sweep job stays).
  void StartSweep() { ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok()); }

  core::TimePoint SweepRunAt() {
    auto jobs = store_->ListJobs(std::string(store::kSweepJobId));
    EXPECT_TRUE(jobs.ok() && jobs->size() == 1);
    return jobs.ok() && !jobs->empty() ? (*jobs)[0].run_at : core::TimePoint{};
  }

  bool HasRenewalJob() {
    auto jobs = store_->ListJobs(cert_id_);
    return jobs.ok() && !jobs->empty() && (*jobs)[0].kind == store::JobKind::kRenew;
  }
};

TEST_F(EngineSweepTest, RenewsAutomaticallyWhenDueKeepingTheCertificateDownloadable) {
  config_.sweep_interval = std::chrono::hours(24 * 365);  // so only the due time wakes it
  UseEngine(&dns_);
  core::Certificate first = Issue(/*auto_renew=*/true);
  StartSweep();
  ASSERT_TRUE(Step());  // nothing due yet: the sweep sleeps until the renewal time
  EXPECT_EQ(SweepRunAt(), *first.next_renewal_at);
  EXPECT_FALSE(HasRenewalJob());

  ASSERT_TRUE(Step());  // the clock reaches next_renewal_at
  ASSERT_TRUE(HasRenewalJob());
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("Automatic renewal started")));

  RunJobOf(cert_id_);
  core::Certificate renewed = Stored(cert_id_);
  EXPECT_EQ(renewed.status, CertificateState::kIssued);
  EXPECT_NE(renewed.serial, first.serial);
  EXPECT_GT(*renewed.expires_at, *first.expires_at);
  EXPECT_GT(*renewed.next_renewal_at, clock_.Now());
  // It next wakes when a retry would have been due, then sleeps until the new renewal time.
  EXPECT_LE(SweepRunAt(), clock_.Now() + config_.renewal_retry);
}

TEST_F(EngineSweepTest, FailedAutomaticRenewalKeepsTheCertificateAndRetriesLater) {
  core::Certificate first = Issue(/*auto_renew=*/true);
  acme_.SetBehavior(
      "app.example.com",
      {.problem = acme::Problem{"urn:ietf:params:acme:error:dns", "NXDOMAIN", 400, {}}});
  clock_.Set(*first.next_renewal_at);
  StartSweep();
  ASSERT_TRUE(Step());
  ASSERT_TRUE(HasRenewalJob());
  RunJobOf(cert_id_);

  core::Certificate after = Stored(cert_id_);
  EXPECT_EQ(after.status, CertificateState::kIssued);
  EXPECT_EQ(after.serial, first.serial);
  EXPECT_LE(*after.next_renewal_at, clock_.Now());  // the spec's sign of a failed renewal
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("Renewal failed")));

  // Not retried at once, but after renewal_retry.
  const core::TimePoint failed_at = clock_.Now();
  ASSERT_TRUE(Step());  // the sweep, whenever it next runs
  EXPECT_FALSE(HasRenewalJob());
  while (!HasRenewalJob() && clock_.Now() < failed_at + config_.renewal_retry * 2) {
    ASSERT_TRUE(Step());
  }
  EXPECT_TRUE(HasRenewalJob());
  EXPECT_GE(clock_.Now(), *first.next_renewal_at + config_.renewal_retry);
}

TEST_F(EngineSweepTest, MarksCertificatesExpiredWhenTheirTimeComes) {
  core::Certificate first = Issue(/*auto_renew=*/false);
  StartSweep();
  ASSERT_TRUE(Step());
  for (int i = 0; i < 10000 && clock_.Now() < *first.expires_at; ++i) ASSERT_TRUE(Step());
  EXPECT_EQ(clock_.Now(), *first.expires_at);  // woke exactly then, not a poll later
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kExpired);
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("Certificate expired on")));
  EXPECT_FALSE(HasRenewalJob());
}

TEST_F(EngineSweepTest, StartsManyDueRenewalsSpacedApart) {
  config_.sweep_batch = 2;
  UseEngine(&dns_);
  std::vector<std::string> ids;
  for (const char* name : {"a.example.com", "b.example.com", "c.example.com"}) {
    auto cert = service_->Request({kOwner, kZoneId, kZone, name, {}, true});
    ASSERT_TRUE(cert.ok());
    RunJobOf(cert->id);
    ids.push_back(cert->id);
  }
  clock_.Set(*Stored(ids[2]).next_renewal_at);
  StartSweep();
  auto sweep = ClaimDue();
  ASSERT_TRUE(sweep.has_value());
  store::StepCommit commit = engine_->RunStep(*sweep);
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  std::vector<core::TimePoint> starts;
  for (const std::string& id : ids) {
    auto jobs = store_->ListJobs(id);
    if (jobs.ok() && !jobs->empty()) starts.push_back((*jobs)[0].run_at);
  }
  ASSERT_EQ(starts.size(), 2u);  // one batch
  EXPECT_EQ(starts[1] - starts[0], config_.renewal_spacing);
  EXPECT_EQ(commit.job.run_at, starts[1] + config_.renewal_spacing);  // the next batch
}

}  // namespace
}  // namespace certadns::issuance
