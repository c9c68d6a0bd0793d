// Let's Encrypt's limits, known before asking (issuance/rate_limits.h): each limit refuses
// with its code, the user's words and when it frees up (a fake clock steps through the
// windows), requests racing for the last slot get it once, and an automatic or manual
// renewal the limits refuse is not ordered: the certificate stays issued with the reason in
// its log, and the sweep tries again when the limit frees up. The engine runs against the
// fake ACME client and the in-memory store.
#include <atomic>
#include <thread>

#include "issuance/rate_limits.h"
#include "unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using core::CertificateState;
using std::chrono::hours;
using std::chrono::minutes;

constexpr char kAccount[] = "https://acme.test/directory";

class RateLimitsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    limits_ = std::make_unique<RateLimiter>(ledger(), clock_, kAccount);
    engine_->SetRateLimiter(limits_.get());
    service_->SetRateLimiter(limits_.get());
  }

  store::RateLimitLedger& ledger() { return dynamic_cast<store::RateLimitLedger&>(*store_); }

  core::Result<core::Certificate> TryRequest(const std::string& domain,
                                             std::vector<std::string> sans = {},
                                             bool auto_renew = false) {
    return service_->Request({kOwner, kZoneId, kZone, domain, std::move(sans), auto_renew});
  }

  /// Requests `domain` and runs its job to the end; returns the stored certificate.
  core::Certificate IssueNow(const std::string& domain, bool auto_renew = false) {
    auto cert = TryRequest(domain, {}, auto_renew);
    EXPECT_TRUE(cert.ok()) << cert.error().message();
    if (!cert.ok()) return {};
    cert_id_ = cert->id;
    RunJobOf(cert_id_);
    return Stored(cert_id_);
  }

  bool HasRenewalJob() {
    auto jobs = store_->ListJobs(cert_id_);
    return jobs.ok() && !jobs->empty() && (*jobs)[0].kind == store::JobKind::kRenew;
  }

  /// Expects `refused` to be the limit `code` saying `words`, freeing up at `frees_at`.
  void ExpectRefused(const core::Status& refused, std::string_view code, const std::string& words,
                     core::TimePoint frees_at) {
    ASSERT_FALSE(refused.ok()) << "the limit let it pass";
    const core::Error& e = refused.error();
    EXPECT_EQ(e.code(), core::ErrorCode::kResourceExhausted);
    EXPECT_EQ(e.reason(), code);
    EXPECT_EQ(e.message(), "Let's Encrypt allows " + words + "; the next one is possible at " +
                               core::FormatRfc3339(frees_at));
    ASSERT_TRUE(e.retry_after_s().has_value());
    EXPECT_EQ(*e.retry_after_s(),
              std::chrono::ceil<std::chrono::seconds>(frees_at - clock_.Now()).count());
  }

  /// Records `count` certificates for `name_set` placed elsewhere (other accounts, or
  /// deleted ones), now.
  void FillDuplicates(const std::string& name_set, int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(ledger().RecordOrder({"job_other" + std::to_string(i), "cert_other", kAccount,
                                       name_set, {"example.com"}, clock_.Now()})
                      .ok());
    }
  }

  /// How many certificates for `name_set` the ledger counts in the duplicate window.
  int64_t DuplicatesCounted(const std::string& name_set) {
    auto counts = ledger().CountLedger({.name_set = name_set,
                                       .duplicates_since = clock_.Now() - hours(24 * 7),
                                       .acme_account = kAccount});
    EXPECT_TRUE(counts.ok());
    return counts.ok() ? counts->duplicates.count : -1;
  }

  static core::Status StatusOf(const core::Result<core::Certificate>& r) {
    if (r.ok()) return core::Ok();
    return r.error();
  }

  std::unique_ptr<RateLimiter> limits_;
};

TEST_F(RateLimitsTest, FiftyCertificatesPerRegisteredDomainPerSevenDaysAcrossNames) {
  const core::TimePoint first = clock_.Now();
  ASSERT_TRUE(TryRequest("host0.example.com").ok());
  clock_.Advance(hours(1));
  for (int i = 1; i < 50; ++i) {
    ASSERT_TRUE(TryRequest("host" + std::to_string(i) + ".example.com").ok()) << i;
  }
  auto refused = TryRequest("www.example.com");
  ExpectRefused(StatusOf(refused), kRegisteredDomainLimit,
                "50 certificates per registered domain (example.com) per 7 days",
                first + hours(24 * 7));
  EXPECT_EQ(store_->ListCertificates(kOwner)->size(), 50u) << "nothing created";

  // Another registered domain is not affected; the slot frees up when the first leaves.
  EXPECT_TRUE(TryRequest("www.example.org").ok());
  clock_.Set(first + hours(24 * 7));
  EXPECT_TRUE(TryRequest("www.example.com").ok());
}

TEST_F(RateLimitsTest, FiveDuplicateCertificatesPerSevenDays) {
  const core::TimePoint first = clock_.Now();
  for (int i = 0; i < 5; ++i) {
    core::Certificate issued = IssueNow("app.example.com");
    ASSERT_EQ(issued.status, CertificateState::kIssued) << i;
    ASSERT_TRUE(store_->DeleteCertificate(kOwner, issued.id).ok());  // the user starts over
    clock_.Advance(hours(2));
  }
  auto refused = TryRequest("app.example.com");
  ExpectRefused(StatusOf(refused), kDuplicateLimit,
                "5 certificates for the same set of names (app.example.com) per 7 days",
                first + hours(24 * 7));
  EXPECT_TRUE(store_->ListCertificates(kOwner)->empty()) << "nothing created";
  // Another set of names (one more SAN) is not a duplicate.
  EXPECT_TRUE(TryRequest("app.example.com", {"www.example.com"}).ok());
}

TEST_F(RateLimitsTest, ThreeHundredNewOrdersPerAccountPerThreeHours) {
  // Straight through the limiter: 300 orders on 300 registered domains.
  const core::TimePoint first = clock_.Now();
  for (int i = 0; i < 300; ++i) {
    auto admitted = limits_->Admit({.id = "job_" + std::to_string(i),
                                    .certificate_id = "cert_" + std::to_string(i),
                                    .names = {"www.domain" + std::to_string(i) + ".com"}});
    ASSERT_TRUE(admitted.ok()) << i << ": " << admitted.error().message();
    if (i == 0) clock_.Advance(minutes(30));
  }
  auto refused = limits_->Admit({.id = "job_x", .certificate_id = "cert_x",
                                 .names = {"www.another.com"}});
  ExpectRefused(refused, kNewOrdersLimit, "300 new orders per ACME account per 3 hours",
                first + hours(3));
  // Another ACME account (another CA directory) has its own budget.
  RateLimiter other(ledger(), clock_, "https://other-ca.test/directory");
  EXPECT_TRUE(other.Admit({.id = "job_y", .certificate_id = "cert_y",
                           .names = {"www.another.com"}})
                  .ok());
  clock_.Set(first + hours(3));
  EXPECT_TRUE(limits_->Admit({.id = "job_x", .certificate_id = "cert_x",
                              .names = {"www.another.com"}})
                  .ok());
}

TEST_F(RateLimitsTest, FiveFailedValidationsPerHostnamePerHour) {
  // CAA forbids issuance: the CA fails the validation, and a new order would fail again.
  acme_.SetBehavior(
      "www.example.com",
      {.problem = acme::Problem{"urn:ietf:params:acme:error:caa", "CAA forbids", 403, {}}});
  const core::TimePoint first = clock_.Now();
  core::TimePoint first_done;
  for (int i = 0; i < 5; ++i) {
    core::Certificate failed = IssueNow("www.example.com");
    ASSERT_EQ(failed.status, CertificateState::kFailed) << i;
    if (i == 0) {
      first_done = clock_.Now();
      clock_.Set(first + minutes(10));
    }
  }
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kNewOrder), 5u);
  // The slot frees up an hour after the first failure (during the first attempt).
  auto counted = ledger().CountLedger({.acme_account = kAccount,
                                      .hostnames = {"www.example.com"},
                                      .failures_since = first - minutes(1),
                                      .failure_limit = 5});
  ASSERT_TRUE(counted.ok());
  const store::LedgerWindow& window = counted->failed_validations["www.example.com"];
  EXPECT_EQ(window.count, 5);
  ASSERT_TRUE(window.pivot.has_value());
  EXPECT_GE(*window.pivot, first);
  EXPECT_LE(*window.pivot, first_done);

  auto refused = TryRequest("www.example.com");
  ExpectRefused(StatusOf(refused), kFailedValidationsLimit,
                "5 failed validations per hostname (www.example.com) per hour",
                *window.pivot + hours(1));
  EXPECT_EQ(acme_.CallCount(AcmeMethod::kNewOrder), 5u) << "no order placed";
  // A wildcard validates the same hostname; other hostnames are not affected.
  EXPECT_EQ(StatusOf(TryRequest("*.www.example.com")).error().reason(), kFailedValidationsLimit);
  EXPECT_TRUE(TryRequest("api.example.com").ok());

  // Failed orders issued nothing: they are no duplicate certificates, but orders all the same.
  auto counts = ledger().CountLedger({.name_set = "www.example.com",
                                     .duplicates_since = first - minutes(1),
                                     .acme_account = kAccount,
                                     .orders_since = first - minutes(1)});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->duplicates.count, 0);
  EXPECT_EQ(counts->orders.count, 6);
  clock_.Set(*window.pivot + hours(1));
  EXPECT_TRUE(TryRequest("www.example.com").ok());
}

TEST_F(RateLimitsTest, RacingRequestsNeverBothTakeTheLastSlot) {
  for (int i = 0; i < 49; ++i) {
    ASSERT_TRUE(TryRequest("host" + std::to_string(i) + ".example.com").ok()) << i;
  }
  std::atomic<int> created{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = TryRequest("race" + std::to_string(i) + ".example.com");
      if (r.ok()) {
        ++created;
      } else if (r.error().reason() == kRegisteredDomainLimit) {
        ++limited;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(limited.load(), 7);
  EXPECT_EQ(store_->ListCertificates(kOwner)->size(), 50u);
}

TEST_F(RateLimitsTest, ARefusedAutomaticRenewalStaysIssuedAndIsRetriedWhenTheLimitFreesUp) {
  core::Certificate issued = IssueNow("app.example.com", /*auto_renew=*/true);
  ASSERT_EQ(issued.status, CertificateState::kIssued);
  // Shortly before it falls due, five certificates for the same names (other accounts, or
  // deleted ones) fill the duplicate limit.
  clock_.Set(*issued.next_renewal_at - hours(1));
  const core::TimePoint filled = clock_.Now();
  FillDuplicates("app.example.com", 5);
  const size_t orders_before = acme_.OrderCount();
  clock_.Set(*issued.next_renewal_at);
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  ASSERT_TRUE(Step());  // the sweep starts the renewal; its order step asks the limits
  RunJobOf(cert_id_);
  EXPECT_EQ(acme_.OrderCount(), orders_before) << "not ordered";
  EXPECT_FALSE(HasRenewalJob()) << "the job finished";
  core::Certificate after = Stored(cert_id_);
  EXPECT_EQ(after.status, CertificateState::kIssued);
  EXPECT_EQ(after.serial, issued.serial);
  const core::TimePoint frees_at = filled + hours(24 * 7);
  EXPECT_THAT(Messages(cert_id_),
              Contains("Automatic renewal not ordered: Let's Encrypt allows 5 certificates for "
                       "the same set of names (app.example.com) per 7 days; the next one is "
                       "possible at " +
                       core::FormatRfc3339(frees_at) +
                       ". It is tried again then; the current certificate stays in place."));
  ASSERT_TRUE(after.next_renewal_at.has_value());
  EXPECT_EQ(*after.next_renewal_at, frees_at);

  // A manual renewal meanwhile is refused the same way, with nothing changed.
  auto manual = service_->Renew(kOwner, cert_id_);
  ASSERT_FALSE(manual.ok());
  EXPECT_EQ(manual.error().reason(), kDuplicateLimit);
  EXPECT_EQ(Stored(cert_id_).status, CertificateState::kIssued);
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("Renewal not ordered: Let's Encrypt allows")));

  // The sweep (every 15 minutes) tries again once the limit frees up, and then renews.
  for (int i = 0; i < 1000 && !HasRenewalJob(); ++i) ASSERT_TRUE(Step());
  ASSERT_TRUE(HasRenewalJob());
  EXPECT_GE(clock_.Now(), frees_at);
  RunJobOf(cert_id_);
  EXPECT_NE(Stored(cert_id_).serial, issued.serial);
}

TEST_F(RateLimitsTest, ARenewalInsideItsAriWindowIsExemptButCounted) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ledger().RecordOrder({"job_other" + std::to_string(i), "cert_other", kAccount,
                                     "app.example.com", {"example.com"}, clock_.Now()})
                    .ok());
  }
  core::Certificate cert;
  cert.id = "cert_ari";
  cert.domain = "app.example.com";
  cert.serial = "0a1b";
  EXPECT_EQ(limits_->AdmitRenewal(cert, "job_a", /*inside_ari_window=*/false).error().reason(),
            kDuplicateLimit);
  EXPECT_TRUE(limits_->AdmitRenewal(cert, "job_b", /*inside_ari_window=*/true).ok());
  auto counts = ledger().CountLedger({.name_set = "app.example.com",
                                     .duplicates_since = clock_.Now() - hours(1),
                                     .acme_account = kAccount});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->duplicates.count, 6);
}

// The sweep's automatic renewal is admitted by the order step, once it has read the CA's ARI
// window: a renewal inside the window is ordered even with the limit full, as Let's Encrypt
// exempts it, and counted.
TEST_F(RateLimitsTest, AnAutomaticRenewalInsideItsAriWindowIsOrderedWithTheLimitFull) {
  core::Certificate issued = IssueNow("app.example.com", /*auto_renew=*/true);
  ASSERT_EQ(issued.status, CertificateState::kIssued);
  clock_.Set(*issued.next_renewal_at - hours(1));
  FillDuplicates("app.example.com", 5);
  // The CA's window started two hours before the default renewal time.
  acme_.SetRenewalInfo(acme::RenewalInfo{*issued.next_renewal_at - hours(2),
                                         *issued.next_renewal_at + hours(22), "", 0});
  const size_t orders_before = acme_.OrderCount();
  clock_.Set(*issued.next_renewal_at);
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  ASSERT_TRUE(Step());  // the sweep
  ASSERT_TRUE(HasRenewalJob());
  // Until it is renewed (the fake CA suggests the same window for the new certificate).
  for (int i = 0; i < 500 && Stored(cert_id_).serial == issued.serial; ++i) ASSERT_TRUE(Step());
  core::Certificate renewed = Stored(cert_id_);
  EXPECT_EQ(renewed.status, CertificateState::kIssued);
  EXPECT_NE(renewed.serial, issued.serial) << "renewed despite the full limit";
  EXPECT_EQ(acme_.OrderCount(), orders_before + 1);
  EXPECT_THAT(Messages(cert_id_), Not(Contains(HasSubstr("not ordered"))));
  EXPECT_EQ(DuplicatesCounted("app.example.com"), 6) << "exempt, but counted";
}

// A renewal the CA's window moves later places no order: it holds no slot meanwhile.
TEST_F(RateLimitsTest, AnAutomaticRenewalTheAriWindowMovesLaterHoldsNoSlot) {
  core::Certificate issued = IssueNow("app.example.com", /*auto_renew=*/true);
  clock_.Set(*issued.next_renewal_at - hours(1));
  FillDuplicates("app.example.com", 3);
  acme_.SetRenewalInfo(acme::RenewalInfo{*issued.next_renewal_at + hours(24 * 5),
                                         *issued.next_renewal_at + hours(24 * 6), "", 0});
  const size_t orders_before = acme_.OrderCount();
  clock_.Set(*issued.next_renewal_at);
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  ASSERT_TRUE(Step());  // the sweep
  ASSERT_TRUE(HasRenewalJob());
  RunJobOf(cert_id_);
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("automatic renewal moved to")));
  EXPECT_EQ(acme_.OrderCount(), orders_before);
  // The three others only (the first issuance has left the window): the moved renewal
  // reserved nothing.
  EXPECT_EQ(DuplicatesCounted("app.example.com"), 3);
}

// The order step runs again after its order request failed: the slot it took is its own.
TEST_F(RateLimitsTest, AnAutomaticRenewalRetryingItsOrderKeepsItsOneSlot) {
  core::Certificate issued = IssueNow("app.example.com", /*auto_renew=*/true);
  clock_.Set(*issued.next_renewal_at - hours(1));
  FillDuplicates("app.example.com", 4);  // one slot left
  acme_.FailNext(AcmeMethod::kNewOrder, 1);
  clock_.Set(*issued.next_renewal_at);
  ASSERT_TRUE(store_->EnqueueJob(Engine::SweepJob(clock_.Now())).ok());
  ASSERT_TRUE(Step());  // the sweep
  ASSERT_TRUE(HasRenewalJob());
  RunJobOf(cert_id_);
  EXPECT_NE(Stored(cert_id_).serial, issued.serial);
  EXPECT_THAT(Messages(cert_id_), Contains(HasSubstr("Step order failed, retrying")));
  EXPECT_THAT(Messages(cert_id_), Not(Contains(HasSubstr("not ordered"))));
  EXPECT_EQ(DuplicatesCounted("app.example.com"), 5);
}

TEST_F(RateLimitsTest, ARenewalIsExemptFromTheRegisteredDomainLimit) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(ledger().RecordOrder({"job_other" + std::to_string(i), "cert_other", kAccount,
                                     "h" + std::to_string(i) + ".example.com", {"example.com"},
                                     clock_.Now()})
                    .ok());
  }
  core::Certificate cert;
  cert.id = "cert_r";
  cert.domain = "app.example.com";
  // Never issued (its first issuance failed): retrying it is a new certificate.
  EXPECT_EQ(limits_->AdmitRenewal(cert, "job_new", /*inside_ari_window=*/false).error().reason(),
            kRegisteredDomainLimit);
  cert.serial = "0a1b";  // issued before: a renewal
  EXPECT_TRUE(limits_->AdmitRenewal(cert, "job_r", /*inside_ari_window=*/false).ok());
  EXPECT_EQ(StatusOf(TryRequest("new.example.com")).error().reason(), kRegisteredDomainLimit);
}

}  // namespace
}  // namespace certadns::issuance
