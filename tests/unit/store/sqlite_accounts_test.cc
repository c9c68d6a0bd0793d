// SqliteStore: users, API keys (bounded, last use), sessions, password changes, zone lookups
// and deletion, and the certificate methods that enforce plan limits and one operation per
// certificate (migrations 0002, 0006).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <sqlite3.h>

#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace certadns::store::sqlite {
namespace {

using core::CertificateState;
using core::ErrorCode;
using std::chrono::hours;
using std::chrono::minutes;

constexpr char kAlice[] = "user_alice";
constexpr char kBob[] = "user_bob";

class SqliteAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.File("store.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateUser({kBob, "bob@example.com", "free", "", clock_.Now()}).ok());
    Zone zone;
    zone.id = "zone_a";
    zone.owner_id = kAlice;
    zone.name = "example.com";
    zone.verified = true;
    zone.created_at = clock_.Now();
    ASSERT_TRUE(store_->CreateZone(zone).ok());
  }

  ApiKey Key(const std::string& id, const std::string& user, const std::string& hash,
             const std::string& prefix) {
    return ApiKey{id, user, hash, prefix, clock_.Now(), std::nullopt};
  }

  // A zone of `owner` (other than Alice, whose zone_a SetUp makes), for Cert(..., owner).
  void AddZoneOf(const std::string& owner) {
    Zone zone;
    zone.id = "zone_" + owner;
    zone.owner_id = owner;
    zone.name = "example.com";
    zone.created_at = clock_.Now();
    ASSERT_TRUE(store_->CreateZone(zone).ok());
  }

  core::Certificate Cert(const std::string& id, const std::string& owner = kAlice,
                         const std::string& domain = "app.example.com") {
    core::Certificate c;
    c.id = id;
    c.owner_id = owner;
    c.zone_id = owner == kAlice ? "zone_a" : "zone_" + owner;  // see AddZoneOf
    c.zone_name = "example.com";
    c.domain = domain;
    c.created_at = clock_.Now();
    c.updated_at = clock_.Now();
    return c;
  }

  Job MakeJob(const std::string& id, const std::string& cert_id,
              core::Duration delay = core::Duration::zero()) {
    Job job;
    job.id = id;
    job.certificate_id = cert_id;
    job.step = "order";
    job.run_at = clock_.Now() + delay;
    job.state = "{}";
    job.created_at = clock_.Now();
    return job;
  }

  /// Ends `cert_id`'s job as a worker would, leaving the certificate in `status`.
  void Finish(const std::string& cert_id, CertificateState status) {
    auto claimed = store_->ClaimJob("w", clock_.Now(), minutes(1));
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    ASSERT_EQ((*claimed)->certificate_id, cert_id);
    StepCommit commit;
    commit.job = **claimed;
    commit.finished = true;
    auto cert = store_->GetCertificateForWorker(cert_id);
    ASSERT_TRUE(cert.ok());
    cert->status = status;
    commit.certificate = *cert;
    ASSERT_TRUE(store_->CommitStep("w", commit).ok());
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteAccountsTest, GetUserFindsByIdOnly) {
  auto user = store_->GetUser(kAlice);
  ASSERT_TRUE(user.ok()) << user.error().message();
  EXPECT_EQ(user->email, "alice@example.com");
  EXPECT_EQ(user->plan, "pro");
  EXPECT_EQ(user->created_at, clock_.Now());
  EXPECT_EQ(store_->GetUser("user_nobody").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetUser("alice@example.com").error().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteAccountsTest, SetUserPlanAndPasswordChangeOnlyThatUser) {
  ASSERT_TRUE(store_->SetUserPlan("alice@example.com", "elite").ok());
  ASSERT_TRUE(store_->SetUserPassword("alice@example.com", "$argon2id$x").ok());
  auto alice = store_->GetUser(kAlice);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->plan, "elite");
  EXPECT_EQ(alice->password_hash, "$argon2id$x");
  auto bob = store_->GetUser(kBob);
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->plan, "free");
  EXPECT_EQ(bob->password_hash, "");
  EXPECT_EQ(store_->SetUserPlan("nobody@example.com", "pro").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetUserPassword("nobody@example.com", "h").error().code(),
            ErrorCode::kNotFound);
}

TEST_F(SqliteAccountsTest, ApiKeyFindsItsOwnerUntilRevoked) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_abcdefg")).ok());
  auto owner = store_->FindApiKeyOwner("hash1");
  ASSERT_TRUE(owner.ok()) << owner.error().message();
  EXPECT_EQ(owner->user.id, kAlice);
  EXPECT_EQ(owner->key.id, "key_1");
  EXPECT_FALSE(owner->key.last_used_at.has_value());
  EXPECT_EQ(store_->FindApiKeyOwner("hash2").error().code(), ErrorCode::kNotFound);

  clock_.Advance(minutes(5));
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_1", clock_.Now()).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash1").error().code(), ErrorCode::kNotFound);
  auto keys = store_->ListApiKeys(kAlice);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  ASSERT_TRUE((*keys)[0].revoked_at.has_value());
  EXPECT_EQ(*(*keys)[0].revoked_at, clock_.Now());

  // Revoking again succeeds and keeps the first time.
  clock_.Advance(minutes(5));
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "cdns_abcdefg", clock_.Now()).ok());
  keys = store_->ListApiKeys(kAlice);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*(*keys)[0].revoked_at, clock_.Now() - minutes(5));
}

TEST_F(SqliteAccountsTest, ApiKeysAreListedAndRevokedPerOwner) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_aaaaaaa")).ok());
  clock_.Advance(minutes(1));
  ASSERT_TRUE(store_->CreateApiKey(Key("key_2", kAlice, "hash2", "cdns_bbbbbbb")).ok());
  ASSERT_TRUE(store_->CreateApiKey(Key("key_3", kBob, "hash3", "cdns_ccccccc")).ok());

  auto keys = store_->ListApiKeys(kAlice);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "key_1");
  EXPECT_EQ((*keys)[0].key_hash, "hash1");
  EXPECT_EQ((*keys)[0].prefix, "cdns_aaaaaaa");
  EXPECT_EQ((*keys)[0].user_id, kAlice);
  EXPECT_FALSE((*keys)[0].revoked_at.has_value());
  EXPECT_EQ((*keys)[1].id, "key_2");

  // Bob cannot revoke Alice's key, by id or by prefix; Alice can revoke by prefix.
  EXPECT_EQ(store_->RevokeApiKey(kBob, "key_1", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->RevokeApiKey(kBob, "cdns_bbbbbbb", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->RevokeApiKey(kAlice, "cdns_", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "cdns_bbbbbbb", clock_.Now()).ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
  EXPECT_FALSE(store_->FindApiKeyOwner("hash2").ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash3").ok());
}

TEST_F(SqliteAccountsTest, ApiKeyErrors) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_aaaaaaa")).ok());
  EXPECT_EQ(store_->CreateApiKey(Key("key_2", kBob, "hash1", "cdns_aaaaaaa")).error().code(),
            ErrorCode::kAlreadyExists)
      << "key hashes are unique";
  EXPECT_EQ(store_->CreateApiKey(Key("key_3", "user_nobody", "hash3", "x")).error().code(),
            ErrorCode::kNotFound)
      << "a key needs an existing user";
  EXPECT_TRUE(store_->ListApiKeys("user_nobody").ok());
  EXPECT_TRUE(store_->ListApiKeys("user_nobody")->empty());
}

TEST_F(SqliteAccountsTest, AmbiguousPrefixIsRefused) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_same123")).ok());
  ASSERT_TRUE(store_->CreateApiKey(Key("key_2", kAlice, "hash2", "cdns_same123")).ok());
  EXPECT_EQ(store_->RevokeApiKey(kAlice, "cdns_same123", clock_.Now()).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash2").ok());
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_2", clock_.Now()).ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
}

TEST_F(SqliteAccountsTest, ApiKeyCreationIsBoundedByActiveKeysOfTheOwner) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash_key_1", "cdns_1"), 2).ok());
  ASSERT_TRUE(store_->CreateApiKey(Key("key_2", kAlice, "hash_key_2", "cdns_2"), 2).ok());
  EXPECT_EQ(store_->CreateApiKey(Key("key_3", kAlice, "hash_key_3", "cdns_3"), 2).error().code(),
            ErrorCode::kResourceExhausted);
  EXPECT_TRUE(store_->CreateApiKey(Key("key_b", kBob, "hash_key_b", "cdns_b"), 2).ok())
      << "another owner's count";
  // A revoked key no longer counts.
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_1", clock_.Now()).ok());
  EXPECT_TRUE(store_->CreateApiKey(Key("key_3", kAlice, "hash_key_3", "cdns_3"), 2).ok());
  EXPECT_EQ(store_->ListApiKeys(kAlice)->size(), 3u);
}

TEST_F(SqliteAccountsTest, AKeysLastUseIsWrittenAtMostOnceAMinute) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash_key_1", "cdns_1")).ok());
  auto owner = store_->FindApiKeyOwner("hash_key_1");
  ASSERT_TRUE(owner.ok()) << owner.error().message();
  EXPECT_EQ(owner->user.id, kAlice);
  EXPECT_EQ(owner->key.id, "key_1");
  EXPECT_FALSE(owner->key.last_used_at.has_value());

  const core::TimePoint first = clock_.Now();
  ASSERT_TRUE(store_->TouchApiKey("key_1", first).ok());
  ASSERT_TRUE(store_->TouchApiKey("key_1", first + std::chrono::seconds(59)).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash_key_1")->key.last_used_at, first);
  EXPECT_EQ(store_->ListApiKeys(kAlice)->front().last_used_at, first);
  ASSERT_TRUE(store_->TouchApiKey("key_1", first + std::chrono::seconds(60)).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash_key_1")->key.last_used_at,
            first + std::chrono::seconds(60));
}

TEST_F(SqliteAccountsTest, RecordingAKeysUseNeverWaitsForAnotherProcesssLock) {
  ASSERT_TRUE(store_->CreateApiKey(Key("key_1", kAlice, "hash_key_1", "cdns_1")).ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("store.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(store_->TouchApiKey("key_1", clock_.Now()).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_FALSE(store_->FindApiKeyOwner("hash_key_1")->key.last_used_at.has_value());
  // The lock gone, the next use is recorded (and other writes still wait as before).
  ASSERT_TRUE(store_->TouchApiKey("key_1", clock_.Now()).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash_key_1")->key.last_used_at, clock_.Now());
}

TEST_F(SqliteAccountsTest, ACertificateNeedsAZoneOfItsOwnerWhenItIsStored) {
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

TEST_F(SqliteAccountsTest, PasswordChangeEndsEveryOtherSessionOfTheUserOnly) {
  const core::TimePoint until = clock_.Now() + hours(1);
  ASSERT_TRUE(store_->SetUserPassword("bob@example.com", "bob").ok());
  ASSERT_TRUE(store_->CreateSession({"mine", kAlice, "c1", clock_.Now(), until}).ok());
  ASSERT_TRUE(store_->CreateSession({"other", kAlice, "c2", clock_.Now(), until}).ok());
  ASSERT_TRUE(store_->CreateSession({"bobs", kBob, "c3", clock_.Now(), until}).ok());

  ASSERT_TRUE(store_->ChangePassword(kAlice, "new", "mine").ok());
  EXPECT_EQ(store_->GetUser(kAlice)->password_hash, "new");
  EXPECT_EQ(store_->GetUser(kBob)->password_hash, "bob");
  EXPECT_TRUE(store_->FindSession("mine", clock_.Now()).ok());
  EXPECT_EQ(store_->FindSession("other", clock_.Now()).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->FindSession("bobs", clock_.Now()).ok());
  EXPECT_EQ(store_->ChangePassword("user_nobody", "x", "").error().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteAccountsTest, ZoneDeletionIsScopedByOwnerAndRefusedWhileCertificatesRemain) {
  // zone_a (Alice's, verified) holds a certificate.
  ASSERT_TRUE(store_->CreateCertificate(Cert("cert_1"), MakeJob("job_1", "cert_1")).ok());

  EXPECT_EQ(store_->DeleteZone(kBob, "zone_a").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteZone(kAlice, "zone_a").error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(store_->GetZone(kAlice, "zone_a").ok());

  ASSERT_TRUE(store_->DeleteCertificate(kAlice, "cert_1").ok());
  auto deleted = store_->DeleteZone(kAlice, "zone_a");
  ASSERT_TRUE(deleted.ok()) << deleted.error().message();
  EXPECT_EQ(deleted->name, "example.com");
  EXPECT_TRUE(deleted->verified);
  EXPECT_EQ(store_->GetZone(kAlice, "zone_a").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteZone(kAlice, "zone_a").error().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteAccountsTest, SessionIsFoundUntilItExpiresOrIsDeleted) {
  Session session{"tok_hash", kAlice, "csrf", clock_.Now(), clock_.Now() + hours(1)};
  ASSERT_TRUE(store_->CreateSession(session).ok());
  auto found = store_->FindSession("tok_hash", clock_.Now());
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->user_id, kAlice);
  EXPECT_EQ(found->csrf_token, "csrf");
  EXPECT_EQ(found->created_at, session.created_at);
  EXPECT_EQ(found->expires_at, session.expires_at);
  EXPECT_EQ(store_->FindSession("other", clock_.Now()).error().code(), ErrorCode::kNotFound);

  EXPECT_TRUE(store_->FindSession("tok_hash", session.expires_at - minutes(1)).ok());
  EXPECT_EQ(store_->FindSession("tok_hash", session.expires_at).error().code(),
            ErrorCode::kNotFound);

  ASSERT_TRUE(store_->DeleteSession("tok_hash").ok());
  EXPECT_EQ(store_->FindSession("tok_hash", clock_.Now()).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->DeleteSession("tok_hash").ok()) << "logging out twice is fine";
  EXPECT_EQ(store_->CreateSession({"t2", "user_nobody", "c", clock_.Now(), clock_.Now()})
                .error()
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(SqliteAccountsTest, ZoneKeepsItsTokenAndIsFoundByNameOnceVerified) {
  Zone zone;
  zone.id = "zone_b";
  zone.owner_id = kBob;
  zone.name = "bob.test";
  zone.created_at = clock_.Now();
  zone.verification_token = "tok123";
  ASSERT_TRUE(store_->CreateZone(zone).ok());

  // Pending: not found by name.
  EXPECT_EQ(store_->FindVerifiedZoneByName("bob.test").error().code(), ErrorCode::kNotFound);
  auto listed = store_->ListZones(kBob);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].verification_token, "tok123");
  EXPECT_FALSE((*listed)[0].checked_at.has_value());

  EXPECT_EQ(store_->MarkZoneVerified(kAlice, "zone_b", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->MarkZoneVerified(kBob, "zone_x", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(store_->MarkZoneVerified(kBob, "zone_b", clock_.Now()).ok());
  auto found = store_->FindVerifiedZoneByName("bob.test");
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->id, "zone_b");
  EXPECT_EQ(found->owner_id, kBob);
  EXPECT_EQ(found->verification_token, "tok123");
  EXPECT_TRUE(found->verified);
  EXPECT_EQ(found->checked_at, clock_.Now());
  EXPECT_EQ(store_->FindVerifiedZoneByName("nothing.test").error().code(), ErrorCode::kNotFound);

  core::CertificateEvent event{clock_.Now(), core::EventLevel::kWarning, "gone"};
  EXPECT_EQ(store_->UnverifyZone(kAlice, "zone_b", event).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store_->UnverifyZone(kBob, "zone_b", event).ok());
  EXPECT_FALSE(store_->GetZone(kBob, "zone_b")->verified);
  EXPECT_EQ(store_->MarkZoneChecked(kBob, "zone_b", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(SqliteAccountsTest, VerifiedZonesAreRecheckedLeastRecentlyProvenFirst) {
  // zone_a (Alice's, created verified in SetUp without a check time) comes first.
  Zone zone;
  zone.id = "zone_b";
  zone.owner_id = kBob;
  zone.name = "bob.test";
  zone.created_at = clock_.Now();
  ASSERT_TRUE(store_->CreateZone(zone).ok());
  ASSERT_TRUE(store_->MarkZoneVerified(kBob, "zone_b", clock_.Now()).ok());
  auto due = store_->ListZonesToRecheck(clock_.Now(), 10);
  ASSERT_TRUE(due.ok()) << due.error().message();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, "zone_a");
  EXPECT_EQ((*due)[1].id, "zone_b");
  EXPECT_EQ(store_->ListZonesToRecheck(clock_.Now() - minutes(1), 10)->size(), 1u);
  EXPECT_EQ(store_->ListZonesToRecheck(clock_.Now(), 1)->size(), 1u);
  clock_.Advance(hours(1));
  ASSERT_TRUE(store_->MarkZoneChecked(kAlice, "zone_a", clock_.Now()).ok());
  due = store_->ListZonesToRecheck(clock_.Now() - minutes(1), 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, "zone_b");
}

TEST_F(SqliteAccountsTest, CreateCertificateEnforcesTheLimit) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("c1", kAlice, "a.example.com"), MakeJob("j1", "c1"),
                                        2)
                  .ok());
  ASSERT_TRUE(store_->CreateCertificate(Cert("c2", kAlice, "b.example.com"), MakeJob("j2", "c2"),
                                        2)
                  .ok());
  auto third = store_->CreateCertificate(Cert("c3", kAlice, "c.example.com"),
                                         MakeJob("j3", "c3"), 2);
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

TEST_F(SqliteAccountsTest, CreateCertificateRefusesAnActiveDuplicateDomain) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("c1"), MakeJob("j1", "c1")).ok());
  auto again = store_->CreateCertificate(Cert("c2"), MakeJob("j2", "c2"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetCertificate(kAlice, "c2").error().code(), ErrorCode::kNotFound);

  // Another owner's certificate for the same domain does not block (its job is due later,
  // so Finish below meets only Alice's).
  AddZoneOf(kBob);
  EXPECT_TRUE(store_->CreateCertificate(Cert("c3", kBob), MakeJob("j3", "c3", hours(100))).ok());

  // Validating and issued block too; a failed one does not.
  for (CertificateState active : {CertificateState::kValidating, CertificateState::kIssued}) {
    Finish("c1", active);
    EXPECT_EQ(store_->CreateCertificate(Cert("c2"), MakeJob("j2", "c2")).error().code(),
              ErrorCode::kAlreadyExists)
        << core::ToString(active);
    ASSERT_TRUE(store_->StartJob(MakeJob("j1b", "c1"), CertificateState::kPending, clock_.Now())
                    .ok());
  }
  Finish("c1", CertificateState::kFailed);
  EXPECT_TRUE(store_->CreateCertificate(Cert("c2"), MakeJob("j2", "c2")).ok());
  EXPECT_EQ(*store_->CountCertificates(kAlice), 2) << "failed certificates still count";
}

TEST_F(SqliteAccountsTest, StartJobSetsStatusAndRefusesASecondJob) {
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

  EXPECT_EQ(store_->StartJob(MakeJob("j4", "c_missing"), CertificateState::kPending,
                             clock_.Now())
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListJobs("c_missing")->empty());
}

TEST_F(SqliteAccountsTest, SetAutoRenewIsScopedByOwner) {
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

TEST_F(SqliteAccountsTest, DeleteCertificateRemovesRowAndLogButLeavesTheJob) {
  ASSERT_TRUE(store_->CreateCertificate(Cert("c1"), MakeJob("j1", "c1")).ok());
  ASSERT_TRUE(store_->AppendEvent("c1", {clock_.Now(), core::EventLevel::kInfo, "hi"}).ok());

  EXPECT_EQ(store_->DeleteCertificate(kBob, "c1").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetCertificate(kAlice, "c1").ok()) << "another owner deleted nothing";

  ASSERT_TRUE(store_->DeleteCertificate(kAlice, "c1").ok());
  EXPECT_EQ(store_->GetCertificate(kAlice, "c1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteCertificate(kAlice, "c1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*store_->CountCertificates(kAlice), 0);
  EXPECT_EQ(store_->ListJobs("c1")->size(), 1u) << "the worker ends the job";

  // The log went with the certificate (ON DELETE CASCADE).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("store.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM certificate_events", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteAccountsMigrationTest, UpgradesADatabaseCreatedBeforeAccounts) {
  test::TempDir dir;
  const std::string path = dir.File("old.db");
  {
    // The schema as 0001 left it: version 1 applied, one zone without a token column.
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message();
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* downgrade =
        "DROP INDEX jobs_detached; ALTER TABLE jobs DROP COLUMN detached_from; "
        "DROP INDEX certificates_renewal; DROP INDEX certificates_expiry; "
        "ALTER TABLE certificates DROP COLUMN renewal_retry_at; "
        "DROP TABLE api_keys; DROP TABLE sessions; DROP TABLE key_pool; "
        "DROP TABLE zones; "
        "CREATE TABLE zones (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id) "
        "ON DELETE CASCADE, name TEXT NOT NULL UNIQUE, verified INTEGER NOT NULL DEFAULT 0, "
        "created_at INTEGER NOT NULL); CREATE INDEX zones_owner ON zones(owner_id); "
        "DELETE FROM schema_migrations WHERE version > 1; "
        "INSERT INTO users(id, email, plan, created_at) VALUES ('user_old', 'o@x.test', 'pro', 1);"
        "INSERT INTO zones(id, owner_id, name, created_at) VALUES ('zone_old', 'user_old', "
        "'old.test', 1);";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, downgrade, nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(db);
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto zones = (*store)->ListZones("user_old");
  ASSERT_TRUE(zones.ok()) << zones.error().message();
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ(zones->front().id, "zone_old");
  EXPECT_EQ(zones->front().verification_token, "");
  // 0004: another account may now import the same name.
  ASSERT_TRUE((*store)->CreateUser({"user_new", "n@x.test", "pro", "", {}}).ok());
  EXPECT_TRUE((*store)->CreateZone({"zone_new", "user_new", "old.test", false, {}}).ok());
  EXPECT_TRUE((*store)->CreateApiKey({"key_1", "user_old", "h", "p", {}, std::nullopt}).ok());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_migrations", -1, &stmt,
                               nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 8);  // every later migration applied on top
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace certadns::store::sqlite
