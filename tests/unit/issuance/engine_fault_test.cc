// Engine under failing peers (defects 8 and 11): transient CA and PowerDNS failures retry
// the step with capped, jittered backoff within a time budget; cleanup of our challenge
// records is retried until it is done, also for a deleted certificate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class EngineFaultTest : public EngineTest {
 protected:
  /// Steps (at most `max_steps`) while `keep_going` holds.
  template <class Pred>
  void StepWhile(Pred keep_going, int max_steps = 500) {
    for (int i = 0; i < max_steps && keep_going(); ++i) {
      if (!Step()) return;
    }
  }

  bool HasJob() {
    auto jobs = store_->ListJobs(cert_id_);
    return jobs.ok() && !jobs->empty();
  }

  std::string ErrorLine() {
    std::string line;
    for (const auto& e : Events(cert_id_)) {
      if (e.level == core::EventLevel::kError) line = e.message;
    }
    return line;
  }
};

TEST_F(EngineFaultTest, PowerDnsDownForTwentySecondsMidIssuanceStillEndsIssued) {
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  ASSERT_TRUE(RunUntil("present"));
  dns_.SetDown(true);
  const core::TimePoint down_at = clock_.Now();
  StepWhile([&] { return clock_.Now() < down_at + seconds(20); });
  EXPECT_TRUE(HasJob());
  EXPECT_NE(Stored(cert_id_).status, CertificateState::kFailed);
  dns_.SetDown(false);

  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("retrying")));
  ExpectEveryPresentedValueRemoved();
  EXPECT_FALSE(HasJob());
}

TEST_F(EngineFaultTest, PowerDnsDownDuringCleanupIsRetriedUntilItIsBack) {
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("cleanup"));
  dns_.SetDown(true);
  const core::TimePoint down_at = clock_.Now();
  StepWhile([&] { return clock_.Now() < down_at + hours(3); });
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_TRUE(HasJob()) << "the cleanup was dropped while PowerDNS was down";
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), testing::SizeIs(1));
  dns_.SetDown(false);
  RunToEnd();
  EXPECT_FALSE(HasJob());
  ExpectEveryPresentedValueRemoved();
}

TEST_F(EngineFaultTest, PowerDnsDownPastTheBudgetFailsWithTheReasonThenCleansUpWhenBack) {
  config_.retry_budget = minutes(5);
  UseEngine(&dns_);
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("present"));
  dns_.SetDown(true);
  const core::TimePoint down_at = clock_.Now();
  StepWhile([&] { return Stored(cert_id_).status != CertificateState::kFailed; }, 200);
  ASSERT_EQ(Stored(cert_id_).status, CertificateState::kFailed);
  EXPECT_GE(clock_.Now(), down_at + minutes(5)) << "gave up before the budget";
  EXPECT_LE(clock_.Now(), down_at + minutes(5) + config_.max_retry_delay * 2);
  EXPECT_THAT(ErrorLine(), HasSubstr("Issuance failed"));
  EXPECT_THAT(ErrorLine(), HasSubstr("connection refused"));

  // The withdrawal of what may have landed waits for PowerDNS, however long it takes.
  StepWhile([&] { return clock_.Now() < down_at + hours(6); });
  EXPECT_TRUE(HasJob());
  dns_.SetDown(false);
  RunToEnd();
  EXPECT_FALSE(HasJob());
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty());
}

TEST_F(EngineFaultTest, ACleanupJobOfADeletedCertificateOutlivesAnOutage) {
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  ASSERT_TRUE(RunUntil("propagate"));
  DeleteCertificateRow(cert_id_);
  dns_.SetDown(true);
  const core::TimePoint down_at = clock_.Now();
  StepWhile([&] { return clock_.Now() < down_at + hours(2); });
  EXPECT_TRUE(HasJob()) << "the records would be left behind";
  dns_.SetDown(false);
  RunToEnd();
  EXPECT_FALSE(HasJob());
  EXPECT_THAT(dns_.Values("_acme-challenge.app.example.com"), IsEmpty());
  EXPECT_THAT(dns_.Values("_acme-challenge.www.example.com"), IsEmpty());
}

TEST_F(EngineFaultTest, AHugeRetryAfterOnAServerErrorWaitsAtMostTheCap) {
  core::Error busy(core::ErrorCode::kUnavailable, "ACME answered HTTP 503");
  busy.WithRetryAfter(LONG_MAX);
  acme_.FailNext(AcmeMethod::kNewOrder, 1, busy);
  cert_id_ = Request("app.example.com").id;
  auto ran = Step();
  ASSERT_TRUE(ran.has_value());
  EXPECT_EQ(ran->commit.job.step, "order");
  EXPECT_GT(ran->commit.job.run_at, ran->at);
  EXPECT_LE(ran->commit.job.run_at, ran->at + config_.max_retry_delay * 3 / 2);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineFaultTest, RetryDelaysGrowToTheCapWithJitterFromTheInjectedSource) {
  config_.jitter = [] { return 0.5; };
  UseEngine(&dns_);
  acme_.FailNext(AcmeMethod::kNewOrder, 10);
  cert_id_ = Request("app.example.com").id;
  std::vector<core::Duration> delays;
  for (int i = 0; i < 10; ++i) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    delays.push_back(std::chrono::duration_cast<core::Duration>(ran->commit.job.run_at - ran->at));
  }
  // 1 s, 2 s, 4 s ... capped at 60 s, each plus a quarter (half of the 0.5 jitter).
  EXPECT_EQ(delays[0], std::chrono::milliseconds(1250));
  EXPECT_EQ(delays[1], std::chrono::milliseconds(2500));
  EXPECT_EQ(delays[2], std::chrono::milliseconds(5000));
  EXPECT_EQ(delays[9], seconds(75));
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
}

TEST_F(EngineFaultTest, TheRetryBudgetStartsAgainAfterTheStepSucceededOnce) {
  config_.retry_budget = seconds(10);
  config_.poll_attempts = 100;  // a long validation: 200 s of polling budget
  UseEngine(&dns_);
  acme_.SetBehavior("app.example.com", {.pending_polls = 40});
  cert_id_ = Request("app.example.com").id;
  ASSERT_TRUE(RunUntil("poll_authorizations"));
  acme_.FailNext(AcmeMethod::kGetAuthorization, 1);
  ASSERT_TRUE(Step());  // fails, retried
  const core::TimePoint first_failure = clock_.Now();
  StepWhile([&] { return clock_.Now() < first_failure + seconds(30); });
  ASSERT_TRUE(HasJob());
  // A new blip long after the first one recovered gets a budget of its own.
  acme_.FailNext(AcmeMethod::kGetAuthorization, 1);
  RunToEnd();
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued) << ErrorLine();
}

}  // namespace
}  // namespace certadns::issuance
