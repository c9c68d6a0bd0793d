// CertificateService::Create and Renew: request size checked before any name is read, names
// normalised and de-duplicated, the one-active-certificate rule and wildcard coverage.
#include "issuance/certificate_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.h"
#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CertificateServiceTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    certificates_ = std::make_unique<CertificateService>(
        *store_, *store_, *service_, acme_, *box_, clock_, std::chrono::hours(24 * 30));
    user_ = *store_->GetUser(kOwner);
  }

  core::Result<core::Certificate> Create(const std::string& domain,
                                         std::vector<std::string> sans = {},
                                         bool wildcard = false) {
    return certificates_->Create(user_, {kZoneId, domain, std::move(sans), wildcard, false});
  }

  std::unique_ptr<CertificateService> certificates_;
  store::User user_;
};

::testing::AssertionResult IsError(const core::Result<core::Certificate>& r,
                                   const core::Error& want) {
  if (r.ok()) return ::testing::AssertionFailure() << "succeeded with " << r->domain;
  if (r.error().code() != want.code() || r.error().message() != want.message()) {
    return ::testing::AssertionFailure() << "failed with " << r.error().message();
  }
  return ::testing::AssertionSuccess();
}

TEST_F(CertificateServiceTest, AnOversizeRequestIsRefusedBeforeAnyNameIsRead) {
  // 50,000 SANs (about 1 MiB), the first not even a name and the second in another zone:
  // the answer is about the count, so neither was normalised nor looked up.
  std::vector<std::string> sans = {"a..b.example.com", "x.other.test"};
  for (int i = 0; i < 50000; ++i) sans.push_back("s" + std::to_string(i) + ".example.com");
  EXPECT_TRUE(IsError(Create("app.example.com", sans),
                      core::errors::TooManyNames(kMaxNamesPerCertificate, 50003)));

  // A 1 MiB name is refused for its length, not read label by label.
  std::string huge(1 << 20, 'a');
  EXPECT_TRUE(IsError(Create(huge + ".example.com"), core::errors::NameTooLong("domain")));
  EXPECT_TRUE(
      IsError(Create("app.example.com", {"a..b", huge}), core::errors::NameTooLong("sans")));

  // The domain and 99 SANs is the most; one more is refused, also when it repeats a name.
  std::vector<std::string> most;
  for (int i = 0; i < 99; ++i) most.push_back("s" + std::to_string(i) + ".example.com");
  std::vector<std::string> too_many = most;
  too_many.push_back("s0.example.com");
  EXPECT_TRUE(IsError(Create("app.example.com", too_many),
                      core::errors::TooManyNames(kMaxNamesPerCertificate, 101)));
  auto created = Create("app.example.com", most);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->sans.size(), 99u);
}

TEST_F(CertificateServiceTest, SansRepeatedByCaseOrTrailingDotAreKeptOnce) {
  auto created =
      Create("app.example.com", {"WWW.example.com", "www.example.com.", "APP.example.com",
                                 "api.example.com", "www.example.com"});
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_THAT(created->sans, ElementsAre("www.example.com", "api.example.com"));
}

TEST_F(CertificateServiceTest, OneActiveCertificatePerDomainComparedNormalised) {
  ASSERT_TRUE(Create("app.example.com").ok());
  EXPECT_TRUE(IsError(Create("APP.Example.COM."), core::errors::CertificateExists()));
  ASSERT_TRUE(Create("b\xC3\xBC"
                     "cher.example.com")
                  .ok());
  EXPECT_TRUE(IsError(Create("xn--bcher-kva.example.com"), core::errors::CertificateExists()));
  ASSERT_TRUE(Create("*.example.com").ok());
  EXPECT_TRUE(
      IsError(Create("example.com", {}, /*wildcard=*/true), core::errors::CertificateExists()));
  // SANs may overlap other certificates, as Let's Encrypt allows.
  auto overlapping = Create("www.example.com", {"app.example.com"});
  EXPECT_TRUE(overlapping.ok()) << overlapping.error().message();
}

TEST_F(CertificateServiceTest, OnlyPendingValidatingAndIssuedCountAsActive) {
  for (CertificateState ended :
       {CertificateState::kFailed, CertificateState::kExpired, CertificateState::kRevoked}) {
    SCOPED_TRACE(core::ToString(ended));
    auto first = Create("app.example.com");
    ASSERT_TRUE(first.ok()) << first.error().message();
    ASSERT_TRUE(store_
                    ->SetCertificateStatus(kOwner, first->id, ended,
                                           {clock_.Now(), core::EventLevel::kInfo, "ended"})
                    .ok());
    auto second = Create("app.example.com");
    ASSERT_TRUE(second.ok()) << second.error().message();
    ASSERT_TRUE(store_->DeleteCertificate(kOwner, second->id).ok());
    ASSERT_TRUE(store_->DeleteCertificate(kOwner, first->id).ok());
  }
}

TEST_F(CertificateServiceTest, RenewingAFailedCertificateMayNotMakeASecondActiveOne) {
  auto failed = Create("app.example.com");
  ASSERT_TRUE(failed.ok());
  RunToEnd();  // issued, and its job done
  ASSERT_TRUE(store_
                  ->SetCertificateStatus(kOwner, failed->id, CertificateState::kFailed,
                                         {clock_.Now(), core::EventLevel::kInfo, "failed"})
                  .ok());
  auto active = Create("app.example.com");
  ASSERT_TRUE(active.ok()) << active.error().message();
  EXPECT_TRUE(IsError(certificates_->Renew(user_, failed->id), core::errors::CertificateExists()));
}

// From expires_at on the certificate reads `expired` (Get, List, Download), even before the
// sweep has marked it in the store.
TEST_F(CertificateServiceTest, AnIssuedCertificateReadsExpiredFromItsExpiryOn) {
  acme_.SetLeafValidity(std::chrono::seconds(60));
  auto created = Create("app.example.com");
  ASSERT_TRUE(created.ok());
  RunToEnd();
  auto issued = certificates_->Get(user_, created->id);
  ASSERT_TRUE(issued.ok());
  ASSERT_EQ(issued->status, CertificateState::kIssued);

  clock_.Set(*issued->expires_at - std::chrono::seconds(1));
  EXPECT_EQ(certificates_->Get(user_, created->id)->status, CertificateState::kIssued);
  clock_.Set(*issued->expires_at);
  EXPECT_EQ(certificates_->Get(user_, created->id)->status, CertificateState::kExpired);
  auto listed = certificates_->List(user_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, CertificateState::kExpired);
  EXPECT_FALSE(certificates_->Download(user_, created->id).ok());
  EXPECT_EQ(store_->GetCertificate(kOwner, created->id)->status, CertificateState::kIssued)
      << "the store is the sweep's to change";
}

TEST_F(CertificateServiceTest, ANameItsOwnWildcardCoversIsRefused) {
  EXPECT_TRUE(IsError(Create("*.example.com", {"app.example.com"}),
                      core::errors::NameCoveredByWildcard("app.example.com", "*.example.com")));
  EXPECT_TRUE(IsError(Create("app.example.com", {"*.example.com"}),
                      core::errors::NameCoveredByWildcard("app.example.com", "*.example.com")));
  EXPECT_TRUE(IsError(Create("example.com", {"APP.example.com."}, /*wildcard=*/true),
                      core::errors::NameCoveredByWildcard("app.example.com", "*.example.com")));
  auto refused = Create("*.example.com", {"app.example.com"});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message(), HasSubstr("already covered by *.example.com"));
  // The apex and deeper names are not covered by a one-label wildcard.
  auto apex = Create("*.example.com", {"example.com", "a.b.example.com"});
  EXPECT_TRUE(apex.ok()) << apex.error().message();
}

TEST_F(CertificateServiceTest, RevokeKnowsAlreadyRevokedByTheProblemTypeNotTheText) {
  auto cert = Create("app.example.com");
  ASSERT_TRUE(cert.ok());
  RunToEnd();
  core::Error already(core::ErrorCode::kFailedPrecondition, "Certificate is revoked (status 400)");
  already.WithAcmeProblem("urn:ietf:params:acme:error:alreadyRevoked");
  acme_.FailNext(AcmeMethod::kRevokeCertificate, 1, already);
  auto deleted = certificates_->Delete(user_, cert->id, /*revoke=*/true);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message();
  EXPECT_TRUE(*deleted);
}

TEST_F(CertificateServiceTest, ACaFailureIsAStableSentenceAndTheCasWordsAreLogged) {
  auto cert = Create("app.example.com");
  ASSERT_TRUE(cert.ok());
  RunToEnd();
  acme_.FailNext(AcmeMethod::kRevokeCertificate, 1,
                 core::Error(core::ErrorCode::kUnavailable, "HTTP 502: <html>proxy-7</html>"));
  auto down = certificates_->Delete(user_, cert->id, /*revoke=*/true);
  EXPECT_TRUE(IsError(down.ok() ? core::Result<core::Certificate>(core::Certificate{})
                                : core::Result<core::Certificate>(down.error()),
                      core::errors::CertificateAuthorityUnavailable()));
  acme_.FailNext(AcmeMethod::kRevokeCertificate, 1,
                 core::Error(core::ErrorCode::kPermissionDenied, "unauthorized: not yours"));
  auto refused = certificates_->Delete(user_, cert->id, /*revoke=*/true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason(), "revocation_refused");
  EXPECT_THAT(Messages(cert->id), ::testing::Contains(HasSubstr("<html>proxy-7</html>")));
  EXPECT_EQ(Stored(cert->id).status, CertificateState::kIssued);
}

}  // namespace
}  // namespace certadns::issuance
