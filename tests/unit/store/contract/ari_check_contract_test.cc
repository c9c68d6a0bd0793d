// The JobQueue's ARI polling contract (store/job_queue.h), on every backend: which
// certificates' ARI checks are due, a check's outcome written all or nothing and only to the
// certificate that was checked, and the sweep's wake-up at the next check.
#include <gtest/gtest.h>

#include <string>

#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using core::CertificateState;
using std::chrono::hours;

class AriCheckContract : public StoreContract {
 protected:
  /// Alice's certificate `id` (serial "serial_<id>"), issued now and expiring in 90 days,
  /// renewed automatically from `renew_at`, with its next ARI check at `check_at`.
  void Issue(const std::string& id, core::TimePoint renew_at,
             std::optional<core::TimePoint> check_at) {
    AddCertWithJob(id, "job_" + id, clock_.Now());
    auto job = Claim("w");
    ASSERT_TRUE(job.has_value());
    ASSERT_EQ(job->certificate_id, id);
    core::Certificate c = Cert(id);
    c.status = CertificateState::kIssued;
    c.serial = "serial_" + id;
    c.issued_at = clock_.Now();
    c.expires_at = clock_.Now() + hours(24 * 90);
    c.next_renewal_at = renew_at;
    StepCommit commit{*job, true, c, std::nullopt, {}};
    commit.set_ari_check = true;
    commit.ari_check_at = check_at;
    ASSERT_TRUE(store_->CommitStep("w", commit).ok());
    ASSERT_TRUE(store_->SetAutoRenew(kAlice, id, true, renew_at).ok());
  }

  std::vector<std::string> DueIds(core::TimePoint now, int limit = 10) {
    auto due = store_->ListDueAriChecks(now, limit);
    EXPECT_TRUE(due.ok()) << due.error().message();
    std::vector<std::string> ids;
    if (due.ok()) {
      for (const AriCheckDue& d : *due) ids.push_back(d.certificate.id);
    }
    return ids;
  }

  AriCheckResult Checked(const std::string& id, std::optional<core::TimePoint> next_check_at) {
    AriCheckResult check;
    check.certificate_id = id;
    check.serial = "serial_" + id;
    check.next_check_at = next_check_at;
    return check;
  }
};

TEST_P(AriCheckContract, DueChecksAreAutoRenewedIssuedCertificatesPlannedLaterWithoutAJob) {
  const core::TimePoint start = clock_.Now();
  const core::TimePoint renew = start + hours(24 * 60);
  Issue("c_b", renew, start + hours(2));
  Issue("c_a", renew, start + hours(1));
  Issue("c_later", renew, start + hours(10));
  Issue("c_none", renew, std::nullopt);  // the CA offers no ARI
  Issue("c_manual", renew, start + hours(1));
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c_manual", false, std::nullopt).ok());
  Issue("c_overdue", start + hours(1), start + hours(1));  // its renewal asks at its order
  Issue("c_busy", renew, start + hours(1));
  ASSERT_TRUE(store_->StartJob(MakeJob("j_busy", "c_busy"), CertificateState::kIssued, start)
                  .ok());

  EXPECT_TRUE(DueIds(start).empty());
  clock_.Advance(hours(3));
  EXPECT_EQ(DueIds(clock_.Now()), (std::vector<std::string>{"c_a", "c_b"})) << "earliest first";
  EXPECT_EQ(DueIds(clock_.Now(), 1), (std::vector<std::string>{"c_a"}));
  auto due = store_->ListDueAriChecks(clock_.Now(), 1);
  ASSERT_TRUE(due.ok() && due->size() == 1u);
  EXPECT_EQ(due->front().failures, 0);
  EXPECT_EQ(due->front().certificate.serial, "serial_c_a");
}

TEST_P(AriCheckContract, ARecordedCheckSetsTheNextCheckThePlanAndTheLogLineTogether) {
  const core::TimePoint start = clock_.Now();
  Issue("c_1", start + hours(24 * 60), start);
  AriCheckResult moved = Checked("c_1", start + hours(6));
  moved.next_renewal_at = start + hours(5);
  moved.event = core::CertificateEvent{start, core::EventLevel::kInfo, "renewal moved"};
  auto recorded = store_->RecordAriCheck(moved);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message();
  EXPECT_TRUE(*recorded);
  EXPECT_EQ(*store_->GetCertificate(kAlice, "c_1")->next_renewal_at, start + hours(5));
  auto events = store_->ListEvents(kAlice, "c_1");
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->back().message, "renewal moved");
  EXPECT_TRUE(DueIds(start + hours(5)).empty()) << "next check at +6 h";
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(5)) << "the renewal, now sooner";

  // A failed check: the plan stays, the failures are counted and read back.
  AriCheckResult failed = Checked("c_1", start + hours(7));
  failed.failures = 2;
  clock_.Set(start + hours(6));
  ASSERT_TRUE(*store_->RecordAriCheck(failed));
  EXPECT_EQ(*store_->GetCertificate(kAlice, "c_1")->next_renewal_at, start + hours(5));
  EXPECT_EQ(store_->ListEvents(kAlice, "c_1")->size(), 1u);
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c_1", true, start + hours(24 * 60)).ok());
  auto due = store_->ListDueAriChecks(start + hours(7), 10);
  ASSERT_TRUE(due.ok() && due->size() == 1u);
  EXPECT_EQ(due->front().failures, 2);

  // No ARI any more: no further check.
  ASSERT_TRUE(*store_->RecordAriCheck(Checked("c_1", std::nullopt)));
  EXPECT_TRUE(DueIds(start + hours(24 * 59)).empty());
}

TEST_P(AriCheckContract, ACheckOfACertificateThatChangedMeanwhileWritesNothing) {
  const core::TimePoint start = clock_.Now();
  Issue("c_1", start + hours(24 * 60), start);
  AriCheckResult stale = Checked("c_1", start + hours(6));
  stale.serial = "serial_of_the_certificate_before";
  stale.next_renewal_at = start + hours(1);
  stale.event = core::CertificateEvent{start, core::EventLevel::kInfo, "renewal moved"};
  EXPECT_FALSE(*store_->RecordAriCheck(stale)) << "renewed since: another serial";

  AriCheckResult busy = Checked("c_1", start + hours(6));
  busy.next_renewal_at = start + hours(1);
  busy.event = stale.event;
  ASSERT_TRUE(store_->StartJob(MakeJob("j_1", "c_1"), CertificateState::kIssued, start).ok());
  EXPECT_FALSE(*store_->RecordAriCheck(busy)) << "a renewal started meanwhile";

  EXPECT_EQ(*store_->GetCertificate(kAlice, "c_1")->next_renewal_at, start + hours(24 * 60));
  EXPECT_TRUE(store_->ListEvents(kAlice, "c_1")->empty());
  EXPECT_FALSE(*store_->RecordAriCheck(Checked("c_missing", std::nullopt)));
}

TEST_P(AriCheckContract, TheNextCheckWakesTheSweepAndACommitSetsOrClearsIt) {
  const core::TimePoint start = clock_.Now();
  Issue("c_1", start + hours(24 * 60), start + hours(6));
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(6));
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c_1", false, std::nullopt).ok());
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(24 * 90)) << "off: its expiry";
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c_1", true, start + hours(24 * 60)).ok());

  // A failed check, then a step's commit (a new certificate) that forgets the failures.
  AriCheckResult failed = Checked("c_1", start + hours(1));
  failed.failures = 3;
  ASSERT_TRUE(*store_->RecordAriCheck(failed));
  ASSERT_TRUE(store_->StartJob(MakeJob("j_1", "c_1"), CertificateState::kIssued, start).ok());
  auto job = Claim("w");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, true, std::nullopt, std::nullopt, {}};
  commit.set_ari_check = true;
  commit.ari_check_at = start + hours(3);
  ASSERT_TRUE(store_->CommitStep("w", commit).ok());
  auto due = store_->ListDueAriChecks(start + hours(3), 10);
  ASSERT_TRUE(due.ok() && due->size() == 1u);
  EXPECT_EQ(due->front().failures, 0);
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(3));

  ASSERT_TRUE(store_->StartJob(MakeJob("j_2", "c_1"), CertificateState::kIssued, start).ok());
  job = Claim("w");
  ASSERT_TRUE(job.has_value());
  StepCommit cleared{*job, true, std::nullopt, std::nullopt, {}};
  cleared.set_ari_check = true;  // no ARI: no check
  ASSERT_TRUE(store_->CommitStep("w", cleared).ok());
  EXPECT_TRUE(DueIds(start + hours(24)).empty());
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(24 * 60));
}

CERTADNS_STORE_CONTRACT(AriCheckContract);

}  // namespace
}  // namespace certadns::store::contract
