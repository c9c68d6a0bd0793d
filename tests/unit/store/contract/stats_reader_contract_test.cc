// The StatsReader contract (store/stats_reader.h), on every backend: certificates counted by
// state and their owner's plan, renewals due and overdue, the jobs waiting for a worker
// (not the future ones, not the running ones) with the oldest one's time, and the expiry
// times of certificates that have one.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "store/stats_reader.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class StatsReaderContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    stats_ = dynamic_cast<StatsReader*>(store_.get());
    ASSERT_NE(stats_, nullptr) << GetParam().name << " reads no stats";
  }

  ServiceStats Read() {
    auto read = stats_->ReadServiceStats(clock_.Now(), hours(24));
    EXPECT_TRUE(read.ok()) << read.error().message();
    return read.ok() ? *read : ServiceStats{};
  }

  /// Issues `cert_id` (its job finished), expiring in 60 days, renewing at `renew_at`.
  void Issue(const std::string& cert_id, core::TimePoint renew_at, bool auto_renew) {
    Finish(cert_id, core::CertificateState::kIssued, [&](core::Certificate& c) {
      c.issued_at = clock_.Now();
      c.expires_at = clock_.Now() + hours(24 * 60);
      c.next_renewal_at = renew_at;
    });
    ASSERT_TRUE(store_->SetAutoRenew(kAlice, cert_id, auto_renew, renew_at).ok());
  }

  StatsReader* stats_ = nullptr;
};

using Counts = std::vector<std::tuple<std::string, std::string, int64_t>>;

Counts Sorted(const ServiceStats& s) {
  Counts out;
  for (const auto& c : s.certificates) out.emplace_back(c.state, c.plan, c.count);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_P(StatsReaderContract, AnEmptyStoreCountsNothing) {
  ServiceStats s = Read();
  EXPECT_TRUE(s.certificates.empty());
  EXPECT_EQ(s.renewals_due, 0);
  EXPECT_EQ(s.renewals_overdue, 0);
  EXPECT_EQ(s.jobs_due, 0);
  EXPECT_FALSE(s.oldest_due_job.has_value());
}

TEST_P(StatsReaderContract, CertificatesByStateAndPlan) {
  AddZoneOf(kBob);
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  Issue("cert_1", clock_.Now() + hours(24 * 30), true);
  AddCertWithJob("cert_2", "job_2", clock_.Now());
  AddCertWithJob("cert_3", "job_3", clock_.Now());
  ASSERT_TRUE(store_->CreateCertificate(Cert("cert_b", kBob), MakeJob("job_b", "cert_b")).ok());
  EXPECT_EQ(Sorted(Read()),
            (Counts{{"issued", "pro", 1}, {"pending", "free", 1}, {"pending", "pro", 2}}));
}

TEST_P(StatsReaderContract, RenewalsDueAndOverdue) {
  const core::TimePoint start = clock_.Now();
  AddCertWithJob("cert_due", "job_1", start);
  Issue("cert_due", start + hours(1), true);  // due in an hour
  AddCertWithJob("cert_late", "job_2", start);
  Issue("cert_late", start - hours(30), true);  // due 30 h ago: overdue
  AddCertWithJob("cert_manual", "job_3", start);
  Issue("cert_manual", start - hours(30), false);  // no auto-renewal: never due
  ServiceStats s = Read();
  EXPECT_EQ(s.renewals_due, 1);
  EXPECT_EQ(s.renewals_overdue, 1);
  clock_.Advance(hours(2));
  s = Read();
  EXPECT_EQ(s.renewals_due, 2);
  EXPECT_EQ(s.renewals_overdue, 1);
}

TEST_P(StatsReaderContract, JobsWaitingForAWorkerAndTheOldest) {
  const core::TimePoint start = clock_.Now();
  AddCertWithJob("cert_1", "job_1", start - minutes(10));
  AddCertWithJob("cert_2", "job_2", start - minutes(5));
  AddCertWithJob("cert_3", "job_3", start + minutes(5));  // not due yet
  ServiceStats s = Read();
  EXPECT_EQ(s.jobs_due, 2);
  ASSERT_TRUE(s.oldest_due_job.has_value());
  EXPECT_EQ(core::ToUnixMillis(*s.oldest_due_job), core::ToUnixMillis(start - minutes(10)));
  // A running job (its lease alive) is not waiting.
  auto claimed = Claim("w");
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->id, "job_1");
  s = Read();
  EXPECT_EQ(s.jobs_due, 1);
  ASSERT_TRUE(s.oldest_due_job.has_value());
  EXPECT_EQ(core::ToUnixMillis(*s.oldest_due_job), core::ToUnixMillis(start - minutes(5)));
}

TEST_P(StatsReaderContract, ExpiriesOfCertificatesThatHaveOne) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  Issue("cert_1", clock_.Now() + hours(24 * 30), false);
  AddCertWithJob("cert_2", "job_2", clock_.Now());  // pending: no expiry yet
  auto listed = stats_->ListCertificateExpiries(100);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, "cert_1");
  EXPECT_EQ(listed->front().domain, "cert-1.example.com");
  EXPECT_EQ(core::ToUnixMillis(listed->front().expires_at),
            core::ToUnixMillis(clock_.Now() + hours(24 * 60)));
  auto none = stats_->ListCertificateExpiries(0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

CERTADNS_STORE_CONTRACT(StatsReaderContract);

}  // namespace
}  // namespace certadns::store::contract
