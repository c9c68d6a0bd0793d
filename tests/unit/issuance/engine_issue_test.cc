// Engine: issuance from request to installed certificate, validation outcomes, reused
// authorizations and crash-repeated steps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/text.h"
#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// finalize runs twice: first it takes and persists the certificate key, then it submits the
// CSR (a CSR never goes out for a key that is not stored yet).
const std::vector<std::string> kHappySteps = {
    "order",    "authorize", "present",  "propagate", "respond", "poll_authorizations",
    "finalize", "finalize",  "download", "cleanup"};

TEST_F(EngineTest, HappyPathGoesPendingValidatingIssued) {
  key_source_ = nullptr;  // the engine's own key generation, for once
  UseEngine(&dns_);
  dns_.AddForeignValue("_acme-challenge.app.example.com", "someone-elses-value");
  core::Certificate requested = Request("app.example.com", {"www.example.com"});
  cert_id_ = requested.id;
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kPending);

  auto order = Step();
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->step, "order");
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kValidating);

  ASSERT_TRUE(RunUntil("propagate"));
  // Present published the right DNS-01 value for each name, in the certificate's zone.
  auto tokens = acme_.TokensOfLastOrder();
  auto presents = DnsCalls(DnsCall::Kind::kPresent);
  ASSERT_EQ(presents.size(), 2u);
  for (const auto& call : presents) EXPECT_EQ(call.record.zone, kZone);
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"),
              ElementsAre("someone-elses-value", ExpectedTxt(tokens.at("app.example.com"))));
  EXPECT_THAT(dns_.Values("_acme-challenge.www.example.com"),
              ElementsAre(ExpectedTxt(tokens.at("www.example.com"))));
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kValidating);

  std::vector<RanStep> rest = RunToEnd();
  std::vector<std::string> all = {"order", "authorize", "present"};
  for (const auto& name : Names(rest)) all.push_back(name);
  EXPECT_EQ(all, kHappySteps);

  core::Certificate issued = Stored(cert_id_);
  EXPECT_EQ(issued.status, CertificateState::kIssued);
  EXPECT_THAT(test::SanDnsNames(issued.certificate_pem),
              ElementsAre("app.example.com", "www.example.com"));
  EXPECT_EQ(issued.chain_pem, acme_.IntermediatePem());
  EXPECT_TRUE(VerifiesAtFakeNow(issued.certificate_pem, issued.chain_pem));

  // The key is installed, sealed under the certificate's id, and belongs to the leaf.
  std::string key = InstalledKeyPem(cert_id_);
  ASSERT_FALSE(key.empty());
  EXPECT_TRUE(test::KeyMatches(issued.certificate_pem, key));

  auto info = crypto::ParseCertificate(issued.certificate_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(issued.serial, info->serial_hex);
  EXPECT_EQ(issued.expires_at, info->not_after);
  EXPECT_EQ(issued.next_renewal_at,
            RenewalTime(info->not_before, info->not_after, config_.renew_before));
  EXPECT_EQ(*issued.next_renewal_at, info->not_after - std::chrono::hours(24 * 30));
  ASSERT_TRUE(issued.issued_at.has_value());

  // Cleanup removed our values and only ours; the job is gone.
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), ElementsAre("someone-elses-value"));
  EXPECT_THAT(dns_.Values("_acme-challenge.www.example.com"), IsEmpty());
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());

  EXPECT_THAT(
      Messages(cert_id_),
      ElementsAre("Certificate requested",
                  "ACME order created for app.example.com, www.example.com "
                  "(2 authorizations)",
                  "Challenge TXT records published in DNS",
                  "Every nameserver serves the challenge records",
                  "Asked the CA to validate the challenges", "All names validated by the CA",
                  "Order finalized with a new certificate signing request",
                  "Certificate issued: serial " + info->serial_hex + ", expires " +
                      core::FormatRfc3339(info->not_after),
                  "Removed 2 challenge TXT records"));
  for (const auto& e : Events(cert_id_)) EXPECT_EQ(e.level, core::EventLevel::kInfo);
}

// Counts the calls in flight at once. Each call waits (bounded) until `expected` calls are
// in flight together, so calls made one after another are seen as one at a time.
class InFlight {
 public:
  explicit InFlight(int expected) : expected_(expected) {}
  void Call() {
    std::unique_lock lock(mu_);
    ++now_;
    most_ = std::max(most_, now_);
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(2), [&] { return now_ >= expected_ || seen_all_; });
    if (now_ >= expected_) seen_all_ = true;  // the rest of this round goes through at once
    --now_;
  }
  int most() {
    std::lock_guard lock(mu_);
    return most_;
  }
  void Reset() {
    std::lock_guard lock(mu_);
    most_ = 0;
    seen_all_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  const int expected_;
  int now_ = 0;
  int most_ = 0;
  bool seen_all_ = false;
};

TEST_F(EngineTest, TheCallsForEachNameOfAnOrderAreMadeAtTheSameTime) {
  UseEngine(&dns_);
  InFlight authorizations(3);
  InFlight responses(3);
  acme_.SetCallHook(AcmeMethod::kGetAuthorization, [&] { authorizations.Call(); });
  acme_.SetCallHook(AcmeMethod::kRespondToChallenge, [&] { responses.Call(); });
  cert_id_ = Request("app.example.com", {"www.example.com", "api.example.com"}).id;

  ASSERT_TRUE(RunUntil("present"));
  EXPECT_EQ(authorizations.most(), 3) << "the three authorizations were read one at a time";
  authorizations.Reset();
  RunToEnd();
  EXPECT_EQ(responses.most(), 3) << "the three challenges were answered one at a time";
  EXPECT_EQ(authorizations.most(), 3) << "the three authorizations were polled one at a time";
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineTest, WildcardAndApexPresentTwoValuesAtOneNameAndRemoveBoth) {
  cert_id_ = Request("*.example.com", {"example.com"}).id;
  ASSERT_TRUE(RunUntil("propagate"));
  auto tokens = acme_.TokensOfLastOrder();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_NE(tokens.at("*.example.com"), tokens.at("example.com"));
  EXPECT_THAT(dns_.Values("_acme-challenge.example.com"),
              UnorderedElementsAre(ExpectedTxt(tokens.at("*.example.com")),
                                   ExpectedTxt(tokens.at("example.com"))));

  RunToEnd();
  // Propagation was checked once for the name, with both values.
  auto checks = DnsCalls(DnsCall::Kind::kIsServed);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].record.fqdn, "_acme-challenge.example.com");
  EXPECT_EQ(DnsCalls(DnsCall::Kind::kCleanUp).size(), 2u);
  EXPECT_THAT(dns_.Values("_acme-challenge.example.com"), IsEmpty());
  ExpectEveryPresentedValueRemoved();

  core::Certificate issued = Stored(cert_id_);
  EXPECT_EQ(issued.status, CertificateState::kIssued);
  EXPECT_TRUE(issued.is_wildcard);
  EXPECT_THAT(test::SanDnsNames(issued.certificate_pem),
              ElementsAre("*.example.com", "example.com"));
  EXPECT_TRUE(test::KeyMatches(issued.certificate_pem, InstalledKeyPem(cert_id_)));
}

// The downloaded certificate is checked against the key the CSR was made with: a CA that
// certifies another key fails the certificate, and nothing is installed.
TEST_F(EngineTest, ACertificateForAnotherKeyIsRefusedAndNothingIsInstalled) {
  UseEngine(&dns_);
  acme_.SetLeafForAnotherKey(true);
  cert_id_ = Request("app.example.com").id;
  RunToEnd();
  core::Certificate stored = Stored(cert_id_);
  EXPECT_EQ(stored.status, CertificateState::kFailed);
  EXPECT_TRUE(stored.certificate_pem.empty());
  auto events = store_->ListEvents(kOwner, cert_id_);
  ASSERT_TRUE(events.ok());
  bool logged = false;
  for (const auto& e : *events) {
    logged |= e.message.find("does not match our private key") != std::string::npos;
  }
  EXPECT_TRUE(logged) << "the reason is in the certificate's log";
}

TEST_F(EngineTest, UntrustedCaTextIsKeptAsValidUtf8) {
  // One detail with stray bytes, one long enough to be cut, cut inside a character.
  acme::Problem stray{"urn:ietf:params:acme:error:dns", "NXDOMAIN \xff\xfe at caf\xC3", 400, {}};
  acme::Problem cut{"urn:ietf:params:acme:error:dns",
                    std::string(1017, 'x') + "\xE2\x82\xAC\xE2\x82\xAC" + "tail", 400, {}};
  for (const acme::Problem& problem : {stray, cut}) {
    acme_.SetBehavior("www.example.com", {.problem = problem});
    cert_id_ = Request("app" + std::to_string(problem.detail.size()) + ".example.com",
                       {"www.example.com"})
                   .id;
    RunToEnd();
    EXPECT_EQ(Stored(cert_id_).status, CertificateState::kFailed);
    nlohmann::json logs = nlohmann::json::array();
    for (const auto& e : Events(cert_id_)) {
      EXPECT_TRUE(core::IsValidUtf8(e.message)) << e.message;
      logs.push_back(e.message);
    }
    // What GET /certificates/{id}/logs serialises: strict dump() throws on invalid UTF-8.
    EXPECT_NO_THROW((void)logs.dump());
    EXPECT_THAT(logs.dump(), HasSubstr("dns"));
  }
}

TEST_F(EngineTest, ValidationFailureFailsWithTheCasProblemAndRemovesAllRecords) {
  acme::Problem problem{"urn:ietf:params:acme:error:unauthorized",
                        "Incorrect TXT record \"xyz\" found at _acme-challenge.www.example.com",
                        403,
                        {}};
  acme_.SetBehavior("www.example.com", {.problem = problem});
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  std::vector<RanStep> ran = RunToEnd();
  EXPECT_EQ(Names(ran).back(), "cleanup");
  EXPECT_THAT(Names(ran), ::testing::Not(::testing::Contains("finalize")));

  core::Certificate failed = Stored(cert_id_);
  EXPECT_EQ(failed.status, CertificateState::kFailed);
  EXPECT_TRUE(failed.certificate_pem.empty());
  EXPECT_TRUE(InstalledKeyPem(cert_id_).empty());
  // One new order first (the CA may not have reached our nameservers), then the failure.
  EXPECT_EQ(acme_.OrderCount(), 2u);
  EXPECT_EQ(DnsCalls(DnsCall::Kind::kPresent).size(), 4u);
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty());
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());

  std::vector<core::CertificateEvent> errors;
  for (const auto& e : Events(cert_id_)) {
    if (e.level == core::EventLevel::kError) errors.push_back(e);
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("Issuance failed: validation of www.example.com"));
  EXPECT_THAT(errors[0].message, HasSubstr(problem.detail));
  EXPECT_THAT(errors[0].message, HasSubstr("unauthorized"));
  EXPECT_THAT(Messages(cert_id_).back(), "Removed 2 challenge TXT records");
}

// PowerDNS down when the CA looked up the record (seen with the real binary: Pebble's
// "Error retrieving TXT records ... i/o timeout"): the order is lost, not the certificate.
// One new order, after this order's records are removed; then issued.
TEST_F(EngineTest, AValidationTheCaCouldNotDoForOurDnsIsTriedOnceMoreWithANewOrder) {
  acme::Problem outage{"urn:ietf:params:acme:error:unauthorized",
                       "Error retrieving TXT records for DNS challenge (i/o timeout)", 403, {}};
  acme_.SetBehavior("app.example.com", {.problem = outage});
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("poll_authorizations"));
  auto ran = Step();  // the poll meets the invalid authorization
  ASSERT_TRUE(ran.has_value());
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kValidating);
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty())
      << "the failed order's record is removed before the new order";
  acme_.SetBehavior("app.example.com", {});  // our DNS is back
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_EQ(acme_.OrderCount(), 2u);
  ExpectEveryPresentedValueRemoved();
  bool warned = false;
  for (const auto& m : Messages(cert_id_)) {
    warned |= m.find("placing a new order (1 of 1)") != std::string::npos &&
              m.find("Error retrieving TXT records") != std::string::npos;
  }
  EXPECT_TRUE(warned) << ::testing::PrintToString(Messages(cert_id_));
}

// A refusal no new order can change (CAA forbids the CA) fails at once: no second order.
TEST_F(EngineTest, AValidationRefusedByCaaFailsWithoutANewOrder) {
  acme::Problem caa{"urn:ietf:params:acme:error:caa", "CAA record forbids issuance", 403, {}};
  acme_.SetBehavior("app.example.com", {.problem = caa});
  cert_id_ = Request("app.example.com").id;
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kFailed);
  EXPECT_EQ(acme_.OrderCount(), 1u);
  ExpectEveryPresentedValueRemoved();
}

TEST_F(EngineTest, PendingValidationIsPolledWithGrowingDelays) {
  acme_.SetBehavior("app.example.com", {.pending_polls = 3});
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("poll_authorizations"));
  std::vector<RanStep> polls;
  while (true) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->step != "poll_authorizations") break;
    polls.push_back(*ran);
  }
  ASSERT_EQ(polls.size(), 4u);
  EXPECT_EQ(polls[1].at - polls[0].at, std::chrono::milliseconds(5));
  EXPECT_EQ(polls[2].at - polls[1].at, std::chrono::milliseconds(10));
  EXPECT_EQ(polls[3].at - polls[2].at, std::chrono::milliseconds(20));
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineTest, PendingValidationHonoursRetryAfter) {
  acme_.SetBehavior("app.example.com", {.pending_polls = 1, .retry_after_s = 3});
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("poll_authorizations"));
  auto first = Step();
  auto second = Step();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->step, "poll_authorizations");
  EXPECT_EQ(second->at - first->at, std::chrono::seconds(3));
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineTest, AProcessingOrderIsPolledUntilValid) {
  acme_.SetOrderProcessingPolls(2);
  cert_id_ = Request("app.example.com").id;
  std::vector<std::string> names = Names(RunToEnd());
  EXPECT_EQ(std::count(names.begin(), names.end(), "poll_order"), 3);
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineTest, AReusedAuthorizationSkipsPresentAndRespondForThatName) {
  acme_.SetBehavior("www.example.com", {.already_valid = true});
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  auto presents = DnsCalls(DnsCall::Kind::kPresent);
  ASSERT_EQ(presents.size(), 1u);
  EXPECT_EQ(presents[0].record.fqdn, "_acme-challenge.app.example.com");
  for (const auto& check : DnsCalls(DnsCall::Kind::kIsServed)) {
    EXPECT_EQ(check.record.fqdn, "_acme-challenge.app.example.com");
  }
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kRespondToChallenge), 1u);
  for (const auto& call : acme_.Calls()) {
    if (call.method == AcmeMethod::kRespondToChallenge) {
      EXPECT_THAT(call.url, ::testing::Not(HasSubstr("www")));
    }
  }
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(test::SanDnsNames(Stored(cert_id_).certificate_pem),
              ElementsAre("app.example.com", "www.example.com"));
}

TEST_F(EngineTest, AllAuthorizationsReusedGoesStraightToFinalize) {
  acme_.SetBehavior("app.example.com", {.already_valid = true});
  cert_id_ = Request("app.example.com").id;
  EXPECT_EQ(Names(RunToEnd()), (std::vector<std::string>{"order", "authorize", "finalize",
                                                         "finalize", "download", "cleanup"}));
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_TRUE(dns_.Calls().empty());
  EXPECT_THAT(Messages(cert_id_), ::testing::Contains("All names already validated for this "
                                                      "ACME account"));
}

// A crash between a step's work and its commit: the step runs again from the stored job
// (claimed by another worker once the lease has expired) and the issuance still completes.
// Every step of the happy path is crashed once, each in its own issuance.
TEST_F(EngineTest, RepeatingAnyStepAfterACrashStillEndsIssued) {
  lease_ = std::chrono::seconds(1);
  for (size_t crash_at = 0; crash_at < kHappySteps.size(); ++crash_at) {
    const std::string& crash_step = kHappySteps[crash_at];
    SCOPED_TRACE("crash in step #" + std::to_string(crash_at) + " (" + crash_step + ")");
    // One issuance per crash point, each for names of its own.
    const std::string app = "app" + std::to_string(crash_at) + ".example.com";
    const std::string www = "www" + std::to_string(crash_at) + ".example.com";
    cert_id_ = Request(app, {www}).id;
    for (size_t i = 0; i < crash_at; ++i) {
      auto ran = Step();
      ASSERT_TRUE(ran.has_value());
      ASSERT_EQ(ran->step, kHappySteps[i]);
    }
    auto job = ClaimDue("w1");
    ASSERT_TRUE(job.has_value());
    ASSERT_EQ(job->step, crash_step);
    (void)engine_->RunStep(*job);  // its effects happen, its commit is lost
    clock_.Advance(lease_ + std::chrono::milliseconds(1));
    auto again = ClaimDue("w2");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->step, crash_step);
    EXPECT_EQ(again->state, job->state) << "the repeat starts from the stored job";
    auto commit = engine_->RunStep(*again);
    ASSERT_TRUE(store_->CommitStep("w2", commit).ok());
    RunToEnd();

    core::Certificate c = Stored(cert_id_);
    EXPECT_EQ(c.status, CertificateState::kIssued);
    EXPECT_THAT(test::SanDnsNames(c.certificate_pem), ElementsAre(app, www));
    EXPECT_TRUE(test::KeyMatches(c.certificate_pem, InstalledKeyPem(cert_id_)));
    EXPECT_THAT(dns_.Values("_acme-challenge." + app), IsEmpty());
    EXPECT_THAT(dns_.Values("_acme-challenge." + www), IsEmpty());
    EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
    for (const auto& e : Events(cert_id_)) {
      EXPECT_NE(e.level, core::EventLevel::kError) << e.message;
    }
  }
}

TEST_F(EngineTest, AFinalizeWhoseResponseWasLostContinuesFromTheOrder) {
  acme_.FailNext(AcmeMethod::kFinalize, 1, std::nullopt, /*after_effect=*/true);
  cert_id_ = Request("app.example.com").id;
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_EQ(acme_.IssuedChains().size(), 1u);
  EXPECT_TRUE(test::KeyMatches(Stored(cert_id_).certificate_pem, InstalledKeyPem(cert_id_)));
}

}  // namespace
}  // namespace certadns::issuance
