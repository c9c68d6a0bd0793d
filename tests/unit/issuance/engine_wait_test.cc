// Engine: waiting without sleeping. Propagation polls with backoff inside a budget, the fixed
// delay without a checker, and retries of transient CA failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(EngineTest, PropagationWaitsWithGrowingDelaysAndFailsAfterTheBudget) {
  dns_.SetServing(false);
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("present"));
  auto present = Step();
  ASSERT_TRUE(present.has_value());
  const core::TimePoint presented_at = present->at;
  const core::Duration budget = config_.poll_interval * config_.poll_attempts;  // 60 s

  std::vector<RanStep> polls;
  std::optional<RanStep> after;
  while (true) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->step != "propagate") {
      after = ran;
      break;
    }
    polls.push_back(*ran);
    ASSERT_LT(polls.size(), 200u);
  }
  ASSERT_GE(polls.size(), 10u);
  EXPECT_EQ(polls[0].at, presented_at) << "the first check runs at once";
  std::vector<core::Duration> delays;
  for (size_t i = 1; i < polls.size(); ++i)
    delays.push_back(std::chrono::duration_cast<core::Duration>(polls[i].at - polls[i - 1].at));
  EXPECT_EQ(delays[0], milliseconds(5));
  for (size_t i = 1; i + 1 < delays.size(); ++i) {
    EXPECT_EQ(delays[i], std::min<core::Duration>(delays[i - 1] * 2, config_.poll_interval))
        << "delay " << i;
  }
  EXPECT_LE(delays.back(), config_.poll_interval);
  // The last check is the one that gives up, exactly at the end of the budget.
  EXPECT_EQ(polls.back().at, presented_at + budget);
  EXPECT_EQ(after->step, "cleanup");

  core::Certificate failed = Stored(cert_id_);
  EXPECT_EQ(failed.status, CertificateState::kFailed);
  std::string last_error;
  for (const auto& e : Events(cert_id_)) {
    if (e.level == core::EventLevel::kError) last_error = e.message;
  }
  EXPECT_THAT(last_error, HasSubstr("_acme-challenge.app.example.com"));
  EXPECT_THAT(last_error, HasSubstr("60 s"));
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kRespondToChallenge), 0u);
  ExpectEveryPresentedValueRemoved();
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

// PowerDNS stopped after the record was published (seen with the real binary): no
// nameserver answers the propagation check. That is PowerDNS failing, not a record slow to
// propagate: retried within the retry budget, past the propagation budget (60 s here), and
// the propagation wait starts again once the nameservers answer.
TEST_F(EngineTest, NameserversNotAnsweringThePropagationCheckAreWaitedOutLikePowerDnsDown) {
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("propagate"));
  const core::TimePoint down_at = clock_.Now();
  dns_.SetDown(true);
  const core::Duration budget = config_.poll_interval * config_.poll_attempts;  // 60 s
  while (clock_.Now() < down_at + 2 * budget) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    ASSERT_EQ(ran->step, "propagate") << "gave up while PowerDNS was down";
  }
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kValidating);
  dns_.SetDown(false);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  bool logged = false;
  for (const auto& m : Messages(cert_id_)) {
    logged |= m.find("Step propagate failed, retrying") != std::string::npos;
  }
  EXPECT_TRUE(logged);
  ExpectEveryPresentedValueRemoved();
}

TEST_F(EngineTest, PropagationProceedsOnceEveryNameserverServesTheValue) {
  dns_.SetServing(false);
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("propagate"));
  for (int i = 0; i < 3; ++i) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    EXPECT_EQ(ran->step, "propagate");
  }
  auto jobs = store_->ListJobs(cert_id_);
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].step, "propagate");
  dns_.SetServing(true);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_EQ(DnsCalls(DnsCall::Kind::kIsServed).size(), 4u);
}

TEST_F(EngineTest, WithoutACheckerThePropagateStepWaitsExactlyThePropagationDelay) {
  UseEngine(/*checker=*/nullptr);
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("present"));
  auto present = Step();
  ASSERT_TRUE(present.has_value());
  EXPECT_EQ(present->commit.job.step, "propagate");
  EXPECT_EQ(present->commit.job.run_at, present->at + config_.propagation_delay);

  clock_.Advance(config_.propagation_delay - milliseconds(1));
  auto early = store_->ClaimJob("w1", clock_.Now(), lease_);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value()) << "not due before the delay";

  auto propagate = Step();
  ASSERT_TRUE(propagate.has_value());
  EXPECT_EQ(propagate->step, "propagate");
  EXPECT_EQ(propagate->at, present->at + config_.propagation_delay);
  EXPECT_EQ(propagate->commit.job.step, "respond");
  EXPECT_EQ(propagate->commit.job.run_at, propagate->at);
  EXPECT_TRUE(DnsCalls(DnsCall::Kind::kIsServed).empty());
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineTest, ATransientCaFailureIsRetriedThenSucceeds) {
  acme_.FailNext(AcmeMethod::kNewOrder, 2);
  cert_id_ = Request("app.example.com").id;
  auto first = Step();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->commit.job.step, "order");
  EXPECT_EQ(first->commit.job.attempt, 1);
  EXPECT_GT(first->commit.job.run_at, first->at);
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kPending);
  auto second = Step();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->commit.job.attempt, 2);
  EXPECT_GT(second->commit.job.run_at - second->at, first->commit.job.run_at - first->at)
      << "backoff grows";
  auto third = Step();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->commit.job.step, "authorize");
  EXPECT_EQ(third->commit.job.attempt, 0);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kNewOrder), 3u);
  EXPECT_EQ(acme_.OrderCount(), 1u);

  int warnings = 0;
  for (const auto& e : Events(cert_id_)) {
    if (e.level != core::EventLevel::kWarning) continue;
    ++warnings;
    EXPECT_THAT(e.message, HasSubstr("Step order failed, retrying"));
    EXPECT_THAT(e.message, HasSubstr("injected failure of NewOrder"));
  }
  EXPECT_EQ(warnings, 2);
}

TEST_F(EngineTest, ATransientFailureInALaterStepIsRetriedInPlace) {
  acme_.FailNext(AcmeMethod::kDownloadCertificate, 1);
  cert_id_ = Request("app.example.com").id;
  std::vector<std::string> names = Names(RunToEnd());
  auto download = std::find(names.begin(), names.end(), "download");
  ASSERT_NE(download, names.end());
  ASSERT_NE(download + 1, names.end());
  EXPECT_EQ(*(download + 1), "download") << "the failed step itself is retried";
  EXPECT_EQ(std::count(names.begin(), names.end(), "download"), 2);
  EXPECT_EQ(acme_.IssuedChains().size(), 1u) << "no second certificate was ordered";
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineTest, ATransientFinalizeFailureRetriesWithTheSameKey) {
  acme_.FailNext(AcmeMethod::kFinalize, 1);  // refused before reaching the CA
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("finalize"));
  std::vector<RanStep> finalizes;
  while (true) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->step != "finalize") break;
    finalizes.push_back(*ran);
  }
  ASSERT_EQ(finalizes.size(), 3u);  // take the key; submit (fails); submit again
  const std::string key = finalizes[0].commit.job.sealed_key;
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(finalizes[1].commit.job.attempt, 1);
  EXPECT_EQ(finalizes[1].commit.job.sealed_key, key);
  EXPECT_EQ(finalizes[2].commit.job.sealed_key, key);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_EQ(store_->GetSealedPrivateKey(kOwner, cert_id_).value(), key);
  EXPECT_TRUE(test::KeyMatches(Stored(cert_id_).certificate_pem, InstalledKeyPem(cert_id_)));
}

TEST_F(EngineTest, ATransientCaFailureFailsOnceTheRetryBudgetIsSpent) {
  acme_.FailNext(AcmeMethod::kNewOrder, 1000);
  cert_id_ = Request("app.example.com").id;
  const core::TimePoint start = clock_.Now();
  std::vector<RanStep> ran = RunToEnd();
  EXPECT_EQ(Names(ran).back(), "cleanup");
  // Backoff from 1 s doubling to 60 s within a 10-minute budget: a bounded number of calls.
  const size_t calls = acme_.CallCount(AcmeMethod::kNewOrder);
  EXPECT_GE(calls, 8u);
  EXPECT_LE(calls, 30u);

  core::Certificate failed = Stored(cert_id_);
  EXPECT_EQ(failed.status, CertificateState::kFailed);
  size_t warnings = 0;
  std::optional<core::CertificateEvent> error;
  for (const auto& e : Events(cert_id_)) {
    if (e.level == core::EventLevel::kWarning) ++warnings;
    if (e.level == core::EventLevel::kError) error = e;
  }
  EXPECT_EQ(warnings, calls - 1);
  ASSERT_TRUE(error.has_value());
  EXPECT_GE(error->at, start + config_.retry_budget);
  EXPECT_THAT(error->message, HasSubstr("Issuance failed"));
  EXPECT_THAT(error->message, HasSubstr("injected failure of NewOrder"));
  EXPECT_THAT(*store_->ListJobs(cert_id_), IsEmpty());
}

TEST_F(EngineTest, ATransientDnsFailureWhilePresentingIsRetriedAndLeavesNothing) {
  for (int i = 0; i < 10; ++i) dns_.FailNext(core::Unavailable("pdns down"));
  cert_id_ = Request("app.example.com").id;
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_FALSE(DnsCalls(DnsCall::Kind::kCleanUp).empty());
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty());
}

}  // namespace
}  // namespace certadns::issuance
