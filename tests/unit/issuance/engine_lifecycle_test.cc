// Engine: what happens after issuance (renewal, revocation) and when the certificate goes
// away under a running job; RenewalTime and JobState.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "issuance/preflight.h"
#include "tests/support/fake_zones.h"
#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using std::chrono::hours;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr auto kDay = hours(24);

class EngineLifecycleTest : public EngineTest {
 protected:
  /// Issues app.example.com and returns the issued certificate.
  core::Certificate IssueFirst() {
    cert_id_ = Request("app.example.com").id;
    RunToEnd();
    core::Certificate c = Stored(cert_id_);
    EXPECT_EQ(c.status, CertificateState::kIssued);
    return c;
  }
};

TEST_F(EngineLifecycleTest, RenewalReplacesCertificateAndKey) {
  core::Certificate first = IssueFirst();
  std::string first_key = InstalledKeyPem(cert_id_);
  clock_.Set(*first.next_renewal_at);
  ASSERT_TRUE(service_->Renew(kOwner, cert_id_).ok());
  RunToEnd();
  core::Certificate renewed = Stored(cert_id_);
  EXPECT_EQ(renewed.status, CertificateState::kIssued);
  EXPECT_NE(renewed.certificate_pem, first.certificate_pem);
  EXPECT_NE(renewed.serial, first.serial);
  EXPECT_GT(*renewed.expires_at, *first.expires_at);
  std::string key = InstalledKeyPem(cert_id_);
  EXPECT_NE(key, first_key) << "a renewal uses a fresh key";
  EXPECT_TRUE(test::KeyMatches(renewed.certificate_pem, key));
}

TEST_F(EngineLifecycleTest, RenewalFailureWithAValidCurrentCertificateKeepsItIssued) {
  core::Certificate first = IssueFirst();
  std::string first_key = InstalledKeyPem(cert_id_);
  acme_.SetBehavior("app.example.com",
                    {.problem = acme::Problem{
                         "urn:ietf:params:acme:error:dns", "NXDOMAIN looking up TXT", 400, {}}});
  clock_.Set(*first.next_renewal_at);
  ASSERT_TRUE(service_->Renew(kOwner, cert_id_).ok());
  auto order = Step();
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kValidating);
  RunToEnd();

  core::Certificate after = Stored(cert_id_);
  EXPECT_EQ(after.status, CertificateState::kIssued);
  EXPECT_EQ(after.certificate_pem, first.certificate_pem);
  EXPECT_EQ(after.chain_pem, first.chain_pem);
  EXPECT_EQ(after.serial, first.serial);
  EXPECT_EQ(after.expires_at, first.expires_at);
  EXPECT_EQ(InstalledKeyPem(cert_id_), first_key);
  std::string error;
  for (const auto& e : Events(cert_id_)) {
    if (e.level == core::EventLevel::kError) error = e.message;
  }
  EXPECT_THAT(error, HasSubstr("Renewal failed"));
  EXPECT_THAT(error, HasSubstr("NXDOMAIN looking up TXT"));
  EXPECT_THAT(error, HasSubstr(core::FormatRfc3339(*first.expires_at)));
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

// A renewal whose pre-flight fails (CAA changed since issuance) places no order: the
// current certificate stays, and the log says why.
TEST_F(EngineLifecycleTest, RenewalRefusedByPreflightPlacesNoOrderAndKeepsTheCertificate) {
  core::Certificate first = IssueFirst();
  test::FakeZoneVerifier verifier;
  verifier.SetDelegation("example.com", {"ns1.certadns.test"});
  class CaaForAnotherCa final : public dns::PreflightDns {
   public:
    core::Result<std::vector<dns::CaaRecord>> CaaAt(const std::string& name,
                                                    dns::DnsSource) override {
      if (name != "example.com") return std::vector<dns::CaaRecord>{};
      return std::vector<dns::CaaRecord>{{0, "issue", "ca.example.net"}};
    }
    core::Result<std::optional<std::string>> CnameAt(const std::string&) override {
      return std::optional<std::string>();
    }
  } dns;
  Preflight preflight(
      verifier, dns, [](const std::string&) { return std::vector<std::string>{"ns1.certadns.test"}; },
      {"letsencrypt.org"});
  engine_->SetPreflight(&preflight);
  const size_t orders = acme_.OrderCount();
  clock_.Set(*first.next_renewal_at);
  ASSERT_TRUE(service_->Renew(kOwner, cert_id_).ok());
  RunToEnd();

  EXPECT_EQ(acme_.OrderCount(), orders) << "the renewal reached the CA";
  core::Certificate after = Stored(cert_id_);
  EXPECT_EQ(after.status, CertificateState::kIssued);
  EXPECT_EQ(after.certificate_pem, first.certificate_pem);
  std::string error;
  for (const auto& e : Events(cert_id_)) {
    if (e.level == core::EventLevel::kError) error = e.message;
  }
  EXPECT_THAT(error, HasSubstr("Renewal failed"));
  EXPECT_THAT(error, HasSubstr("caa_forbids_issuance"));
  EXPECT_THAT(error, HasSubstr("ca.example.net"));
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

TEST_F(EngineLifecycleTest, RenewalFailureAfterExpiryMarksTheCertificateFailed) {
  core::Certificate first = IssueFirst();
  acme_.SetBehavior(
      "app.example.com",
      {.problem = acme::Problem{"urn:ietf:params:acme:error:dns", "NXDOMAIN", 400, {}}});
  clock_.Set(*first.expires_at + hours(1));
  ASSERT_TRUE(service_->Renew(kOwner, cert_id_).ok());
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kFailed);
}

TEST_F(EngineLifecycleTest, ACertificateDeletedMidJobFinishesTheJobAndWithdrawsItsRecords) {
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  ASSERT_TRUE(RunUntil("propagate"));
  ASSERT_EQ(DnsCalls(DnsCall::Kind::kPresent).size(), 2u);
  DeleteCertificateRow(cert_id_);

  auto ran = Step();
  ASSERT_TRUE(ran.has_value());
  EXPECT_TRUE(ran->commit.finished);
  EXPECT_FALSE(ran->commit.certificate.has_value());
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
  EXPECT_FALSE(Step().has_value()) << "nothing left to run";
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kRespondToChallenge), 0u);

  // Our values are withdrawn, addressed to the zone they were published in (a real
  // DnsProvider refuses an empty zone, and the record would stay behind).
  auto cleanups = DnsCalls(DnsCall::Kind::kCleanUp);
  ASSERT_EQ(cleanups.size(), 2u);
  for (const auto& call : cleanups) EXPECT_EQ(call.record.zone, kZone);
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty());
  EXPECT_THAT(dns_.Values("_acme-challenge.www.example.com"), IsEmpty());
}

TEST_F(EngineLifecycleTest, ACertificateDeletedMidJobStillRetriesAFailedCleanup) {
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  ASSERT_TRUE(RunUntil("propagate"));
  DeleteCertificateRow(cert_id_);
  dns_.FailNext(core::Unavailable("pdns: 503"));  // the first withdrawal attempt fails

  RunToEnd();
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
  // The design promises cleanup on every outcome; a blip must not strand our values.
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty());
  EXPECT_THAT(dns_.Values("_acme-challenge.www.example.com"), IsEmpty());
}

// Defect 5: a step commits the engine's columns only, so a toggle made while the step ran
// (between its read of the certificate and its commit) survives.
TEST_F(EngineLifecycleTest, AnAutoRenewToggleDuringAStepSurvivesItsCommit) {
  auto requested = service_->Request({kOwner, kZoneId, kZone, "app.example.com", {}, true});
  ASSERT_TRUE(requested.ok());
  cert_id_ = requested->id;
  for (bool enabled : {false, true, false}) {
    auto job = ClaimDue();
    ASSERT_TRUE(job.has_value());
    store::StepCommit commit = engine_->RunStep(*job);
    ASSERT_TRUE(store_->SetAutoRenew(kOwner, cert_id_, enabled, std::nullopt).ok());
    ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
    EXPECT_EQ(Stored(cert_id_).auto_renew, enabled) << "after step " << job->step;
  }
  ASSERT_TRUE(RunUntil("download"));
  auto job = ClaimDue();
  ASSERT_TRUE(job.has_value());
  store::StepCommit commit = engine_->RunStep(*job);
  ASSERT_TRUE(commit.certificate.has_value());
  ASSERT_TRUE(store_->SetAutoRenew(kOwner, cert_id_, true, std::nullopt).ok());
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  core::Certificate issued = Stored(cert_id_);
  EXPECT_EQ(issued.status, CertificateState::kIssued);
  EXPECT_TRUE(issued.auto_renew);
  EXPECT_FALSE(issued.certificate_pem.empty());
}

TEST(RenewalTimeTest, RenewsAThirdOfTheLifetimeEarlyAtMostRenewBefore) {
  struct Case {
    std::string_view desc;
    core::Duration lifetime;
    core::Duration want_before_expiry;
  };
  const Case cases[] = {
      {"90-day certificate: 30 days before", kDay * 90, kDay * 30},
      {"6-day certificate: 2 days before", kDay * 6, kDay * 2},
      {"1-year certificate: capped at 30 days", kDay * 365, kDay * 30},
      {"45-day certificate: 15 days before", kDay * 45, kDay * 15},
  };
  const core::TimePoint not_before = test::FakeClock::DefaultStart();
  const core::Duration renew_before = EngineConfig{}.renew_before;
  for (const Case& c : cases) {
    core::TimePoint not_after = not_before + c.lifetime;
    EXPECT_EQ(RenewalTime(not_before, not_after, renew_before), not_after - c.want_before_expiry)
        << c.desc;
  }
}

TEST(JobStateTest, RoundTripsThroughJson) {
  JobState state;
  state.order_url = "https://ca/order/1";
  state.finalize_url = "https://ca/order/1/finalize";
  state.certificate_url = "https://ca/cert/1";
  state.authorizations.push_back({"https://ca/authz/1", "example.com", true, "pending",
                                  "https://ca/chall/1", "_acme-challenge.example.com", "v1", true,
                                  false});
  state.deadline_ms = 1768473060000;
  state.delay_ms = 40;
  state.failed = true;
  state.cleanup_attempts = 2;
  auto back = JobState::FromJson(state.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->order_url, state.order_url);
  EXPECT_EQ(back->certificate_url, state.certificate_url);
  ASSERT_EQ(back->authorizations.size(), 1u);
  EXPECT_TRUE(back->authorizations[0].wildcard);
  EXPECT_TRUE(back->authorizations[0].presented);
  EXPECT_EQ(back->authorizations[0].value, "v1");
  EXPECT_EQ(back->deadline_ms, state.deadline_ms);
  EXPECT_EQ(back->delay_ms, 40);
  EXPECT_TRUE(back->failed);
  EXPECT_EQ(back->cleanup_attempts, 2);
}

TEST(JobStateTest, EmptyIsAFreshStateAndGarbageIsAnError) {
  auto fresh = JobState::FromJson("");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->authorizations.empty());
  auto bad = JobState::FromJson("{not json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), core::ErrorCode::kInternal);
}

}  // namespace
}  // namespace certadns::issuance
