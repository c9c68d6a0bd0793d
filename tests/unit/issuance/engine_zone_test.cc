// The sweep and a zone whose proof of control is gone (ZoneService's re-check unverified
// it): its certificates are not renewed automatically, and the reason is in their logs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "issuance/certificate_service.h"
#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class EngineZoneTest : public EngineTest {};

TEST_F(EngineZoneTest, TheSweepDoesNotRenewCertificatesOfAnUnverifiedZone) {
  config_.sweep_interval = std::chrono::hours(24 * 365);  // so only the due time wakes it
  UseEngine(&dns_);
  core::Certificate cert = Request("app.example.com");
  cert_id_ = cert.id;
  for (int i = 0; i < 500 && !store_->ListJobs(cert_id_)->empty(); ++i) ASSERT_TRUE(Step());
  core::Certificate issued = Stored(cert_id_);
  ASSERT_EQ(issued.status, CertificateState::kIssued);
  ASSERT_TRUE(issued.next_renewal_at.has_value());

  // The re-check found the proof gone (what ZoneService::RecheckDue writes).
  const core::CertificateEvent gone{clock_.Now(), core::EventLevel::kWarning,
                                    "Zone example.com is no longer verified: its proof of "
                                    "control is gone. Automatic renewal is paused"};
  ASSERT_TRUE(store_->UnverifyZone(kOwner, kZoneId, gone).ok());
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  clock_.Set(*issued.next_renewal_at + std::chrono::hours(1));
  ASSERT_TRUE(Step());  // the sweep runs with the renewal overdue

  auto jobs = store_->ListJobs(cert_id_);
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty()) << "a renewal started under an unverified zone";
  EXPECT_THAT(Messages(cert_id_), Not(Contains(HasSubstr("Automatic renewal started"))));
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("no longer verified")));
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);  // kept: the keys are theirs
}

TEST_F(EngineZoneTest, NoRenewalAndNoNewCertificateUnderAnUnverifiedZone) {
  CertificateService certificates(*store_, *store_, *service_, acme_, *box_, clock_,
                                  std::chrono::hours(24 * 30));
  auto user = store_->GetUser(kOwner);
  ASSERT_TRUE(user.ok());
  core::Certificate cert = Request("app.example.com");
  cert_id_ = cert.id;
  for (int i = 0; i < 500 && !store_->ListJobs(cert_id_)->empty(); ++i) ASSERT_TRUE(Step());
  ASSERT_EQ(Stored(cert_id_).status, CertificateState::kIssued);

  const core::CertificateEvent gone{clock_.Now(), core::EventLevel::kWarning,
                                    "Zone example.com is no longer verified"};
  ASSERT_TRUE(store_->UnverifyZone(kOwner, kZoneId, gone).ok());
  auto renewed = certificates.Renew(*user, cert_id_);
  ASSERT_FALSE(renewed.ok());
  EXPECT_EQ(renewed.error().message(), "Zone not found or no permission");
  EXPECT_TRUE(store_->ListJobs(cert_id_)->empty());
  auto created = certificates.Create(*user, {kZoneId, "www.example.com"});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().message(), "Zone not found or no permission");
  // Downloads stay allowed: the keys are the user's.
  EXPECT_TRUE(certificates.Download(*user, cert_id_).ok());
}

}  // namespace
}  // namespace certadns::issuance
