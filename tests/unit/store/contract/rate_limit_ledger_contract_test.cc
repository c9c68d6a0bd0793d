// The RateLimitLedger contract (store/rate_limit_ledger.h), on every backend: what each window
// counts, the pivot that says when a slot frees up, reservations that admit or refuse, one
// reservation at a time however many threads race for the last slot, released orders that
// stop counting as certificates, idempotent failure records, and pruning.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/rate_limit_ledger.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class RateLimitLedgerContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ledger_ = dynamic_cast<RateLimitLedger*>(store_.get());
    ASSERT_NE(ledger_, nullptr) << GetParam().name << " keeps no rate-limit ledger";
  }

  LedgerOrder Order(const std::string& id, const std::string& names,
                    std::vector<std::string> domains = {"example.com"}) {
    return LedgerOrder{id, "cert_" + id, kAccount, names, std::move(domains), clock_.Now()};
  }

  LedgerQuery Query(const std::string& names, int64_t limit = 5) {
    LedgerQuery q;
    q.registered_domains = {"example.com"};
    q.domains_since = clock_.Now() - hours(24 * 7);
    q.domain_limit = limit;
    q.name_set = names;
    q.duplicates_since = clock_.Now() - hours(24 * 7);
    q.duplicate_limit = limit;
    q.acme_account = kAccount;
    q.orders_since = clock_.Now() - hours(3);
    q.order_limit = limit;
    q.hostnames = {"www.example.com"};
    q.failures_since = clock_.Now() - hours(1);
    q.failure_limit = limit;
    return q;
  }

  LedgerCounts Counts(const LedgerQuery& q) {
    auto counts = ledger_->CountLedger(q);
    EXPECT_TRUE(counts.ok()) << counts.error().message();
    return counts.ok() ? *counts : LedgerCounts{};
  }

  static constexpr char kAccount[] = "https://acme.test/directory";
  RateLimitLedger* ledger_ = nullptr;
};

TEST_P(RateLimitLedgerContract, CountsEachKindInsideItsWindowWithThePivot) {
  const core::TimePoint first = clock_.Now();
  ASSERT_TRUE(ledger_->RecordOrder(Order("o1", "a.example.com")).ok());
  clock_.Advance(minutes(10));
  ASSERT_TRUE(ledger_->RecordOrder(Order("o2", "a.example.com")).ok());
  clock_.Advance(minutes(10));
  ASSERT_TRUE(ledger_->RecordOrder(Order("o3", "b.example.com", {"example.com", "example.org"}))
                  .ok());
  ASSERT_TRUE(ledger_->RecordOrder(Order("o4", "c.other.net", {"other.net"})).ok());

  LedgerCounts counts = Counts(Query("a.example.com", 2));
  EXPECT_EQ(counts.certificates_per_domain["example.com"].count, 3);
  // Three counted, two allowed: a new one fits once two have left, the second oldest last.
  ASSERT_TRUE(counts.certificates_per_domain["example.com"].pivot.has_value());
  EXPECT_EQ(*counts.certificates_per_domain["example.com"].pivot, first + minutes(10));
  EXPECT_EQ(counts.duplicates.count, 2);
  ASSERT_TRUE(counts.duplicates.pivot.has_value());
  EXPECT_EQ(*counts.duplicates.pivot, first);
  EXPECT_EQ(counts.orders.count, 4);
  EXPECT_EQ(counts.failed_validations["www.example.com"].count, 0);
  EXPECT_FALSE(counts.failed_validations["www.example.com"].pivot.has_value());

  // Under the limit: no pivot. Outside the window: not counted.
  LedgerCounts roomy = Counts(Query("a.example.com", 10));
  EXPECT_FALSE(roomy.duplicates.pivot.has_value());
  clock_.Advance(hours(3) - minutes(5));  // o1 and o2 are now more than 3 h old
  EXPECT_EQ(Counts(Query("a.example.com")).orders.count, 2);
}

TEST_P(RateLimitLedgerContract, ThePivotIsTheEventWhoseLeavingBringsTheCountUnderTheLimit) {
  std::vector<core::TimePoint> times;
  for (int i = 0; i < 4; ++i) {
    times.push_back(clock_.Now());
    ASSERT_TRUE(ledger_->RecordOrder(Order("o" + std::to_string(i), "a.example.com")).ok());
    clock_.Advance(minutes(1));
  }
  // 4 counted, limit 2: a new one fits once three have left, so the third oldest decides.
  LedgerCounts counts = Counts(Query("a.example.com", 2));
  ASSERT_TRUE(counts.orders.pivot.has_value());
  EXPECT_EQ(*counts.orders.pivot, times[2]);
}

TEST_P(RateLimitLedgerContract, ReserveRecordsOnlyWhatAdmitAllows) {
  int calls = 0;
  auto admitted = ledger_->ReserveOrder(Query("a.example.com"), Order("o1", "a.example.com"),
                                        [&](const LedgerCounts& c) {
                                          ++calls;
                                          return c.duplicates.count < 1;
                                        });
  ASSERT_TRUE(admitted.ok()) << admitted.error().message();
  EXPECT_TRUE(*admitted);
  auto refused = ledger_->ReserveOrder(Query("a.example.com"), Order("o2", "a.example.com"),
                                       [&](const LedgerCounts& c) {
                                         ++calls;
                                         return c.duplicates.count < 1;
                                       });
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(*refused);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Counts(Query("a.example.com")).orders.count, 1) << "a refused order is not recorded";

  auto again = ledger_->ReserveOrder(Query("a.example.com"), Order("o1", "a.example.com"),
                                     [](const LedgerCounts&) { return true; });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kAlreadyExists);
}

TEST_P(RateLimitLedgerContract, RacingReservationsNeverShareTheLastSlot) {
  ASSERT_TRUE(ledger_->RecordOrder(Order("o_first", "a.example.com")).ok());
  // One slot left under a limit of 2; eight threads try for it at once.
  std::atomic<int> admitted{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = ledger_->ReserveOrder(Query("a.example.com"),
                                     Order("o_race" + std::to_string(i), "a.example.com"),
                                     [](const LedgerCounts& c) {
                                       // A slow decision widens the window between the
                                       // count and the record that serialisation must close.
                                       std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                       return c.duplicates.count < 2;
                                     });
      if (!r.ok()) {
        ++errors;
      } else if (*r) {
        ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(admitted.load(), 1);
  EXPECT_EQ(Counts(Query("a.example.com")).duplicates.count, 2);
}

TEST_P(RateLimitLedgerContract, AReleasedOrderCountsAsAnOrderButNotAsACertificate) {
  ASSERT_TRUE(ledger_->RecordOrder(Order("o1", "a.example.com")).ok());
  ASSERT_TRUE(ledger_->ReleaseOrder("o1").ok());
  ASSERT_TRUE(ledger_->ReleaseOrder("o_missing").ok());
  LedgerCounts counts = Counts(Query("a.example.com"));
  EXPECT_EQ(counts.duplicates.count, 0);
  EXPECT_EQ(counts.certificates_per_domain["example.com"].count, 0);
  EXPECT_EQ(counts.orders.count, 1);
}

TEST_P(RateLimitLedgerContract, AForgottenOrderCountsForNothing) {
  ASSERT_TRUE(ledger_->RecordOrder(Order("o1", "a.example.com")).ok());
  ASSERT_TRUE(ledger_->RecordOrder(Order("o2", "a.example.com")).ok());
  ASSERT_TRUE(ledger_->ForgetOrder("o1").ok());
  ASSERT_TRUE(ledger_->ForgetOrder("o_missing").ok());
  LedgerCounts counts = Counts(Query("a.example.com"));
  EXPECT_EQ(counts.duplicates.count, 1);
  EXPECT_EQ(counts.certificates_per_domain["example.com"].count, 1);
  EXPECT_EQ(counts.orders.count, 1);
}

TEST_P(RateLimitLedgerContract, AFailedValidationCountsOncePerId) {
  ASSERT_TRUE(ledger_->RecordFailedValidation("https://acme.test/authz/1", "www.example.com",
                                              clock_.Now())
                  .ok());
  ASSERT_TRUE(ledger_->RecordFailedValidation("https://acme.test/authz/1", "www.example.com",
                                              clock_.Now())
                  .ok());
  ASSERT_TRUE(ledger_->RecordFailedValidation("https://acme.test/authz/2", "api.example.com",
                                              clock_.Now())
                  .ok());
  EXPECT_EQ(Counts(Query("a.example.com")).failed_validations["www.example.com"].count, 1);
  // Recording an order twice counts it once, too.
  ASSERT_TRUE(ledger_->RecordOrder(Order("o1", "a.example.com")).ok());
  ASSERT_TRUE(ledger_->RecordOrder(Order("o1", "a.example.com")).ok());
  EXPECT_EQ(Counts(Query("a.example.com")).certificates_per_domain["example.com"].count, 1);
}

TEST_P(RateLimitLedgerContract, PruningDropsOnlyEventsOlderThanItsTime) {
  ASSERT_TRUE(ledger_->RecordOrder(Order("o_old", "a.example.com")).ok());
  ASSERT_TRUE(ledger_->RecordFailedValidation("authz_old", "www.example.com", clock_.Now()).ok());
  clock_.Advance(hours(24 * 8));
  ASSERT_TRUE(ledger_->RecordOrder(Order("o_new", "a.example.com")).ok());
  auto removed = ledger_->PruneLedger(clock_.Now() - hours(24 * 7));
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_GE(*removed, 2);
  LedgerQuery everything = Query("a.example.com");
  everything.domains_since = everything.duplicates_since = everything.orders_since =
      everything.failures_since = core::TimePoint{};
  LedgerCounts counts = Counts(everything);
  EXPECT_EQ(counts.orders.count, 1);
  EXPECT_EQ(counts.certificates_per_domain["example.com"].count, 1);
  EXPECT_EQ(counts.failed_validations["www.example.com"].count, 0);
}

CERTADNS_STORE_CONTRACT(RateLimitLedgerContract);

}  // namespace
}  // namespace certadns::store::contract
