// The challenge cleanup of a finished job runs on its own: once a job reaches the cleanup
// step, the certificate is free for a new operation (a manual renew) while the cleanup,
// still durable and retried, removes the old records and logs its outcome.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using std::chrono::hours;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class EngineCleanupTest : public EngineTest {
 protected:
  int CountMessages(const std::string& text) {
    auto messages = Messages(cert_id_);
    return static_cast<int>(std::count_if(messages.begin(), messages.end(), [&](const auto& m) {
      return m.find(text) != std::string::npos;
    }));
  }
};

TEST_F(EngineCleanupTest, RenewRightAfterIssuedIsAcceptedAndBothJobsFinish) {
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("cleanup"));
  ASSERT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  const std::string first_serial = Stored(cert_id_).serial;

  auto renewed = service_->Renew(kOwner, cert_id_);
  ASSERT_TRUE(renewed.ok()) << renewed.error().message();

  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_NE(Stored(cert_id_).serial, first_serial);
  EXPECT_EQ(CountMessages("Removed 1 challenge TXT records"), 2);
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

TEST_F(EngineCleanupTest, RenewWhilePowerDnsIsDownDuringCleanupRunsAndOldCleanupEndsLater) {
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("cleanup"));
  const std::string first_serial = Stored(cert_id_).serial;
  dns_.SetDown(true);
  const core::TimePoint down_at = clock_.Now();
  for (int i = 0; i < 100 && clock_.Now() < down_at + hours(1); ++i) ASSERT_TRUE(Step());
  ASSERT_EQ(CountMessages("Removed"), 0);

  auto renewed = service_->Renew(kOwner, cert_id_);
  ASSERT_TRUE(renewed.ok()) << renewed.error().message();
  // The renewal's job runs (it creates its ACME order) while PowerDNS is still down.
  for (int i = 0; i < 50 && CountMessages("ACME order created") < 2; ++i) ASSERT_TRUE(Step());
  EXPECT_EQ(CountMessages("ACME order created"), 2);
  EXPECT_EQ(CountMessages("Removed"), 0);

  dns_.SetDown(false);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_NE(Stored(cert_id_).serial, first_serial);
  EXPECT_EQ(CountMessages("Removed 1 challenge TXT records"), 2);
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

TEST_F(EngineCleanupTest, CleanupOfADeletedCertificateStillRunsWhenDnsIsBack) {
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("cleanup"));
  dns_.SetDown(true);
  ASSERT_TRUE(Step());
  ASSERT_TRUE(store_->DeleteCertificate(kOwner, cert_id_).ok());
  dns_.SetDown(false);
  RunToEnd();
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

}  // namespace
}  // namespace certadns::issuance
