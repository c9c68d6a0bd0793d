// ARI polling between issuance and the planned renewal (RFC 9773 §4.3), on a fake clock with
// the fake CA's scripted windows: the sweep asks each certificate's window again on the CA's
// Retry-After schedule, moves a renewal the window no longer holds into it (a window in the
// past: at once), logs only a plan that changed, backs off when the CA does not answer,
// ignores a window opening after expiry, and asks at most sweep_batch windows per run. The
// sweep sleeps until the next check is due.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using std::chrono::hours;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr long kSixHours = 6 * 60 * 60;

/// A one-day window like RFC 9773's example, asked again after `retry_after_s`.
acme::RenewalInfo Window(core::TimePoint start, long retry_after_s = kSixHours) {
  return acme::RenewalInfo{start, start + hours(24), "https://acme.example.com/docs/ari",
                           retry_after_s};
}

class EngineAriPollTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    // The sweep's wake-ups come from the certificates' events alone (jitter is 0: a window's
    // pick is its start).
    config_.sweep_interval = hours(24 * 365);
    UseEngine(&dns_);
  }

  /// Issues an auto-renewed certificate under the window `window` (the CA's answer at
  /// issuance), then runs the sweep once: it sleeps until the first ARI check.
  core::Certificate IssueUnder(const acme::RenewalInfo& window,
                               const std::string& name = "app.example.com") {
    acme_.SetRenewalInfo(window);
    auto cert = service_->Request({kOwner, kZoneId, kZone, name, {}, /*auto_renew=*/true});
    EXPECT_TRUE(cert.ok());
    cert_id_ = cert->id;
    RunJobOf(cert_id_);
    core::Certificate c = Stored(cert_id_);
    EXPECT_EQ(c.status, CertificateState::kIssued);
    EXPECT_EQ(*c.next_renewal_at, window.window_start);
    return c;
  }

  size_t AriCalls() const { return acme_.CallCount(AcmeMethod::kGetRenewalInfo); }

  bool HasRenewalJob() {
    auto jobs = store_->ListJobs(cert_id_);
    return jobs.ok() && !jobs->empty() && (*jobs)[0].kind == store::JobKind::kRenew;
  }

  /// Runs the sweep's next run (the clock moves to it); fails the test when another job ran.
  void RunSweep() {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    ASSERT_EQ(ran->commit.job.kind, store::JobKind::kSweep);
  }

  /// Steps until the certificate holds a new serial (not beyond: the fake CA answers every
  /// certificate with the same window, so the new one would be due at once as well).
  core::Certificate RunUntilRenewed(const std::string& serial) {
    for (int i = 0; i < 500 && Stored(cert_id_).serial == serial; ++i) {
      if (!Step()) break;
    }
    return Stored(cert_id_);
  }

  size_t MovedLines() {
    size_t n = 0;
    for (const std::string& m : Messages(cert_id_)) n += m.find("renewal moved") != m.npos;
    return n;
  }
};

TEST_F(EngineAriPollTest, AWindowMovedEarlierMovesTheRenewalIntoItAndItStartsThen) {
  const core::TimePoint issued = clock_.Now();
  core::Certificate first = IssueUnder(Window(issued + hours(24 * 50)));
  const core::TimePoint t0 = *first.issued_at;  // the first check: 6 h after issuance
  StartSweep();
  RunSweep();
  EXPECT_EQ(SweepRunAt(), t0 + hours(6)) << "the sweep wakes for the first check";

  // An incident: the CA now wants this certificate renewed within two days.
  const core::TimePoint soon = issued + hours(48);
  acme_.SetRenewalInfo(Window(soon));
  RunSweep();
  EXPECT_EQ(clock_.Now(), t0 + hours(6));
  EXPECT_EQ(*Stored(cert_id_).next_renewal_at, soon);
  EXPECT_THAT(Messages(cert_id_),
              Contains(HasSubstr("ARI: the CA suggests renewing between " +
                                 core::FormatRfc3339(soon) + " and " +
                                 core::FormatRfc3339(soon + hours(24)) +
                                 " (see https://acme.example.com/docs/ari); renewal moved from " +
                                 core::FormatRfc3339(issued + hours(24 * 50)) + " to " +
                                 core::FormatRfc3339(soon))));

  for (int i = 0; i < 50 && !HasRenewalJob(); ++i) RunSweep();
  ASSERT_TRUE(HasRenewalJob());
  EXPECT_EQ(clock_.Now(), soon) << "started at the new time, not at the old one";
  core::Certificate renewed = RunUntilRenewed(first.serial);
  EXPECT_NE(renewed.serial, first.serial);
  EXPECT_EQ(renewed.status, CertificateState::kIssued);
  EXPECT_EQ(MovedLines(), 1u) << "the checks in between changed nothing: no line";
}

TEST_F(EngineAriPollTest, AnUnchangedWindowWritesNoLogLineAndTheNextCheckFollowsRetryAfter) {
  const core::TimePoint issued = clock_.Now();
  core::Certificate cert = IssueUnder(Window(issued + hours(24 * 50)));
  const core::TimePoint t0 = *cert.issued_at;
  StartSweep();
  RunSweep();
  const size_t lines = Messages(cert_id_).size();
  const size_t calls = AriCalls();

  acme_.SetRenewalInfo(Window(issued + hours(24 * 50), /*retry_after_s=*/3 * 60 * 60));
  RunSweep();
  EXPECT_EQ(clock_.Now(), t0 + hours(6));
  EXPECT_EQ(AriCalls(), calls + 1);
  EXPECT_EQ(SweepRunAt(), t0 + hours(9)) << "the CA's Retry-After: 3 h";
  RunSweep();
  EXPECT_EQ(AriCalls(), calls + 2);
  EXPECT_EQ(SweepRunAt(), t0 + hours(12));
  EXPECT_EQ(Messages(cert_id_).size(), lines);
  EXPECT_EQ(Stored(cert_id_).next_renewal_at, cert.next_renewal_at);
}

TEST_F(EngineAriPollTest, AWindowAlreadyPastRenewsAtOnce) {
  const core::TimePoint issued = clock_.Now();
  core::Certificate first = IssueUnder(Window(issued + hours(24 * 50)));
  StartSweep();
  RunSweep();
  acme_.SetRenewalInfo(Window(issued - hours(48)));  // over a day ago: renew now
  RunSweep();
  const core::TimePoint checked = clock_.Now();
  EXPECT_EQ(checked, *first.issued_at + hours(6));
  EXPECT_TRUE(HasRenewalJob()) << "started by the very sweep that saw the window";
  EXPECT_THAT(Messages(cert_id_),
              Contains(HasSubstr("renewal moved from " +
                                 core::FormatRfc3339(issued + hours(24 * 50)) + " to " +
                                 core::FormatRfc3339(checked))));
  core::Certificate renewed = RunUntilRenewed(first.serial);
  EXPECT_NE(renewed.serial, first.serial);
  EXPECT_EQ(renewed.status, CertificateState::kIssued);
}

TEST_F(EngineAriPollTest, ACheckTheCaDoesNotAnswerKeepsThePlanAndIsRetriedWithBackoff) {
  const core::TimePoint issued = clock_.Now();
  core::Certificate cert = IssueUnder(Window(issued + hours(24 * 50)));
  const core::TimePoint t0 = *cert.issued_at;
  StartSweep();
  RunSweep();
  const size_t lines = Messages(cert_id_).size();
  acme_.FailNext(AcmeMethod::kGetRenewalInfo, 2);
  acme_.SetRenewalInfo(Window(issued + hours(48)));  // what it says once it answers

  RunSweep();  // at +6 h: no answer
  EXPECT_EQ(SweepRunAt(), t0 + hours(7)) << "tried again after 1 h";
  RunSweep();  // at +7 h: no answer
  EXPECT_EQ(SweepRunAt(), t0 + hours(9)) << "then after 2 h";
  EXPECT_EQ(Stored(cert_id_).next_renewal_at, cert.next_renewal_at) << "the plan stands";
  EXPECT_EQ(Messages(cert_id_).size(), lines) << "nothing in the certificate's log";

  RunSweep();  // at +9 h: the answer
  EXPECT_EQ(*Stored(cert_id_).next_renewal_at, issued + hours(48));
  EXPECT_EQ(SweepRunAt(), t0 + hours(15)) << "back on the CA's schedule";
}

// A window the certificate would not live to see (a hostile or broken CA) is not followed.
TEST_F(EngineAriPollTest, AWindowOpeningAfterTheCertificateExpiresIsNotFollowed) {
  const core::TimePoint issued = clock_.Now();
  core::Certificate cert = IssueUnder(Window(issued + hours(24 * 50)));
  StartSweep();
  RunSweep();
  const size_t lines = Messages(cert_id_).size();
  acme_.SetRenewalInfo(Window(*cert.expires_at + hours(1)));
  RunSweep();
  EXPECT_EQ(Stored(cert_id_).next_renewal_at, cert.next_renewal_at);
  EXPECT_EQ(Messages(cert_id_).size(), lines);
  EXPECT_EQ(SweepRunAt(), *cert.issued_at + hours(12)) << "asked again on schedule";
}

TEST_F(EngineAriPollTest, OneSweepRunAsksAtMostSweepBatchWindowsThenGoesOnAtOnce) {
  config_.sweep_batch = 3;
  UseEngine(&dns_);
  const core::TimePoint issued = clock_.Now();
  for (int i = 0; i < 7; ++i) {
    IssueUnder(Window(issued + hours(24 * 50)), "h" + std::to_string(i) + ".example.com");
  }
  clock_.Set(clock_.Now() + hours(7));  // every check is due
  StartSweep();
  const size_t calls = AriCalls();
  RunSweep();
  EXPECT_EQ(AriCalls(), calls + 3);
  EXPECT_EQ(SweepRunAt(), clock_.Now()) << "a full batch: the next one at once";
  RunSweep();
  EXPECT_EQ(AriCalls(), calls + 6);
  RunSweep();
  EXPECT_EQ(AriCalls(), calls + 7);
  EXPECT_GT(SweepRunAt(), clock_.Now()) << "all asked: the sweep sleeps";
}

}  // namespace
}  // namespace certadns::issuance
