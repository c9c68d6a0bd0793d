// The CertificateStore contract (store/certificate_store.h), on every backend: round trips, tenancy
// (another owner sees nothing), the plan limit and one active certificate per domain checked in the
// transaction that inserts, a zone deletion and a request never crossing, and deletion.
#include <gtest/gtest.h>

#include <string>

#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using core::CertificateState;
using core::ErrorCode;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

using CertificateStoreContract = StoreContract;

TEST_P(CertificateStoreContract, CertificateRoundTripKeepsEveryField) {
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

TEST_P(CertificateStoreContract, SetCertificateStatusWritesStatusAndLogTogetherForTheOwnerOnly) {
  ASSERT_TRUE(
      store_->CreateCertificate(Cert("cert_1"), MakeJob("job_1", "cert_1", clock_.Now())).ok());
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

TEST_P(CertificateStoreContract, CertificateRoundTripKeepsAbsentOptionalTimesAbsent) {
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

TEST_P(CertificateStoreContract, CreateCertificateWritesNothingWhenItsJobCannotBeInserted) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  // Same job id again: the job insert fails, so the certificate must not appear either.
  auto status = store_->CreateCertificate(Cert("cert_2"), MakeJob("job_1", "cert_2", clock_.Now()));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetCertificate(kAlice, "cert_2").error().code(), ErrorCode::kNotFound);
}

TEST_P(CertificateStoreContract, AnotherOwnerSeesNothing) {
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

TEST_P(CertificateStoreContract, SealedPrivateKeyIsNotFoundBeforeOneIsInstalled) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto key = store_->GetSealedPrivateKey(kAlice, "cert_1");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kNotFound);
}

TEST_P(CertificateStoreContract, ListCertificatesLeavesThePemsOutButSaysOneIsInstalled) {
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

TEST_P(CertificateStoreContract, ListCertificatesIsInCreationOrder) {
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

TEST_P(CertificateStoreContract, ACertificateNeedsAZoneOfItsOwnerWhenItIsStored) {
  // Bob has no zone; Alice's zone_a is not his. A zone deleted after the request read it
  // (and before the insert) is the same case.
  core::Certificate theirs = Cert("c1", kBob);
  theirs.zone_id = "zone_a";
  EXPECT_EQ(store_->CreateCertificate(theirs, MakeJob("j1", "c1")).error().code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(store_->DeleteZone(kAlice, "zone_a").ok());
  EXPECT_EQ(store_->CreateCertificate(Cert("c2"), MakeJob("j2", "c2")).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(*store_->CountCertificates(kAlice), 0);
  EXPECT_TRUE(store_->ListJobs("c2")->empty()) << "nothing written";
}

TEST_P(CertificateStoreContract, CreateCertificateEnforcesTheLimit) {
  ASSERT_TRUE(
      store_->CreateCertificate(Cert("c1", kAlice, "a.example.com"), MakeJob("j1", "c1"), 2).ok());
  ASSERT_TRUE(
      store_->CreateCertificate(Cert("c2", kAlice, "b.example.com"), MakeJob("j2", "c2"), 2).ok());
  auto third =
      store_->CreateCertificate(Cert("c3", kAlice, "c.example.com"), MakeJob("j3", "c3"), 2);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(store_->GetCertificate(kAlice, "c3").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListJobs("c3")->empty()) << "nothing written";
  EXPECT_EQ(*store_->CountCertificates(kAlice), 2);
  EXPECT_EQ(*store_->CountCertificates(kBob), 0);

  // A limit of 0 (the free plan) refuses the first; Alice's certificates don't count for Bob.
  AddZoneOf(kBob);
  EXPECT_EQ(store_->CreateCertificate(Cert("c4", kBob), MakeJob("j4", "c4"), 0).error().code(),
            ErrorCode::kResourceExhausted);
  EXPECT_TRUE(store_->CreateCertificate(Cert("c5", kBob), MakeJob("j5", "c5"), 1).ok());
}

TEST_P(CertificateStoreContract, CreateCertificateRefusesAnActiveDuplicateDomain) {
  // Every certificate here is for app.example.com.
  auto app = [&](const std::string& id, const std::string& owner = kAlice) {
    return Cert(id, owner, "app.example.com");
  };
  ASSERT_TRUE(store_->CreateCertificate(app("c1"), MakeJob("j1", "c1")).ok());
  auto again = store_->CreateCertificate(app("c2"), MakeJob("j2", "c2"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetCertificate(kAlice, "c2").error().code(), ErrorCode::kNotFound);

  // Another owner's certificate for the same domain does not block (its job is due later,
  // so Finish below meets only Alice's).
  AddZoneOf(kBob);
  EXPECT_TRUE(store_->CreateCertificate(app("c3", kBob), MakeJob("j3", "c3", hours(100))).ok());

  // Validating and issued block too; a failed one does not.
  for (CertificateState active : {CertificateState::kValidating, CertificateState::kIssued}) {
    Finish("c1", active);
    EXPECT_EQ(store_->CreateCertificate(app("c2"), MakeJob("j2", "c2")).error().code(),
              ErrorCode::kAlreadyExists)
        << core::ToString(active);
    ASSERT_TRUE(
        store_->StartJob(MakeJob("j1b", "c1"), CertificateState::kPending, clock_.Now()).ok());
  }
  Finish("c1", CertificateState::kFailed);
  EXPECT_TRUE(store_->CreateCertificate(app("c2"), MakeJob("j2", "c2")).ok());
  EXPECT_EQ(*store_->CountCertificates(kAlice), 2) << "failed certificates still count";
}

TEST_P(CertificateStoreContract, SetAutoRenewIsScopedByOwner) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("c1"), MakeJob("j1", "c1")).ok());
  const core::TimePoint next = clock_.Now() + hours(24 * 60);
  EXPECT_EQ(store_->SetAutoRenew(kBob, "c1", true, next).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetAutoRenew(kAlice, "c_x", true, next).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c1", true, next).ok());
  auto cert = store_->GetCertificate(kAlice, "c1");
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(cert->auto_renew);
  EXPECT_EQ(cert->next_renewal_at, next);
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c1", false, std::nullopt).ok());
  cert = store_->GetCertificate(kAlice, "c1");
  EXPECT_FALSE(cert->auto_renew);
  EXPECT_FALSE(cert->next_renewal_at.has_value());
}

TEST_P(CertificateStoreContract, DeleteCertificateRemovesRowAndLogButLeavesTheJob) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("c1"), MakeJob("j1", "c1")).ok());
  ASSERT_TRUE(store_->AppendEvent("c1", {clock_.Now(), core::EventLevel::kInfo, "hi"}).ok());

  EXPECT_EQ(store_->DeleteCertificate(kBob, "c1").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetCertificate(kAlice, "c1").ok()) << "another owner deleted nothing";

  ASSERT_TRUE(store_->DeleteCertificate(kAlice, "c1").ok());
  EXPECT_EQ(store_->GetCertificate(kAlice, "c1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteCertificate(kAlice, "c1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*store_->CountCertificates(kAlice), 0);
  EXPECT_EQ(store_->ListJobs("c1")->size(), 1u) << "the worker ends the job";

  EXPECT_TRUE(store_->ListEvents(kAlice, "c1")->empty());
  // That the log's rows are gone too is each backend's own test (sqlite_store_test.cc).
}

CERTADNS_STORE_CONTRACT(CertificateStoreContract);

}  // namespace
}  // namespace certadns::store::contract
