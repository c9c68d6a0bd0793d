// The engine tells its Notifier what happened (issue 9, "Notifications"): a certificate
// issued, then renewed; a renewal that failed, with the CA's reason; and every sweep pass
// (where expiry warnings are looked for).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using ::testing::HasSubstr;

class RecordingNotifier final : public Notifier {
 public:
  void Issued(const core::Certificate& c, const store::Job& job) override {
    told.push_back((job.kind == store::JobKind::kRenew ? "renewed " : "issued ") + c.serial);
  }
  void Failed(const core::Certificate& c, const store::Job& job, const std::string& reason,
              core::TimePoint) override {
    told.push_back(std::string(job.kind == store::JobKind::kRenew ? "renewal" : "issuance") +
                   " failed (" + core::ToString(c.status).data() + "): " + reason);
  }
  void Sweep(core::TimePoint) override { told.push_back("sweep"); }
  std::vector<std::string> told;
};

class EngineNotifyTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    engine_->SetNotifier(&notifier_);
  }
  RecordingNotifier notifier_;
};

TEST_F(EngineNotifyTest, IssuedRenewedAndAFailedRenewalAreTold) {
  cert_id_ = Request("app.example.com").id;
  RunToEnd();
  core::Certificate first = Stored(cert_id_);
  ASSERT_EQ(notifier_.told.size(), 1u);
  EXPECT_EQ(notifier_.told[0], "issued " + first.serial);

  clock_.Set(*first.next_renewal_at);
  ASSERT_TRUE(service_->Renew(kOwner, cert_id_).ok());
  RunToEnd();
  ASSERT_EQ(notifier_.told.size(), 2u);
  EXPECT_EQ(notifier_.told[1], "renewed " + Stored(cert_id_).serial);

  acme_.SetBehavior("app.example.com",
                    {.problem = acme::Problem{
                         "urn:ietf:params:acme:error:dns", "NXDOMAIN looking up TXT", 400, {}}});
  clock_.Set(*Stored(cert_id_).next_renewal_at);
  ASSERT_TRUE(service_->Renew(kOwner, cert_id_).ok());
  RunToEnd();
  ASSERT_EQ(notifier_.told.size(), 3u);
  EXPECT_THAT(notifier_.told[2], HasSubstr("renewal failed (issued): "));
  EXPECT_THAT(notifier_.told[2], HasSubstr("NXDOMAIN looking up TXT"));
}

TEST_F(EngineNotifyTest, EverySweepPassLooksForExpiringCertificates) {
  (void)engine_->RunStep(Engine::SweepJob(clock_.Now()));
  EXPECT_EQ(notifier_.told, std::vector<std::string>{"sweep"});
}

}  // namespace
}  // namespace certadns::issuance
