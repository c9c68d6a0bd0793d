// OpenMasterKey: one master key per database. The key is created only for a database with
// nothing sealed in it; a missing or different key file makes the node refuse to start.
// On SQLite, and on PostgreSQL when CERTADNS_TEST_PG_URL is set (scripts/run-tests.sh's
// postgres phase runs the */postgres instances).
#include "app/master_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/store_factory.h"
#include "crypto/encoding.h"
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

INSTANTIATE_TEST_SUITE_P(Backends, MasterKeyTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace certadns::app
