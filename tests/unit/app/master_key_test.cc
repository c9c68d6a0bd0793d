// OpenMasterKey: one master key per database. The key is created only for a database with
// nothing sealed in it; a missing or different key file makes the node refuse to start.
// On SQLite, and on PostgreSQL when CERTADNS_TEST_PG_URL is set (scripts/run-tests.sh's
// postgres phase runs the */postgres instances).
#include "app/master_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/store_factory.h"
#include "crypto/encoding.h"
#include "issuance/account_key.h"
#include "store/key_pool_store.h"
#include "tests/support/pg_test_database.h"
#include "tests/support/temp_dir.h"

namespace certadns::app {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

class MasterKeyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      pg_ = std::make_unique<test::PgTestDatabase>();
      CERTADNS_REQUIRE_PG(*pg_);
      url_ = pg_->url();
    } else {
      url_ = "sqlite://" + dir_.File("certadns.db");
    }
  }
  /// A node's connection to the database (each call: another node).
  std::unique_ptr<store::Store> Open() {
    auto opened = OpenStore(url_);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  std::string KeyFile(const std::string& name = "master.key") { return dir_.File(name); }

  test::TempDir dir_;
  std::unique_ptr<test::PgTestDatabase> pg_;
  std::string url_;
};

TEST_P(MasterKeyTest, AnEmptyDatabaseGetsANewKeyAndRecordsItsFingerprint) {
  auto db = Open();
  auto box = OpenMasterKey(KeyFile(), *db);
  ASSERT_TRUE(box.ok()) << box.error().message();
  EXPECT_TRUE(Exists(KeyFile()));
  auto recorded = db->GetMasterKeyFingerprint();
  ASSERT_TRUE(recorded.ok());
  ASSERT_TRUE(recorded->has_value());
  EXPECT_EQ(**recorded, box->Fingerprint());
  // The key itself is not what is stored.
  auto key = crypto::SecretBox::LoadKeyFile(KeyFile());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->Fingerprint(), **recorded);
}

TEST_P(MasterKeyTest, TheSameKeyOpensAgain) {
  auto db = Open();
  ASSERT_TRUE(OpenMasterKey(KeyFile(), *db).ok());
  auto again = OpenMasterKey(KeyFile(), *db);
  EXPECT_TRUE(again.ok()) << again.error().message();
}

TEST_P(MasterKeyTest, AnotherKeyFileIsRefusedWithTheReason) {
  auto db = Open();
  ASSERT_TRUE(OpenMasterKey(KeyFile(), *db).ok());
  ASSERT_TRUE(crypto::SecretBox::FromKeyFile(KeyFile("other.key")).ok());  // a second node's
  auto other = OpenMasterKey(KeyFile("other.key"), *db);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(other.error().message().find("same master key file"), std::string::npos)
      << other.error().message();
}

TEST_P(MasterKeyTest, AMissingKeyIsNotCreatedOnceTheDatabaseRecordsOne) {
  auto db = Open();
  ASSERT_TRUE(OpenMasterKey(KeyFile(), *db).ok());
  auto missing = OpenMasterKey(KeyFile("new-node.key"), *db);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().message().find("is missing"), std::string::npos)
      << missing.error().message();
  EXPECT_FALSE(Exists(KeyFile("new-node.key")));
}

TEST_P(MasterKeyTest, AMissingKeyIsNotCreatedForSealedDataWithoutAFingerprint) {
  // A database from before fingerprints were recorded, holding a sealed ACME account key.
  auto db = Open();
  ASSERT_TRUE(db->PutAcmeAccountKey("https://ca.test/directory", "sealed bytes").ok());
  auto missing = OpenMasterKey(KeyFile(), *db);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(Exists(KeyFile()));
}

TEST_P(MasterKeyTest, UsersAloneDoNotNeedAnExistingKey) {
  // `certadns user add` before the first `serve` seals nothing.
  auto db = Open();
  store::User user{"user_1", "a@example.com", "elite", "", core::TimePoint{}};
  ASSERT_TRUE(db->CreateUser(user).ok());
  auto box = OpenMasterKey(KeyFile(), *db);
  EXPECT_TRUE(box.ok()) << box.error().message();
  EXPECT_TRUE(Exists(KeyFile()));
}

TEST_P(MasterKeyTest, TwoNodesStartingOnAnEmptyDatabaseAgreeOnOneKey) {
  auto first = Open();
  auto second = Open();
  auto a = OpenMasterKey(KeyFile("a.key"), *first);
  auto b = OpenMasterKey(KeyFile("b.key"), *second);
  EXPECT_TRUE(a.ok());
  EXPECT_FALSE(b.ok()) << "a second, different key was accepted";
}

// Data sealed under key A everywhere a secret lives: a certificate's private key, a running
// job's key, the ACME account key and a pooled key.
class MasterKeyRotationTest : public MasterKeyTest {
 protected:
  static constexpr char kDirectory[] = "https://ca.test/directory";

  void SealEverythingUnder(const crypto::SecretBox& box, store::Store& db) {
    const core::TimePoint now{};
    ASSERT_TRUE(db.CreateUser({"user_1", "a@example.com", "elite", "", now}).ok());
    ASSERT_TRUE(db.CreateZone({"zone_1", "user_1", "example.com", true, now}).ok());
    core::Certificate cert;
    cert.owner_id = "user_1";
    cert.zone_id = "zone_1";
    cert.zone_name = "example.com";
    cert.created_at = cert.updated_at = now;
    auto add = [&](const std::string& id, const std::string& job_key) {
      cert.id = id;
      cert.domain = id.substr(5) + ".example.com";
      store::Job job{.id = "job_" + id, .certificate_id = id, .kind = store::JobKind::kIssue,
                     .step = "order", .run_at = now, .sealed_key = job_key, .created_at = now};
      return db.CreateCertificate(cert, job);
    };
    ASSERT_TRUE(add("cert_issued", "").ok());
    auto claimed = db.ClaimJob("w", now, std::chrono::seconds(60));
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    store::StepCommit commit;
    commit.job = **claimed;
    commit.finished = true;
    commit.sealed_private_key = *box.Seal("private key pem", "cert_issued");
    ASSERT_TRUE(db.CommitStep("w", commit).ok());
    ASSERT_TRUE(add("cert_running", *box.Seal("job key pem", "cert_running")).ok());
    auto account = issuance::LoadOrCreateAccountKey(db, box, kDirectory);
    ASSERT_TRUE(account.ok()) << account.error().message();
    account_pem_ = account->ToPem().reveal();
    auto& pool = dynamic_cast<store::KeyPoolStore&>(db);
    ASSERT_TRUE(pool.AddPooledKey({"pkey_1", *box.Seal("pooled pem", "pkey_1")}, now).ok());
  }

  // Every secret SealEverythingUnder wrote, opened with `box`.
  void ExpectEverythingOpensWith(const crypto::SecretBox& box, store::Store& db) {
    const std::string running = "cert_running";
    auto key = db.GetSealedPrivateKey("user_1", "cert_issued");
    ASSERT_TRUE(key.ok()) << key.error().message();
    auto opened = box.Open(*key, "cert_issued");
    ASSERT_TRUE(opened.ok()) << "certificate key";
    EXPECT_EQ(opened->reveal(), "private key pem");
    auto jobs = db.ListJobs(running);
    ASSERT_TRUE(jobs.ok() && jobs->size() == 1u);
    auto job_key = box.Open((*jobs)[0].sealed_key, running);
    ASSERT_TRUE(job_key.ok()) << "job key";
    EXPECT_EQ(job_key->reveal(), "job key pem");
    auto account = issuance::LoadOrCreateAccountKey(db, box, kDirectory);
    ASSERT_TRUE(account.ok()) << "ACME account key: " << account.error().message();
    EXPECT_EQ(account->ToPem().reveal(), account_pem_) << "the same account, not a new one";
    auto pooled = dynamic_cast<store::KeyPoolStore&>(db).TakePooledKey();
    ASSERT_TRUE(pooled.ok() && pooled->has_value());
    auto pooled_pem = box.Open((*pooled)->sealed_key, (*pooled)->id);
    ASSERT_TRUE(pooled_pem.ok()) << "pooled key";
    EXPECT_EQ(pooled_pem->reveal(), "pooled pem");
  }

  // The state a rotation starts from: everything sealed under A (a.key) in db_, and the
  // operator's new key B (b.key) made.
  void SealUnderAAndMakeB() {
    db_ = Open();
    auto a = OpenMasterKey(KeyFile("a.key"), *db_);
    ASSERT_TRUE(a.ok()) << a.error().message();
    a_fingerprint_ = a->Fingerprint();
    SealEverythingUnder(*a, *db_);
    ASSERT_TRUE(crypto::SecretBox::FromKeyFile(KeyFile("b.key")).ok());
  }
  // A node restarted for the rotation: B current, A previous.
  core::Result<crypto::SecretBox> Rotating() {
    return OpenMasterKey(KeyFile("b.key"), *db_, {KeyFile("a.key")});
  }

  std::unique_ptr<store::Store> db_;
  std::string a_fingerprint_;
  std::string account_pem_;
};

TEST_P(MasterKeyRotationTest, AfterARotationEverythingOpensWithTheNewKeyAlone) {
  SealUnderAAndMakeB();
  store::Store* db = db_.get();
  // Nodes restarted with B current and A previous start while the database records A.
  auto rotating = Rotating();
  ASSERT_TRUE(rotating.ok()) << rotating.error().message();
  EXPECT_EQ(**db->GetMasterKeyFingerprint(), a_fingerprint_);
  // Before the rotation, B alone is refused: the secrets are A's.
  EXPECT_FALSE(OpenMasterKey(KeyFile("b.key"), *Open()).ok());

  auto report = RotateMasterKey(*db, *rotating, /*batch=*/1);  // batches of one row
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->resealed, 4) << "certificate key, job key, ACME account key, pooled key";
  EXPECT_TRUE(report->recorded);

  auto b = OpenMasterKey(KeyFile("b.key"), *Open());
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(**db->GetMasterKeyFingerprint(), b->Fingerprint());
  ExpectEverythingOpensWith(*b, *db);

  // A node still holding only A refuses to start, and says why.
  auto old = OpenMasterKey(KeyFile("a.key"), *Open());
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(old.error().message().find("after a master-key rotation that is the new key"),
            std::string::npos) << old.error().message();
}

TEST_P(MasterKeyRotationTest, ARotationRunAgainFindsNothingLeft) {
  SealUnderAAndMakeB();
  auto rotating = Rotating();
  ASSERT_TRUE(rotating.ok());
  ASSERT_TRUE(RotateMasterKey(*db_, *rotating).ok());
  auto again = RotateMasterKey(*db_, *rotating);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->resealed, 0);
  EXPECT_EQ(again->already_new, 4);
  EXPECT_FALSE(again->recorded) << "recorded by the first run";
}

TEST_P(MasterKeyRotationTest, ASecretUnderAnUnlistedKeyStopsTheRotationBeforeTheRecord) {
  SealUnderAAndMakeB();
  ASSERT_TRUE(crypto::SecretBox::FromKeyFile(KeyFile("c.key")).ok());
  auto c = crypto::SecretBox::LoadKeyFile(KeyFile("c.key"));
  ASSERT_TRUE(c.ok());
  auto& pool = dynamic_cast<store::KeyPoolStore&>(*db_);
  ASSERT_TRUE(pool.AddPooledKey({"pkey_2", *c->Seal("stray", "pkey_2")}, core::TimePoint{}).ok());

  auto rotating = Rotating();
  ASSERT_TRUE(rotating.ok());
  auto report = RotateMasterKey(*db_, *rotating);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(report.error().message().find("pooled key pkey_2"), std::string::npos)
      << report.error().message();
  EXPECT_EQ(**db_->GetMasterKeyFingerprint(), a_fingerprint_) << "A stays recorded";
}

INSTANTIATE_TEST_SUITE_P(Backends, MasterKeyRotationTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

INSTANTIATE_TEST_SUITE_P(Backends, MasterKeyTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace certadns::app
