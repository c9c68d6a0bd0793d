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
  EXPECT_LE(SweepRunAt(), clock_.Now() + config_.renewal_retry.first);
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

  // Not retried at once, but after the first backoff.
  const core::TimePoint failed_at = clock_.Now();
  ASSERT_TRUE(Step());  // the sweep, whenever it next runs
  EXPECT_FALSE(HasRenewalJob());
  while (!HasRenewalJob() && clock_.Now() < failed_at + config_.renewal_retry.first * 2) {
    ASSERT_TRUE(Step());
  }
  EXPECT_TRUE(HasRenewalJob());
  EXPECT_GE(clock_.Now(), *first.next_renewal_at + config_.renewal_retry.first);
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

// A certificate issued while the sweep sleeps (up to sweep_interval) whose renewal time or
// expiry comes sooner wakes the sweep then: with a 60 s certificate the renewal is started
// on time, and the next one too (no retry time left behind by the earlier attempt holds it).
TEST_F(EngineSweepTest, AShortLivedCertificateWakesTheSweepForItsRenewalEveryTime) {
  config_.sweep_interval = std::chrono::hours(24 * 365);
  UseEngine(&dns_);
  StartSweep();
  ASSERT_TRUE(Step());  // nothing there: the sweep sleeps for a year
  ASSERT_GT(SweepRunAt(), clock_.Now() + std::chrono::hours(24 * 300));

  acme_.SetLeafValidity(std::chrono::seconds(60));
  core::Certificate first = Issue(/*auto_renew=*/true);
  EXPECT_EQ(SweepRunAt(), *first.next_renewal_at);

  for (int i = 0; i < 50 && !HasRenewalJob(); ++i) ASSERT_TRUE(Step());
  ASSERT_TRUE(HasRenewalJob());
  EXPECT_EQ(clock_.Now(), *first.next_renewal_at);  // started then, not a sleep later
  RunJobOf(cert_id_);
  core::Certificate second = Stored(cert_id_);
  ASSERT_NE(second.serial, first.serial);
  EXPECT_LE(SweepRunAt(), *second.next_renewal_at);

  for (int i = 0; i < 50 && !HasRenewalJob(); ++i) ASSERT_TRUE(Step());
  ASSERT_TRUE(HasRenewalJob());
  EXPECT_EQ(clock_.Now(), *second.next_renewal_at);
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

}  // namespace
}  // namespace certadns::issuance
