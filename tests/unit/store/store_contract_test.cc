// The Store contract, one behavioural suite for every backend (STYLE.md §4.7): round trips,
// tenancy, the job queue's claim/lease/commit semantics and the ACME account key. SQLite
// runs here on a temp file; another backend joins by adding a factory to kBackends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace certadns::store {
namespace {

using core::CertificateState;
using core::ErrorCode;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Backend {
  std::string_view name;
  std::function<core::Result<std::unique_ptr<Store>>(const test::TempDir&)> open;
};

const Backend kBackends[] = {
    {"sqlite_file",
     [](const test::TempDir& dir) -> core::Result<std::unique_ptr<Store>> {
       auto store = sqlite::SqliteStore::Open(dir.File("store.db"));
       if (!store.ok()) return store.error();
       return std::unique_ptr<Store>(std::move(store).value());
     }},
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

constexpr char kAlice[] = "user_alice";
constexpr char kBob[] = "user_bob";

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(dir_);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateUser({kBob, "bob@example.com", "free", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateZone({"zone_a", kAlice, "example.com", true, clock_.Now()}).ok());
  }

  core::Certificate Cert(const std::string& id, const std::string& owner = kAlice) {
    core::Certificate c;
    c.id = id;
    c.owner_id = owner;
    c.zone_id = "zone_a";
    c.zone_name = "example.com";
    // A domain of its own: an owner may hold only one active certificate per domain.
    c.domain = id + ".example.com";
    std::replace(c.domain.begin(), c.domain.end(), '_', '-');
    c.created_at = clock_.Now();
    c.updated_at = clock_.Now();
    return c;
  }

  Job MakeJob(const std::string& id, const std::string& cert_id, core::TimePoint run_at) {
    Job job;
    job.id = id;
    job.certificate_id = cert_id;
    job.kind = JobKind::kIssue;
    job.step = "order";
    job.run_at = run_at;
    job.state = "{}";
    job.created_at = clock_.Now();
    return job;
  }

  /// A certificate with its first job, due at `run_at`.
  void AddCertWithJob(const std::string& cert_id, const std::string& job_id,
                      core::TimePoint run_at) {
    ASSERT_TRUE(store_->CreateCertificate(Cert(cert_id), MakeJob(job_id, cert_id, run_at)).ok());
  }

  std::optional<Job> Claim(const std::string& worker, core::Duration lease = seconds(60)) {
    auto claimed = store_->ClaimJob(worker, clock_.Now(), lease);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message();
    return claimed.ok() ? *claimed : std::nullopt;
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, CertificateRoundTripKeepsEveryField) {
  core::Certificate c = Cert("cert_full");
  c.domain = "*.example.com";
  c.sans = {"example.com", "api.example.com"};
  c.is_wildcard = true;
  c.auto_renew = true;
  c.status = CertificateState::kIssued;
  c.issued_at = clock_.Now() + milliseconds(1);
  c.expires_at = clock_.Now() + std::chrono::hours(24 * 90);
  c.next_renewal_at = clock_.Now() + std::chrono::hours(24 * 60) + milliseconds(7);
  c.serial = "0a1b2c";
  c.certificate_pem = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n";
  c.chain_pem = "-----BEGIN CERTIFICATE-----\nint\n-----END CERTIFICATE-----\n";
  c.created_at = clock_.Now() - seconds(5);
  c.updated_at = clock_.Now() + milliseconds(123);
  ASSERT_TRUE(store_->CreateCertificate(c, MakeJob("job_1", c.id, clock_.Now())).ok());

  auto got = store_->GetCertificate(kAlice, "cert_full");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->id, c.id);
  EXPECT_EQ(got->owner_id, c.owner_id);
  EXPECT_EQ(got->zone_id, c.zone_id);
  EXPECT_EQ(got->zone_name, c.zone_name);
  EXPECT_EQ(got->domain, c.domain);
  EXPECT_EQ(got->sans, c.sans);
  EXPECT_EQ(got->is_wildcard, c.is_wildcard);
  EXPECT_EQ(got->auto_renew, c.auto_renew);
  EXPECT_EQ(got->status, c.status);
  EXPECT_EQ(got->issued_at, c.issued_at);
  EXPECT_EQ(got->expires_at, c.expires_at);
  EXPECT_EQ(got->next_renewal_at, c.next_renewal_at);
  EXPECT_EQ(got->serial, c.serial);
  EXPECT_EQ(got->certificate_pem, c.certificate_pem);
  EXPECT_EQ(got->chain_pem, c.chain_pem);
  EXPECT_EQ(got->created_at, c.created_at);
  EXPECT_EQ(got->updated_at, c.updated_at);

  auto worker_view = store_->GetCertificateForWorker("cert_full");
  ASSERT_TRUE(worker_view.ok());
  EXPECT_EQ(worker_view->sans, c.sans);
}

TEST_P(StoreContractTest, SetCertificateStatusWritesStatusAndLogTogetherForTheOwnerOnly) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("cert_1"), MakeJob("job_1", "cert_1", clock_.Now()))
                  .ok());
  core::CertificateEvent revoked{clock_.Now(), core::EventLevel::kInfo, "revoked at the CA"};

  auto other = store_->SetCertificateStatus(kBob, "cert_1", CertificateState::kRevoked, revoked);
  EXPECT_EQ(other.error().code(), core::ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetCertificate(kAlice, "cert_1")->status, CertificateState::kPending);
  EXPECT_TRUE(store_->ListEvents(kAlice, "cert_1")->empty());

  ASSERT_TRUE(
      store_->SetCertificateStatus(kAlice, "cert_1", CertificateState::kRevoked, revoked).ok());
  EXPECT_EQ(store_->GetCertificate(kAlice, "cert_1")->status, CertificateState::kRevoked);
  auto events = store_->ListEvents(kAlice, "cert_1");
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].message, "revoked at the CA");
}

TEST_P(StoreContractTest, CertificateRoundTripKeepsAbsentOptionalTimesAbsent) {
  core::Certificate c = Cert("cert_new");
  ASSERT_TRUE(store_->CreateCertificate(c, MakeJob("job_1", c.id, clock_.Now())).ok());
  auto got = store_->GetCertificate(kAlice, "cert_new");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, CertificateState::kPending);
  EXPECT_FALSE(got->issued_at.has_value());
  EXPECT_FALSE(got->expires_at.has_value());
  EXPECT_FALSE(got->next_renewal_at.has_value());
  EXPECT_TRUE(got->sans.empty());
  EXPECT_FALSE(got->is_wildcard);
}

TEST_P(StoreContractTest, CreateCertificateWritesNothingWhenItsJobCannotBeInserted) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  // Same job id again: the job insert fails, so the certificate must not appear either.
  auto status = store_->CreateCertificate(Cert("cert_2"), MakeJob("job_1", "cert_2", clock_.Now()));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetCertificate(kAlice, "cert_2").error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, AnotherOwnerSeesNothing) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  ASSERT_TRUE(store_->AppendEvent("cert_1", {clock_.Now(), core::EventLevel::kInfo, "hi"}).ok());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::string("sealed-key"), {}};
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  ASSERT_TRUE(store_->GetSealedPrivateKey(kAlice, "cert_1").ok());  // the owner can

  auto cert = store_->GetCertificate(kBob, "cert_1");
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.error().code(), ErrorCode::kNotFound);
  auto list = store_->ListCertificates(kBob);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  auto key = store_->GetSealedPrivateKey(kBob, "cert_1");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kNotFound);
  auto events = store_->ListEvents(kBob, "cert_1");
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  auto zone = store_->GetZone(kBob, "zone_a");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.error().code(), ErrorCode::kNotFound);
  auto zones = store_->ListZones(kBob);
  ASSERT_TRUE(zones.ok());
  EXPECT_TRUE(zones->empty());

  EXPECT_EQ(store_->ListCertificates(kAlice)->size(), 1u);
  EXPECT_EQ(store_->ListEvents(kAlice, "cert_1")->size(), 1u);
  EXPECT_TRUE(store_->GetZone(kAlice, "zone_a").ok());
}

TEST_P(StoreContractTest, UniqueEmailsAndZoneNames) {
  auto user = store_->CreateUser({"user_other", "alice@example.com", "free", "", clock_.Now()});
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code(), ErrorCode::kAlreadyExists);
  // Another account may hold a pending import of a verified name; one account imports a
  // name once; only one zone per name is ever verified.
  ASSERT_TRUE(store_->CreateZone({"zone_b", kBob, "example.com", false, clock_.Now()}).ok());
  auto twice = store_->CreateZone({"zone_c", kBob, "example.com", false, clock_.Now()});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kAlreadyExists);
  auto verified = store_->MarkZoneVerified(kBob, "zone_b", clock_.Now());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(store_->GetZone(kBob, "zone_b")->verified);
  EXPECT_EQ(store_->FindVerifiedZoneByName("example.com")->id, "zone_a");
  EXPECT_EQ(store_->GetUserByEmail("nobody@example.com").error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, SealedPrivateKeyIsNotFoundBeforeOneIsInstalled) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto key = store_->GetSealedPrivateKey(kAlice, "cert_1");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ListCertificatesLeavesThePemsOutButSaysOneIsInstalled) {
  core::Certificate with = Cert("cert_with");
  with.certificate_pem = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n";
  with.chain_pem = "-----BEGIN CERTIFICATE-----\nint\n-----END CERTIFICATE-----\n";
  ASSERT_TRUE(store_->CreateCertificate(with, MakeJob("job_w", with.id, clock_.Now())).ok());
  clock_.Advance(seconds(1));
  core::Certificate without = Cert("cert_without");
  ASSERT_TRUE(store_->CreateCertificate(without, MakeJob("job_o", without.id, clock_.Now())).ok());

  auto list = store_->ListCertificates(kAlice);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE((*list)[0].has_certificate);
  EXPECT_FALSE((*list)[1].has_certificate);
  EXPECT_TRUE((*list)[0].certificate_pem.empty() && (*list)[0].chain_pem.empty());
  auto full = store_->GetCertificate(kAlice, "cert_with");
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->has_certificate);
  EXPECT_EQ(full->chain_pem, with.chain_pem);
}

TEST_P(StoreContractTest, ClaimJobReturnsDueJobsOnlyOldestRunAtFirst) {
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

TEST_P(StoreContractTest, ClaimJobServesAnotherAccountsJobWithinTheFirstClaims) {
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
  EXPECT_THAT(order, ::testing::ElementsAre("job_a0", "job_bob", "job_a1"));
}

TEST_P(StoreContractTest, ALeasedJobIsClaimedAgainOnlyAfterItsLeaseExpires) {
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

TEST_P(StoreContractTest, AnExtendedLeaseKeepsTheJobAndOnlyItsHolderCanExtendIt) {
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
  EXPECT_FALSE(store_->CommitStep("w1", StepCommit{*mine, false, std::nullopt, std::nullopt, {}})
                   .ok());
}

TEST_P(StoreContractTest, CommitByAWorkerThatLostTheLeaseWritesNothing) {
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

TEST_P(StoreContractTest, ACommitReleasesTheLeaseSoASecondCommitIsRefused) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::nullopt, {}};
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  EXPECT_EQ(store_->CommitStep("w1", commit).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Claim("w2").has_value()) << "released and due again";
}

TEST_P(StoreContractTest, CommitStepWritesCertificateKeyEventsAndJobTogether) {
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

TEST_P(StoreContractTest, AFailingPartRollsBackTheWholeCommit) {
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

TEST_P(StoreContractTest, AFinishedCommitDeletesTheJob) {
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

TEST_P(StoreContractTest, OneJobPerCertificate) {
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

TEST_P(StoreContractTest, ADetachedJobFreesItsCertificateButStillReadsAndLogsAsItsOwn) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto job = Claim("w1");
  ASSERT_TRUE(job.has_value());
  StepCommit commit{*job, false, std::nullopt, std::nullopt, {}};
  commit.job.step = "cleanup";
  commit.job.run_at = clock_.Now() - seconds(1);
  commit.detach = true;
  ASSERT_TRUE(store_->CommitStep("w1", commit).ok());
  // A new operation may start; both jobs are listed as the certificate's.
  ASSERT_TRUE(store_->StartJob(MakeJob("job_2", "cert_1", clock_.Now()),
                               CertificateState::kPending, clock_.Now()).ok());
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
  StepCommit done{*claimed, true, std::nullopt, std::nullopt,
                  {{clock_.Now(), core::EventLevel::kInfo, "Removed 1 challenge TXT records"}}};
  ASSERT_TRUE(store_->CommitStep("w4", done).ok());
  EXPECT_EQ(store_->ListEvents(kAlice, "cert_1")->size(), 1u);
  EXPECT_EQ(store_->ListJobs("cert_1")->size(), 1u);
}

TEST_P(StoreContractTest, NextJobDueIsTheEarliestRunAtAndHonoursLeases) {
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

TEST_P(StoreContractTest, PutAcmeAccountKeyKeepsTheFirstKey) {
  const std::string dir = "https://acme.test/directory";
  auto none = store_->GetAcmeAccountKey(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto first = store_->PutAcmeAccountKey(dir, "first-key");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "first-key");
  auto second = store_->PutAcmeAccountKey(dir, "second-key");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "first-key");
  auto stored = store_->GetAcmeAccountKey(dir);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, "first-key");

  auto other = store_->PutAcmeAccountKey("https://other.test/dir", "other-key");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, "other-key");
}

TEST_P(StoreContractTest, ListCertificatesIsInCreationOrder) {
  ASSERT_TRUE(
      store_->CreateCertificate(Cert("cert_b"), MakeJob("j1", "cert_b", clock_.Now())).ok());
  clock_.Advance(seconds(1));
  ASSERT_TRUE(
      store_->CreateCertificate(Cert("cert_a"), MakeJob("j2", "cert_a", clock_.Now())).ok());
  auto list = store_->ListCertificates(kAlice);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "cert_b");
  EXPECT_EQ((*list)[1].id, "cert_a");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<Backend>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace certadns::store
