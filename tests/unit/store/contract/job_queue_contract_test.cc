// The JobQueue contract (store/job_queue.h), on every backend: claims with leases, lease loss, step
// commits that write everything or nothing, detached cleanups, one job per certificate.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using core::CertificateState;
using core::ErrorCode;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

using JobQueueContract = StoreContract;

TEST_P(JobQueueContract, ClaimJobReturnsDueJobsOnlyOldestRunAtFirst) {
  const core::TimePoint now = clock_.Now();
  AddCertWithJob("cert_late", "job_late", now - seconds(1));
  AddCertWithJob("cert_future", "job_future", now + seconds(30));
  AddCertWithJob("cert_early", "job_early", now - seconds(10));

  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, "job_early");
  EXPECT_EQ(first->certificate_id, "cert_early");
  EXPECT_EQ(first->step, "order");
  EXPECT_EQ(first->run_at, now - seconds(10));
  auto second = Claim("w1");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "job_late");
  EXPECT_FALSE(Claim("w1").has_value()) << "job_future is not due";

  clock_.Advance(seconds(30));
  auto third = Claim("w1");
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->id, "job_future");
}

TEST_P(JobQueueContract, FairClaimsServeAnotherAccountsJobWithinTheFirstClaims) {
  if (!GetParam().fair_claims) GTEST_SKIP() << GetParam().name << " claims the most overdue job";
  // Alice's burst of 100 was queued first; Bob's single job comes last.
  const core::TimePoint now = clock_.Now();
  for (int i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    AddCertWithJob("cert_a" + n, "job_a" + n, now - seconds(200) + seconds(i));
  }
  ASSERT_TRUE(store_->CreateZone({"zone_b", kBob, "bob.example", true, now}).ok());
  core::Certificate bob = Cert("cert_bob", kBob);
  bob.zone_id = "zone_b";
  bob.zone_name = "bob.example";
  bob.domain = "www.bob.example";
  ASSERT_TRUE(store_->CreateCertificate(bob, MakeJob("job_bob", "cert_bob", now)).ok());

  // One worker claiming and finishing steps one after the other: Alice's next job is as
  // old as ever, yet Bob's is served second.
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    auto job = Claim("w1");
    ASSERT_TRUE(job.has_value());
    order.push_back(job->id);
    StepCommit done;
    done.job = *job;
    done.finished = true;
    ASSERT_TRUE(store_->CommitStep("w1", done).ok());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"job_a0", "job_bob", "job_a1"}));
}

TEST_P(JobQueueContract, AnAccountHoldsAtMostTheCapOfRunningJobs) {
  if (!GetParam().set_max_running_per_account) {
    GTEST_SKIP() << GetParam().name << " has no per-account cap";
  }
  GetParam().set_max_running_per_account(*store_, 2);
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    AddCertWithJob("cert_" + n, "job_" + n, clock_.Now());
  }
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(Claim("w2").has_value());
  EXPECT_FALSE(Claim("w3").has_value()) << "two of Alice's jobs run: she is at her cap";

  ASSERT_TRUE(store_->CreateZone({"zone_b", kBob, "bob.example", true, clock_.Now()}).ok());
  core::Certificate bob = Cert("cert_bob", kBob);
  bob.zone_id = "zone_b";
  bob.zone_name = "bob.example";
  bob.domain = "www.bob.example";
  ASSERT_TRUE(store_->CreateCertificate(bob, MakeJob("job_bob", "cert_bob")).ok());
  auto bobs = Claim("w3");
  ASSERT_TRUE(bobs.has_value()) << "Alice's cap does not hold Bob back";
  EXPECT_EQ(bobs->id, "job_bob");
  StepCommit bob_done;
  bob_done.job = *bobs;
  bob_done.finished = true;
  ASSERT_TRUE(store_->CommitStep("w3", bob_done).ok());

  StepCommit done;
  done.job = *first;
  done.finished = true;
  ASSERT_TRUE(store_->CommitStep("w1", done).ok());
  EXPECT_TRUE(Claim("w4").has_value()) << "one finished, so another may start";
  EXPECT_FALSE(Claim("w5").has_value()) << "at her cap again";

  clock_.Advance(std::chrono::seconds(61));  // every lease has expired: none run now
  EXPECT_TRUE(Claim("w6").has_value());
  EXPECT_TRUE(Claim("w7").has_value());
  EXPECT_FALSE(Claim("w8").has_value());
}

TEST_P(JobQueueContract, ALeasedJobIsClaimedAgainOnlyAfterItsLeaseExpires) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  ASSERT_TRUE(Claim("w1", seconds(10)).has_value());
  EXPECT_FALSE(Claim("w2").has_value());
  clock_.Advance(seconds(10) - milliseconds(1));
  EXPECT_FALSE(Claim("w2").has_value()) << "lease still live";
  clock_.Advance(milliseconds(2));
  auto taken_over = Claim("w2");
  ASSERT_TRUE(taken_over.has_value());
  EXPECT_EQ(taken_over->id, "job_1");
}

TEST_P(JobQueueContract, AnExtendedLeaseKeepsTheJobAndOnlyItsHolderCanExtendIt) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto mine = Claim("w1", seconds(10));
  ASSERT_TRUE(mine.has_value());
  clock_.Advance(seconds(8));
  ASSERT_TRUE(store_->ExtendLease("w1", "job_1", clock_.Now() + seconds(10)).ok());
  clock_.Advance(seconds(8));  // past the first lease, within the extended one
  EXPECT_FALSE(Claim("w2").has_value()) << "the extended lease is still live";
  auto other = store_->ExtendLease("w2", "job_1", clock_.Now() + seconds(60));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kFailedPrecondition);
  clock_.Advance(seconds(3));
  auto taken_over = Claim("w2");
  ASSERT_TRUE(taken_over.has_value());
  // The old holder has lost it: it can neither extend nor commit.
  auto lost = store_->ExtendLease("w1", "job_1", clock_.Now() + seconds(60));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(
      store_->CommitStep("w1", StepCommit{*mine, false, std::nullopt, std::nullopt, {}}).ok());
}

TEST_P(JobQueueContract, CommitByAWorkerThatLostTheLeaseWritesNothing) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto mine = Claim("w1", seconds(10));
  ASSERT_TRUE(mine.has_value());
  clock_.Advance(seconds(11));
  auto theirs = Claim("w2", seconds(10));
  ASSERT_TRUE(theirs.has_value());

  StepCommit stale;
  stale.job = *mine;
  stale.job.step = "authorize";
  stale.job.attempt = 3;
  stale.job.sealed_key = "job-key";
  stale.certificate = Cert("cert_1");
  stale.certificate->status = CertificateState::kValidating;
  stale.sealed_private_key = "stale-key";
  stale.events = {{clock_.Now(), core::EventLevel::kInfo, "stale line"}};
  auto status = store_->CommitStep("w1", stale);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kFailedPrecondition);

  auto cert = store_->GetCertificate(kAlice, "cert_1");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->status, CertificateState::kPending);
  EXPECT_EQ(store_->GetSealedPrivateKey(kAlice, "cert_1").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListEvents(kAlice, "cert_1")->empty());
  auto jobs = store_->ListJobs("cert_1");
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].step, "order");
  EXPECT_EQ((*jobs)[0].attempt, 0);
  EXPECT_TRUE((*jobs)[0].sealed_key.empty());

  // The new holder commits normally, and a finished commit by the loser is refused too.
  StepCommit fresh{*theirs, false, std::nullopt, std::nullopt, {}};
  fresh.job.step = "authorize";
  EXPECT_TRUE(store_->CommitStep("w2", fresh).ok());
  StepCommit stale_finish{*mine, true, std::nullopt, std::nullopt, {}};
  EXPECT_EQ(store_->CommitStep("w1", stale_finish).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListJobs("cert_1")->size(), 1u);
}

TEST_P(JobQueueContract, ACommitReleasesTheLeaseSoASecondCommitIsRefused) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::nullopt, {}};
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  EXPECT_EQ(store_->CommitStep("w1", commit).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Claim("w2").has_value()) << "released and due again";
}

// The list (which leaves the PEMs out) says a certificate is installed as soon as a step
// commits its PEM, and no longer once it is gone.
TEST_P(JobQueueContract, TheListSaysACertificateIsInstalledOnceAStepCommitsIt) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto listed = [&] {
    auto list = store_->ListCertificates(kAlice);
    EXPECT_TRUE(list.ok());
    return list.ok() && list->size() == 1 && (*list)[0].has_certificate;
  };
  EXPECT_FALSE(listed());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::nullopt, {}};
  commit.certificate = Cert("cert_1");
  commit.certificate->certificate_pem = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n";
  commit.certificate->serial = "0a";
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  EXPECT_TRUE(listed());
  auto again = Claim("w1");
  ASSERT_TRUE(again.has_value());
  StepCommit cleared{*again, false, std::nullopt, std::nullopt, {}};
  cleared.certificate = Cert("cert_1");
  ASSERT_TRUE(store_->CommitStep("w1", cleared).ok());
  EXPECT_FALSE(listed());
}

// A worker that runs the job's next step at once keeps its lease across the commit: the
// step is saved, nobody else can claim the job meanwhile, and the lease still ends on time.
TEST_P(JobQueueContract, ACommitThatKeepsTheLeaseSavesTheStepAndHoldsTheJob) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1", seconds(10));
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::nullopt, {}};
  commit.job.step = "authorize";
  commit.keep_lease_until = clock_.Now() + seconds(10);
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  auto jobs = store_->ListJobs("cert_1");
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].step, "authorize") << "the step is saved";
  EXPECT_FALSE(Claim("w2").has_value()) << "the lease was kept";
  EXPECT_FALSE(store_->CommitStep("w2", commit).ok()) << "only the holder commits";

  // The holder commits its next step and lets go: the job is due for anyone again.
  StepCommit next{commit.job, false, std::nullopt, std::nullopt, {}};
  next.job.step = "present";
  ASSERT_TRUE(store_->CommitStep("w1", next).ok());
  auto claimed = Claim("w2");
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->step, "present");

  // A kept lease expires like any other.
  StepCommit kept{*claimed, false, std::nullopt, std::nullopt, {}};
  kept.keep_lease_until = clock_.Now() + seconds(5);
  ASSERT_TRUE(store_->CommitStep("w2", kept).ok());
  EXPECT_FALSE(Claim("w3").has_value());
  clock_.Advance(seconds(6));
  EXPECT_TRUE(Claim("w3").has_value()) << "the kept lease ran out";
}

TEST_P(JobQueueContract, CommitStepWritesCertificateKeyEventsAndJobTogether) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());

  StepCommit commit;
  commit.job = *job;
  commit.job.step = "poll_order";
  commit.job.attempt = 2;
  commit.job.run_at = clock_.Now() + seconds(4);
  commit.job.state = R"({"order_url":"https://ca/order/1"})";
  commit.job.sealed_key = std::string("k\0ey", 4);  // binary-safe
  commit.certificate = Cert("cert_1");
  commit.certificate->status = CertificateState::kValidating;
  commit.certificate->updated_at = clock_.Now() + seconds(1);
  commit.sealed_private_key = std::string("\x01\x00\xff", 3);
  commit.events = {{clock_.Now(), core::EventLevel::kInfo, "first"},
                   {clock_.Now() + milliseconds(1), core::EventLevel::kWarning, "second"},
                   {clock_.Now() + milliseconds(2), core::EventLevel::kError, "third"}};
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());

  auto cert = store_->GetCertificate(kAlice, "cert_1");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->status, CertificateState::kValidating);
  EXPECT_EQ(cert->updated_at, clock_.Now() + seconds(1));
  auto key = store_->GetSealedPrivateKey(kAlice, "cert_1");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, std::string("\x01\x00\xff", 3));
  auto events = store_->ListEvents(kAlice, "cert_1");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].message, "first");
  EXPECT_EQ((*events)[1].level, core::EventLevel::kWarning);
  EXPECT_EQ((*events)[2].level, core::EventLevel::kError);
  EXPECT_EQ((*events)[2].at, clock_.Now() + milliseconds(2));
  auto jobs = store_->ListJobs("cert_1");
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].step, "poll_order");
  EXPECT_EQ((*jobs)[0].attempt, 2);
  EXPECT_EQ((*jobs)[0].run_at, clock_.Now() + seconds(4));
  EXPECT_EQ((*jobs)[0].state, R"({"order_url":"https://ca/order/1"})");
  EXPECT_EQ((*jobs)[0].sealed_key, std::string("k\0ey", 4));

  EXPECT_FALSE(Claim("w2").has_value()) << "rescheduled 4 s ahead";
  clock_.Advance(seconds(4));
  auto again = Claim("w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->step, "poll_order");
}

TEST_P(JobQueueContract, AFailingPartRollsBackTheWholeCommit) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit;
  commit.job = *job;
  commit.job.step = "authorize";
  commit.certificate = Cert("cert_vanished");  // no such row: the update fails
  commit.sealed_private_key = "key";
  commit.events = {{clock_.Now(), core::EventLevel::kInfo, "line"}};
  ASSERT_FALSE(store_->CommitStep("w1", commit).ok());

  EXPECT_EQ(store_->ListJobs("cert_1")->at(0).step, "order");
  EXPECT_EQ(store_->GetSealedPrivateKey(kAlice, "cert_1").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListEvents(kAlice, "cert_1")->empty());
  // The lease is still ours: a corrected commit goes through.
  commit.certificate.reset();
  EXPECT_TRUE(store_->CommitStep("w1", commit).ok());
}

TEST_P(JobQueueContract, AFinishedCommitDeletesTheJob) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job,
                    /*finished=*/true,
                    std::nullopt,
                    std::nullopt,
                    {{clock_.Now(), core::EventLevel::kInfo, "done"}}};
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  EXPECT_TRUE(store_->ListJobs("cert_1")->empty());
  EXPECT_EQ(store_->ListEvents(kAlice, "cert_1")->size(), 1u);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_FALSE(Claim("w1").has_value());
  EXPECT_FALSE(store_->NextJobDue()->has_value());
}

TEST_P(JobQueueContract, OneJobPerCertificate) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto status = store_->EnqueueJob(MakeJob("job_2", "cert_1", clock_.Now()));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  // Once the first is finished, another may start.
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store_->CommitStep("w1", {*job, true, std::nullopt, std::nullopt, {}}).ok());
  EXPECT_TRUE(store_->EnqueueJob(MakeJob("job_2", "cert_1", clock_.Now())).ok());
}

TEST_P(JobQueueContract, ADetachedJobFreesItsCertificateButStillReadsAndLogsAsItsOwn) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::nullopt, {}};
  commit.job.step = "cleanup";
  commit.job.run_at = clock_.Now() - seconds(1);
  commit.detach = true;
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  // A new operation may start; both jobs are listed as the certificate's.
  ASSERT_TRUE(store_
                  ->StartJob(MakeJob("job_2", "cert_1", clock_.Now()), CertificateState::kPending,
                             clock_.Now())
                  .ok());
  auto jobs = store_->ListJobs("cert_1");
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].certificate_id, "cert_1");
  EXPECT_EQ((*jobs)[1].certificate_id, "cert_1");
  // The detached job keeps running (detached again, harmlessly) and logs into the certificate.
  auto cleanup = Claim("w2");
  ASSERT_TRUE(cleanup.has_value());
  ASSERT_EQ(cleanup->id, "job_1") << "due before job_2";
  EXPECT_EQ(cleanup->certificate_id, "cert_1");
  StepCommit again{*cleanup, false, std::nullopt, std::nullopt, {}};
  again.job.run_at = clock_.Now() - seconds(1);
  again.detach = true;
  ASSERT_TRUE(store_->CommitStep("w2", again).ok());
  auto claimed = Claim("w4");
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->id, "job_1");
  StepCommit done{*claimed,
                  true,
                  std::nullopt,
                  std::nullopt,
                  {{clock_.Now(), core::EventLevel::kInfo, "Removed 1 challenge TXT records"}}};
  ASSERT_TRUE(store_->CommitStep("w4", done).ok());
  EXPECT_EQ(store_->ListEvents(kAlice, "cert_1")->size(), 1u);
  EXPECT_EQ(store_->ListJobs("cert_1")->size(), 1u);
}

TEST_P(JobQueueContract, NextJobDueIsTheEarliestRunAtAndHonoursLeases) {
  auto none = store_->NextJobDue();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  const core::TimePoint now = clock_.Now();
  AddCertWithJob("cert_1", "job_1", now + seconds(20));
  AddCertWithJob("cert_2", "job_2", now + seconds(5));
  auto next = store_->NextJobDue();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, now + seconds(5));

  clock_.Advance(seconds(5));
  ASSERT_TRUE(Claim("w1", seconds(60)).has_value());  // job_2, leased until now + 65 s
  next = store_->NextJobDue();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, now + seconds(20)) << "a leased job is not due before its lease ends";
}

TEST_P(JobQueueContract, StartJobSetsStatusAndRefusesASecondJob) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("c1"), MakeJob("j1", "c1")).ok());
  Finish("c1", CertificateState::kIssued);
  clock_.Advance(hours(1));
  Job renew = MakeJob("j2", "c1");
  renew.kind = JobKind::kRenew;
  ASSERT_TRUE(store_->StartJob(renew, CertificateState::kValidating, clock_.Now()).ok());
  auto cert = store_->GetCertificate(kAlice, "c1");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->status, CertificateState::kValidating);
  EXPECT_EQ(cert->updated_at, clock_.Now());
  auto jobs = store_->ListJobs("c1");
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].kind, JobKind::kRenew);

  clock_.Advance(hours(1));
  auto second = store_->StartJob(MakeJob("j3", "c1"), CertificateState::kPending, clock_.Now());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kAlreadyExists);
  cert = store_->GetCertificate(kAlice, "c1");
  EXPECT_EQ(cert->status, CertificateState::kValidating) << "nothing written";
  EXPECT_EQ(cert->updated_at, clock_.Now() - hours(1));
  EXPECT_EQ(store_->ListJobs("c1")->size(), 1u);

  EXPECT_EQ(store_->StartJob(MakeJob("j4", "c_missing"), CertificateState::kPending, clock_.Now())
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListJobs("c_missing")->empty());
}

class JobQueueSweepContract : public StoreContract {
 protected:
  /// Alice's certificate `id`, issued now and expiring at `expires_at`; renewed
  /// automatically from `renew_at` when given.
  void Issue(const std::string& id, core::TimePoint expires_at,
             std::optional<core::TimePoint> renew_at = std::nullopt) {
    AddCertWithJob(id, "job_" + id, clock_.Now());
    auto job = Claim("w");
    ASSERT_TRUE(job.has_value());
    ASSERT_EQ(job->certificate_id, id);
    core::Certificate c = Cert(id);
    c.status = CertificateState::kIssued;
    c.issued_at = clock_.Now();
    c.expires_at = expires_at;
    c.next_renewal_at = renew_at;
    ASSERT_TRUE(store_->CommitStep("w", StepCommit{*job, true, c, std::nullopt, {}}).ok());
    if (renew_at) {
      ASSERT_TRUE(store_->SetAutoRenew(kAlice, id, true, renew_at).ok());
    }
  }

  Job RenewJob(const std::string& id, const std::string& cert_id) {
    Job job = MakeJob(id, cert_id);
    job.kind = JobKind::kRenew;
    return job;
  }
};

TEST_P(JobQueueSweepContract, ExpiryMarksIssuedCertificatesPastTheirEndOnceWithALogLine) {
  const core::TimePoint start = clock_.Now();
  Issue("c_old", start + hours(1));
  Issue("c_new", start + hours(2));
  clock_.Advance(hours(1));
  auto expired = store_->ExpireCertificates(clock_.Now());
  ASSERT_TRUE(expired.ok()) << expired.error().message();
  EXPECT_EQ(*expired, 1);
  auto old = store_->GetCertificate(kAlice, "c_old");
  EXPECT_EQ(old->status, CertificateState::kExpired);
  EXPECT_EQ(old->updated_at, clock_.Now());
  auto events = store_->ListEvents(kAlice, "c_old");
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].level, core::EventLevel::kWarning);
  EXPECT_EQ((*events)[0].message,
            "Certificate expired on " + core::FormatRfc3339(start + hours(1)));
  EXPECT_EQ(store_->GetCertificate(kAlice, "c_new")->status, CertificateState::kIssued);
  EXPECT_EQ(*store_->ExpireCertificates(clock_.Now()), 0) << "already expired";
}

TEST_P(JobQueueSweepContract,
       DueRenewalsAreAutoRenewedIssuedCertificatesWithoutAJobMostOverdueFirst) {
  const core::TimePoint start = clock_.Now();
  Issue("c_a", start + hours(24 * 90), start + seconds(10));
  Issue("c_b", start + hours(24 * 90), start + seconds(5));
  Issue("c_later", start + hours(24 * 90), start + hours(1));
  Issue("c_manual", start + hours(24 * 90));
  clock_.Advance(seconds(20));
  auto due = store_->ListDueRenewals(clock_.Now(), 10);
  ASSERT_TRUE(due.ok()) << due.error().message();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, "c_b");
  EXPECT_EQ((*due)[1].id, "c_a");
  EXPECT_EQ(store_->ListDueRenewals(clock_.Now(), 1)->size(), 1u);

  // A renewal started: that certificate has a job, and a second start is refused.
  ASSERT_TRUE(store_->StartAutoRenewal(RenewJob("r_b", "c_b"), clock_.Now() + hours(1)).ok());
  EXPECT_EQ(
      store_->StartAutoRenewal(RenewJob("r_b2", "c_b"), clock_.Now() + hours(1)).error().code(),
      ErrorCode::kAlreadyExists);
  due = store_->ListDueRenewals(clock_.Now(), 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, "c_a");
  EXPECT_EQ(store_->ListJobs("c_b")->front().kind, JobKind::kRenew);

  // Should that renewal fail, the next attempt waits for retry_at.
  auto job = Claim("w");
  ASSERT_TRUE(job.has_value());
  ASSERT_EQ(job->id, "r_b");
  ASSERT_TRUE(store_->CommitStep("w", StepCommit{*job, true, std::nullopt, std::nullopt, {}}).ok());
  EXPECT_EQ(store_->ListDueRenewals(clock_.Now(), 10)->size(), 1u);
  clock_.Advance(hours(1));
  EXPECT_EQ(store_->ListDueRenewals(clock_.Now(), 10)->size(), 3u) << "c_a, c_b and c_later";

  // A zone no longer verified renews nothing.
  ASSERT_TRUE(store_
                  ->UnverifyZone(kAlice, "zone_a",
                                 {clock_.Now(), core::EventLevel::kWarning, "control lost"})
                  .ok());
  EXPECT_TRUE(store_->ListDueRenewals(clock_.Now(), 10)->empty());
}

TEST_P(JobQueueSweepContract, NextLifecycleEventIsTheEarliestExpiryRenewalOrRetryAfterNow) {
  const core::TimePoint start = clock_.Now();
  EXPECT_FALSE(store_->NextLifecycleEvent(start)->has_value());
  Issue("c_1", start + hours(240), start + hours(120));
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(120));
  Issue("c_2", start + hours(72));  // expires first; not auto-renewed
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(72));
  EXPECT_EQ(*store_->NextLifecycleEvent(start + hours(100)), start + hours(120));
  // A renewal attempt pushes c_1's next event to its retry time.
  ASSERT_TRUE(store_->StartAutoRenewal(RenewJob("r_1", "c_1"), start + hours(130)).ok());
  EXPECT_EQ(*store_->NextLifecycleEvent(start + hours(100)), start + hours(130));
  EXPECT_EQ(*store_->NextLifecycleEvent(start + hours(130)), start + hours(240));
  EXPECT_FALSE(store_->NextLifecycleEvent(start + hours(240))->has_value());
}

// A step's commit may set or clear the certificate's retry time and bring the sweep forward
// (never back).
TEST_P(JobQueueSweepContract, ACommitSetsOrClearsTheRetryTimeAndBringsTheSweepForward) {
  const core::TimePoint start = clock_.Now();
  Issue("c_1", start + hours(240), start + hours(120));
  Job sweep = MakeJob("s_1", std::string(kSweepJobId));
  sweep.kind = JobKind::kSweep;
  sweep.run_at = start + hours(200);
  ASSERT_TRUE(store_->EnqueueJob(sweep).ok());

  ASSERT_TRUE(store_->StartJob(RenewJob("r_1", "c_1"), CertificateState::kIssued, start).ok());
  auto job = Claim("w");
  ASSERT_TRUE(job.has_value());
  ASSERT_EQ(job->id, "r_1");
  StepCommit failed{*job, true, std::nullopt, std::nullopt, {}};
  failed.renewal_retry_at = start + hours(150);
  failed.wake_sweep_at = start + hours(150);
  ASSERT_TRUE(store_->CommitStep("w", failed).ok());
  EXPECT_EQ(store_->ListJobs(std::string(kSweepJobId))->front().run_at, start + hours(150));
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(150));
  EXPECT_TRUE(store_->ListDueRenewals(start + hours(149), 10)->empty());
  EXPECT_EQ(store_->ListDueRenewals(start + hours(150), 10)->size(), 1u);

  ASSERT_TRUE(store_->StartJob(RenewJob("r_2", "c_1"), CertificateState::kIssued, start).ok());
  job = Claim("w");
  ASSERT_TRUE(job.has_value());
  ASSERT_EQ(job->id, "r_2");
  StepCommit renewed{*job, true, std::nullopt, std::nullopt, {}};
  renewed.clear_renewal_retry = true;
  renewed.wake_sweep_at = start + hours(170);  // later than the sweep's run_at: unchanged
  ASSERT_TRUE(store_->CommitStep("w", renewed).ok());
  EXPECT_EQ(store_->ListJobs(std::string(kSweepJobId))->front().run_at, start + hours(150));
  EXPECT_EQ(*store_->NextLifecycleEvent(start), start + hours(120));
  EXPECT_EQ(store_->ListDueRenewals(start + hours(120), 10)->size(), 1u);
}

CERTADNS_STORE_CONTRACT(JobQueueContract);
CERTADNS_STORE_CONTRACT(JobQueueSweepContract);

}  // namespace
}  // namespace certadns::store::contract
