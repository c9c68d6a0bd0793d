// SqliteStore's own side of accounts and certificates: a key's use is recorded without
// waiting for another process's lock, a deleted certificate's log rows go with it, and a
// database from before accounts is upgraded (migrations 0002 to 0006). Their contracts are
// the contract suites' (contract/), run on every backend.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace certadns::store::sqlite {
extern const std::vector<std::string_view> kMigrations;  // sqlite_migrations.cc (generated)
}  // namespace certadns::store::sqlite

namespace certadns::store::sqlite {
namespace {

constexpr char kAlice[] = "user_alice";

class SqliteAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.File("store.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateZone({"zone_a", kAlice, "example.com", true, clock_.Now()}).ok());
  }

  ApiKey Key(const std::string& id, const std::string& user, const std::string& hash,
             const std::string& prefix) {
    return ApiKey{id, user, hash, prefix, clock_.Now(), std::nullopt};
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

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

TEST_F(SqliteAccountsTest, DeletingACertificateDeletesTheRowsOfItsLog) {
  core::Certificate c;
  c.id = "c1";
  c.owner_id = kAlice;
  c.zone_id = "zone_a";
  c.zone_name = "example.com";
  c.domain = "app.example.com";
  c.created_at = clock_.Now();
  c.updated_at = clock_.Now();
  Job job;
  job.id = "j1";
  job.certificate_id = "c1";
  job.step = "order";
  job.run_at = clock_.Now();
  job.created_at = clock_.Now();
  ASSERT_TRUE(store_->CreateCertificate(c, job).ok());
  ASSERT_TRUE(store_->AppendEvent("c1", {clock_.Now(), core::EventLevel::kInfo, "hi"}).ok());
  ASSERT_TRUE(store_->DeleteCertificate(kAlice, "c1").ok());

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
        "DROP INDEX certificates_list; DROP TRIGGER certificates_has_certificate_insert; "
        "DROP TRIGGER certificates_has_certificate_update; "
        "ALTER TABLE certificates DROP COLUMN has_certificate; "
        "DROP INDEX jobs_detached; ALTER TABLE jobs DROP COLUMN detached_from; "
        "DROP INDEX certificates_ari_check; ALTER TABLE certificates DROP COLUMN ari_check_at; "
        "ALTER TABLE certificates DROP COLUMN ari_check_failures; "
        "DROP INDEX certificates_renewal; DROP INDEX certificates_expiry; "
        "ALTER TABLE certificates DROP COLUMN renewal_retry_at; "
        "DROP TABLE api_keys; DROP TABLE sessions; DROP TABLE master_key; DROP TABLE key_pool; "
        "DROP TABLE audit_log; "
        "DROP TABLE deliveries; DROP TABLE webhooks; DROP TABLE notification_events; "
        "DROP TABLE notification_settings; "
        "DROP TABLE rate_limit_orders; DROP TABLE rate_limit_order_domains; "
        "DROP TABLE rate_limit_failed_validations; "
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
  // Every migration after 0001 applied on top (as many as the library embeds).
  EXPECT_EQ(sqlite3_column_int(stmt, 0), static_cast<int>(kMigrations.size()));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace certadns::store::sqlite
