// Plan rules at every action, not only at creation (defect 6): renew, the auto-renew
// toggle, the sweep and a plan change. A downgrade never deletes or revokes anything, and
// download stays allowed on every plan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.h"
#include "issuance/certificate_service.h"
#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kEmail[] = "alice@example.com";

class CertificatePlanTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    certificates_ = std::make_unique<CertificateService>(*store_, *store_, *service_, acme_,
                                                         *box_, clock_, config_.renew_before);
  }

  store::User User() {
    auto user = store_->GetUser(kOwner);
    EXPECT_TRUE(user.ok());
    return user.ok() ? *user : store::User{};
  }

  void SetPlan(const std::string& plan) { ASSERT_TRUE(store_->SetUserPlan(kEmail, plan).ok()); }

  /// Issues a certificate as the Elite user and runs its job to the end.
  core::Certificate Issue(const std::string& domain, bool wildcard, bool auto_renew) {
    auto created = certificates_->Create(User(), {kZoneId, domain, {}, wildcard, auto_renew});
    EXPECT_TRUE(created.ok()) << created.error().message();
    if (!created.ok()) return {};
    cert_id_ = created->id;
    RunJobOf(cert_id_);
    core::Certificate c = Stored(cert_id_);
    EXPECT_EQ(c.status, CertificateState::kIssued);
    return c;
  }

  bool HasJob(const std::string& id) {
    auto jobs = store_->ListJobs(id);
    return jobs.ok() && !jobs->empty();
  }

  static void ExpectError(const core::Status& status, const core::Error& want) {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), want.code());
    EXPECT_EQ(status.error().message(), want.message());
  }

  std::unique_ptr<CertificateService> certificates_;
};

TEST_F(CertificatePlanTest, ManualRenewalOfAWildcardAfterADowngradeToProIsRefused) {
  core::Certificate wildcard = Issue("example.com", /*wildcard=*/true, /*auto_renew=*/false);
  SetPlan("pro");
  auto renewed = certificates_->Renew(User(), wildcard.id);
  ExpectError(renewed.ok() ? core::Status(core::Ok()) : core::Status(renewed.error()),
              core::errors::WildcardRequiresElite());
  EXPECT_FALSE(HasJob(wildcard.id));
  EXPECT_EQ(Stored(wildcard.id).status, CertificateState::kIssued);
}

TEST_F(CertificatePlanTest, EnablingAutoRenewalOfAWildcardAfterADowngradeToProIsRefused) {
  core::Certificate wildcard = Issue("example.com", /*wildcard=*/true, /*auto_renew=*/false);
  SetPlan("pro");
  auto toggled = certificates_->SetAutoRenew(User(), wildcard.id, true);
  ExpectError(toggled.ok() ? core::Status(core::Ok()) : core::Status(toggled.error()),
              core::errors::WildcardRequiresElite());
  EXPECT_FALSE(Stored(wildcard.id).auto_renew);
}

TEST_F(CertificatePlanTest, DownloadStaysAllowedOnEveryPlan) {
  core::Certificate cert = Issue("app.example.com", false, true);
  for (const char* plan : {"pro", "plus", "free"}) {
    SCOPED_TRACE(plan);
    SetPlan(plan);
    auto files = certificates_->Download(User(), cert.id);
    ASSERT_TRUE(files.ok()) << files.error().message();
    EXPECT_EQ(files->certificate_pem, cert.certificate_pem);
    EXPECT_FALSE(files->private_key_pem.reveal().empty());
  }
}

TEST_F(CertificatePlanTest, ThePlanChangeTurnsAutoRenewalOffWithALogLineAndKeepsEverything) {
  core::Certificate cert = Issue("app.example.com", false, /*auto_renew=*/true);
  core::Certificate wildcard = Issue("example.com", true, /*auto_renew=*/true);
  SetPlan("pro");
  ASSERT_TRUE(certificates_->ApplyPlan(User()).ok());
  EXPECT_TRUE(Stored(cert.id).auto_renew) << "Pro keeps auto-renewal";
  EXPECT_FALSE(Stored(wildcard.id).auto_renew) << "a wildcard no longer renews on Pro";
  EXPECT_THAT(Messages(wildcard.id), Contains(HasSubstr("Auto-renewal turned off")));

  SetPlan("plus");
  ASSERT_TRUE(certificates_->ApplyPlan(User()).ok());
  EXPECT_FALSE(Stored(cert.id).auto_renew);
  EXPECT_THAT(Messages(cert.id), Contains(HasSubstr("Auto-renewal turned off")));
  for (const auto& id : {cert.id, wildcard.id}) {
    EXPECT_EQ(Stored(id).status, CertificateState::kIssued);
    EXPECT_FALSE(InstalledKeyPem(id).empty());
  }
  EXPECT_THAT(acme_.RevokedCertificates(), IsEmpty());
}

class SweepPlanTest : public CertificatePlanTest,
                      public ::testing::WithParamInterface<const char*> {};

TEST_P(SweepPlanTest, NoAutomaticRenewalAfterADowngradeAndTheLogSaysWhy) {
  core::Certificate cert = Issue("app.example.com", false, /*auto_renew=*/true);
  SetPlan(GetParam());
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  clock_.Set(*cert.next_renewal_at);
  ASSERT_TRUE(Step());  // the sweep
  EXPECT_FALSE(HasJob(cert.id)) << "renewed on a plan without auto-renewal";
  core::Certificate after = Stored(cert.id);
  EXPECT_FALSE(after.auto_renew);
  EXPECT_EQ(after.status, CertificateState::kIssued);
  EXPECT_THAT(Messages(cert.id), Contains(HasSubstr("Auto-renewal turned off")));
  EXPECT_FALSE(InstalledKeyPem(cert.id).empty());
}

INSTANTIATE_TEST_SUITE_P(Downgrades, SweepPlanTest, ::testing::Values("plus", "free"));

TEST_F(CertificatePlanTest, NoAutomaticRenewalOfAWildcardAfterADowngradeToPro) {
  core::Certificate wildcard = Issue("example.com", true, /*auto_renew=*/true);
  SetPlan("pro");
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  clock_.Set(*wildcard.next_renewal_at);
  ASSERT_TRUE(Step());
  EXPECT_FALSE(HasJob(wildcard.id));
  EXPECT_FALSE(Stored(wildcard.id).auto_renew);
  EXPECT_THAT(Messages(wildcard.id), Contains(HasSubstr("Wildcard certificates require Elite")));
}

}  // namespace
}  // namespace certadns::issuance
