// Renewal timing on a fake clock: the backoff schedule of failed renewals (1 h doubling up to
// the 24-32 h cap, stopping at expiry, a CA's rateLimited Retry-After honoured), a failed
// first issuance retried by `renew`, and 1,000 renewals falling due together spread out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "crypto/x509.h"
#include "issuance/job_state.h"
#include "issuance/renewal_schedule.h"
#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using core::CertificateState;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

TEST(RenewalRetryTimeTest, WaitsAsLongAsOverdueBetweenTheFirstDelayAndTheCapPlusJitter) {
  const core::TimePoint due = test::FakeClock::DefaultStart();
  const RenewalRetryPolicy policy;  // 1 h .. 24 h
  EXPECT_EQ(RenewalRetryTime(due, due, policy, 0.0), due + hours(1));
  EXPECT_EQ(RenewalRetryTime(due, due + hours(5), policy, 0.0), due + hours(10));
  EXPECT_EQ(RenewalRetryTime(due, due + hours(100), policy, 0.0), due + hours(124));
  EXPECT_EQ(RenewalRetryTime(due, due + hours(100), policy, 0.999999),
            due + hours(100) + hours(32) - std::chrono::milliseconds(29));
  // Before its due time (a manual renewal): the first delay.
  EXPECT_EQ(RenewalRetryTime(due + hours(48), due, policy, 0.0), due + hours(1));
}

TEST(RenewalStartDelayTest, IsAJitteredShareOfTheSpreadButAtMostAQuarterOfTheLifeLeft) {
  const core::TimePoint now = test::FakeClock::DefaultStart();
  EXPECT_EQ(RenewalStartDelay(now, now + hours(24 * 30), hours(1), 0.5), minutes(30));
  EXPECT_EQ(RenewalStartDelay(now, now + std::chrono::seconds(20), hours(1), 1.0),
            std::chrono::seconds(5));
  EXPECT_EQ(RenewalStartDelay(now, now - hours(1), hours(1), 1.0), core::Duration(0));
}

class EngineRenewalTest : public EngineTest {
 protected:
  core::Certificate Issue(const std::string& name) {
    auto cert = service_->Request({kOwner, kZoneId, kZone, name, {}, /*auto_renew=*/true});
    EXPECT_TRUE(cert.ok());
    RunJobOf(cert->id);
    return Stored(cert->id);
  }
  void RunJobOf(const std::string& id) {
    for (int i = 0; i < 500; ++i) {
      auto jobs = store_->ListJobs(id);
      if (!jobs.ok() || jobs->empty() || !Step()) return;
    }
    ADD_FAILURE() << "runaway job";
  }
  void SeededJitter(unsigned seed) {
    auto random = std::make_shared<std::mt19937>(seed);
    config_.jitter = [random] { return std::uniform_real_distribution<double>(0, 1)(*random); };
  }
};

// A renewal that keeps failing: attempts 1 h, 1 h, 2 h, 4 h, ... apart (each up to a third
// longer, the jitter), then 24-32 h apart, until the certificate expires; then it is expired.
// Each attempt and the next attempt's time are in the log; next_renewal_at stays in the past.
TEST_F(EngineRenewalTest, FailedRenewalsBackOffExponentiallyUpToTheCapUntilExpiry) {
  SeededJitter(7);
  config_.renewal_spread = core::Duration(0);  // the backoff alone
  UseEngine(&dns_);
  core::Certificate first = Issue("app.example.com");
  ASSERT_EQ(first.status, CertificateState::kIssued);
  acme_.SetBehavior("app.example.com",
                    {.problem = acme::Problem{"urn:ietf:params:acme:error:dns", "NXDOMAIN",
                                              400, {}}});
  clock_.Set(*first.next_renewal_at);
  StartSweep();

  std::vector<core::TimePoint> attempts;  // each renewal job's first step
  std::string last_job;
  for (int i = 0; i < 20000 && clock_.Now() <= *first.expires_at; ++i) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->commit.job.kind == store::JobKind::kRenew && ran->commit.job.id != last_job) {
      last_job = ran->commit.job.id;
      attempts.push_back(ran->at);
    }
    if (ran->commit.job.kind == store::JobKind::kSweep &&
        ran->commit.job.run_at > *first.expires_at + hours(1)) {
      break;  // nothing left to do
    }
  }
  ASSERT_GE(attempts.size(), 10u);
  EXPECT_EQ(attempts.front(), *first.next_renewal_at);
  bool capped = false;
  for (size_t k = 1; k < attempts.size(); ++k) {
    SCOPED_TRACE("attempt " + std::to_string(k + 1));
    auto gap = attempts[k] - attempts[k - 1];
    auto overdue = attempts[k - 1] - *first.next_renewal_at;
    core::Duration base = std::clamp<core::Duration>(
        std::chrono::duration_cast<core::Duration>(overdue), hours(1), hours(24));
    EXPECT_GE(gap, base);
    EXPECT_LE(gap, base + base / 3 + std::chrono::seconds(1));  // steps take fake seconds
    EXPECT_LE(gap, hours(32) + std::chrono::seconds(1));
    capped = capped || gap >= hours(24);
  }
  EXPECT_TRUE(capped) << "the cap is reached within the 30 days before expiry";
  EXPECT_LT(attempts.back(), *first.expires_at);

  core::Certificate last = Stored(first.id);
  EXPECT_EQ(last.status, CertificateState::kExpired);
  EXPECT_EQ(last.serial, first.serial);
  EXPECT_EQ(last.next_renewal_at, first.next_renewal_at) << "stays in the past";
  auto messages = Messages(first.id);
  size_t starts = 0, next = 0;
  for (const std::string& m : messages) {
    starts += m.find("Automatic renewal started") != std::string::npos;
    next += m.find("Next attempt at ") != std::string::npos;
  }
  EXPECT_EQ(starts, attempts.size());
  EXPECT_EQ(next, attempts.size() - 1);
  EXPECT_THAT(messages, Contains(HasSubstr("No further attempt: the certificate expires")));
  EXPECT_THAT(messages, Contains(HasSubstr("Certificate expired on")));
  EXPECT_THAT(messages.back(), HasSubstr("Certificate expired on"));
}

// A CA's rateLimited problem with a Retry-After longer than a step waits out: the renewal
// fails, and its next attempt is not before the time the CA named.
TEST_F(EngineRenewalTest, ARateLimitedRenewalIsNotRetriedBeforeTheCasRetryAfter) {
  core::Certificate first = Issue("app.example.com");
  clock_.Set(*first.next_renewal_at);
  core::Error limited(core::ErrorCode::kResourceExhausted, "too many certificates already");
  limited.WithRetryAfter(10 * 3600);
  acme_.FailNext(AcmeMethod::kNewOrder, 1, limited);
  StartSweep();
  const core::TimePoint limited_at = clock_.Now();
  std::vector<core::TimePoint> orders;
  for (int i = 0; i < 500 && orders.size() < 2; ++i) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->commit.job.kind == store::JobKind::kRenew && ran->step == steps::kOrder &&
        (orders.empty() || ran->at != orders.back())) {
      orders.push_back(ran->at);
    }
  }
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0], limited_at);
  EXPECT_GE(orders[1], limited_at + hours(10));
  EXPECT_THAT(Messages(first.id), Contains(HasSubstr("too many certificates already")));
}

// A first issuance that fails is `failed`; `renew` tries it again.
TEST_F(EngineRenewalTest, AFailedFirstIssuanceIsFailedAndRenewRetriesIt) {
  acme_.SetBehavior("app.example.com",
                    {.problem = acme::Problem{"urn:ietf:params:acme:error:dns", "NXDOMAIN",
                                              400, {}}});
  core::Certificate failed = Issue("app.example.com");
  EXPECT_EQ(failed.status, CertificateState::kFailed);
  EXPECT_THAT(Messages(failed.id), Contains(HasSubstr("Issuance failed")));

  acme_.SetBehavior("app.example.com", {});
  auto renewing = service_->Renew(kOwner, failed.id);
  ASSERT_TRUE(renewing.ok()) << renewing.error().message();
  RunJobOf(failed.id);
  EXPECT_EQ(Stored(failed.id).status, CertificateState::kIssued);
}

// 1,000 certificates falling due within one minute: their renewals reach the CA (NewOrder)
// spread over the spread window (an hour), no minute holding more than about twice the even
// share. (The certificates are put in place directly, and the CA refuses each renewal at
// once: only when the CA is asked matters here, and 1,000 real issuances would be slow.)
TEST_F(EngineRenewalTest, AThousandRenewalsDueTogetherAreSpreadOverTheWindow) {
  SeededJitter(42);
  UseEngine(&dns_);
  constexpr int kCount = 1000;
  const core::TimePoint due = clock_.Now() + hours(24 * 10);
  for (int i = 0; i < kCount; ++i) {
    auto cert = service_->Request(
        {kOwner, kZoneId, kZone, "h" + std::to_string(i) + ".example.com", {}, true});
    ASSERT_TRUE(cert.ok());
    auto job = store_->ClaimJob("w1", clock_.Now(), lease_);
    ASSERT_TRUE(job.ok() && job->has_value());
    core::Certificate c = *cert;
    c.status = CertificateState::kIssued;
    c.issued_at = clock_.Now();
    c.expires_at = due + hours(24 * 30);
    c.next_renewal_at = due + std::chrono::milliseconds(50 * i);  // all within one minute
    ASSERT_TRUE(store_->CommitStep("w1", {**job, true, c, std::nullopt, {}}).ok());
  }
  acme_.FailNext(AcmeMethod::kNewOrder, kCount,
                 core::Error(core::ErrorCode::kInvalidArgument, "refused for the test"));
  clock_.Set(due);
  StartSweep();

  std::map<int64_t, int> per_minute;
  std::set<std::string> asked;
  for (int i = 0; i < 20 * kCount && static_cast<int>(asked.size()) < kCount; ++i) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->commit.job.kind == store::JobKind::kRenew && ran->step == steps::kOrder &&
        asked.insert(ran->commit.job.certificate_id).second) {
      ++per_minute[std::chrono::duration_cast<minutes>(ran->at - due).count()];
    }
  }
  ASSERT_EQ(asked.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kNewOrder), static_cast<size_t>(kCount));
  int busiest = 0;
  for (const auto& [minute, count] : per_minute) {
    EXPECT_GE(minute, 0);
    EXPECT_LE(minute, 60);
    busiest = std::max(busiest, count);
  }
  EXPECT_GE(per_minute.size(), 55u) << "nearly every minute of the hour has some";
  EXPECT_LE(busiest, 2 * kCount / 60) << "no burst";
}

// ARI (RFC 9773), with windows shaped like the RFC's example (one day wide, an explanation
// URL): the CA's window decides the renewal time, a renewal not yet due moves into it, and
// the order names the certificate it replaces.
acme::RenewalInfo Window(core::TimePoint start, core::Duration width = hours(24)) {
  return acme::RenewalInfo{start, start + width, "https://acme.example.com/docs/ari", 21600};
}

TEST(PickInWindowTest, IsUniformInTheWindowsFuturePartAndNowOnceItIsOver) {
  const core::TimePoint t = test::FakeClock::DefaultStart();
  EXPECT_EQ(PickInWindow(t + hours(10), t + hours(34), t, 0.0), t + hours(10));
  EXPECT_EQ(PickInWindow(t + hours(10), t + hours(34), t, 0.5), t + hours(22));
  EXPECT_EQ(PickInWindow(t - hours(10), t + hours(10), t, 0.5), t + hours(5));
  EXPECT_EQ(PickInWindow(t - hours(34), t - hours(10), t, 0.5), t) << "a past window: now";
}

TEST_F(EngineRenewalTest, TheCasAriWindowPlansTheRenewalInsteadOfTheDefaultRule) {
  SeededJitter(3);
  UseEngine(&dns_);
  const core::TimePoint start = clock_.Now() + hours(24 * 50);
  acme_.SetRenewalInfo(Window(start));
  core::Certificate cert = Issue("app.example.com");
  ASSERT_EQ(cert.status, CertificateState::kIssued);
  EXPECT_GE(*cert.next_renewal_at, start);
  EXPECT_LT(*cert.next_renewal_at, start + hours(24));
  EXPECT_NE(*cert.next_renewal_at, *cert.expires_at - hours(24 * 30)) << "not the default rule";
  EXPECT_THAT(Messages(cert.id),
              Contains(AllOf(HasSubstr("ARI: the CA suggests renewing between " +
                                       core::FormatRfc3339(start)),
                             HasSubstr("https://acme.example.com/docs/ari"),
                             HasSubstr("renewal planned at " +
                                       core::FormatRfc3339(*cert.next_renewal_at)))));
  auto calls = acme_.Calls();
  EXPECT_EQ(calls.back().method, AcmeMethod::kGetRenewalInfo);
  EXPECT_EQ(calls.back().url, *crypto::AriCertificateId(cert.certificate_pem));
}

TEST_F(EngineRenewalTest, AWindowAlreadyPastMeansRenewNow) {
  acme_.SetRenewalInfo(Window(clock_.Now() - hours(48)));
  core::Certificate cert = Issue("app.example.com");
  EXPECT_EQ(*cert.next_renewal_at, clock_.Now());
}

TEST_F(EngineRenewalTest, WithoutAReadableWindowTheDefaultRuleApplies) {
  acme_.FailNext(AcmeMethod::kGetRenewalInfo, 1);
  core::Certificate cert = Issue("app.example.com");
  EXPECT_EQ(*cert.next_renewal_at, *cert.expires_at - hours(24 * 30));
  EXPECT_THAT(Messages(cert.id), Contains(HasSubstr("ARI: cannot read the CA's renewal window")));
}

TEST_F(EngineRenewalTest, AnAutomaticRenewalTheWindowMovedLaterWaitsForItThenReplaces) {
  core::Certificate first = Issue("app.example.com");  // no ARI yet: the default rule
  const std::string first_id = *crypto::AriCertificateId(first.certificate_pem);
  // The CA now says: later (a window starting 5 days after the default renewal time).
  const core::TimePoint start = *first.next_renewal_at + hours(24 * 5);
  acme_.SetRenewalInfo(Window(start));
  clock_.Set(*first.next_renewal_at);
  StartSweep();
  const size_t orders_before = acme_.OrderCount();
  std::optional<bool> inside;
  for (int i = 0; i < 500 && Stored(first.id).serial == first.serial; ++i) {
    auto ran = Step();
    ASSERT_TRUE(ran.has_value());
    if (ran->commit.job.kind == store::JobKind::kRenew && ran->step == steps::kOrder &&
        !ran->commit.finished) {
      inside = InsideAriWindow(ran->commit.job);
    }
  }
  core::Certificate renewed = Stored(first.id);
  ASSERT_NE(renewed.serial, first.serial);
  EXPECT_EQ(acme_.OrderCount(), orders_before + 1) << "no order before the window";
  EXPECT_THAT(Messages(first.id), Contains(HasSubstr("automatic renewal moved to")));
  ASSERT_EQ(acme_.Replaces().size(), 1u);
  EXPECT_EQ(acme_.Replaces()[0], first_id);
  ASSERT_TRUE(inside.has_value());
  EXPECT_TRUE(*inside) << "the renewal is inside the ARI window";
}

// A manual renewal is the user's: ARI does not defer it (it still names what it replaces).
TEST_F(EngineRenewalTest, AManualRenewalIsNotDeferredByTheWindow) {
  core::Certificate first = Issue("app.example.com");
  acme_.SetRenewalInfo(Window(clock_.Now() + hours(24 * 40)));
  ASSERT_TRUE(service_->Renew(kOwner, first.id).ok());
  RunJobOf(first.id);
  EXPECT_NE(Stored(first.id).serial, first.serial);
  ASSERT_EQ(acme_.Replaces().size(), 1u);
}

}  // namespace
}  // namespace certadns::issuance
