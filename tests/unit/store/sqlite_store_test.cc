// SqliteStore specifics: opening a file, embedded migrations.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace certadns::store::sqlite {
namespace {

User Alice(core::TimePoint at) { return User{"user_alice", "alice@example.com", "pro", "h", at}; }

TEST(SqliteStoreTest, MigrationsAreIdempotentAcrossReopens) {
  test::TempDir dir;
  test::FakeClock clock;
  const std::string path = dir.File("certadns.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE((*store)->CreateUser(Alice(clock.Now())).ok());
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << "reopen " << reopen << ": " << store.error().message();
    auto user = (*store)->GetUserByEmail("alice@example.com");
    ASSERT_TRUE(user.ok()) << "data survives reopening";
    EXPECT_EQ(user->id, "user_alice");
    EXPECT_EQ(user->created_at, clock.Now());
  }
}

TEST(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  test::TempDir dir;
  test::FakeClock clock;
  auto a = SqliteStore::Open(dir.File("shared.db"));
  auto b = SqliteStore::Open(dir.File("shared.db"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->CreateUser(Alice(clock.Now())).ok());
  EXPECT_TRUE((*b)->GetUserByEmail("alice@example.com").ok());
}

// The permission bits of `path` (-1 when it does not exist).
int Mode(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// Sets the process umask for a test's lifetime.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ~ScopedUmask() { umask(old_); }

 private:
  mode_t old_;
};

TEST(SqliteStoreTest, TheDatabaseAndItsWalFilesAreReadableByTheOwnerOnly) {
  ScopedUmask permissive(022);  // what a service usually runs with
  test::TempDir dir;
  test::FakeClock clock;
  const std::string path = dir.File("certadns.db");
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->CreateUser(Alice(clock.Now())).ok());
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_EQ(Mode(path + "-wal"), 0600);
  EXPECT_EQ(Mode(path + "-shm"), 0600);
}

TEST(SqliteStoreTest, OpeningTightensAnExistingDatabasesPermissions) {
  ScopedUmask permissive(022);
  test::TempDir dir;
  test::FakeClock clock;
  const std::string path = dir.File("certadns.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE((*store)->CreateUser(Alice(clock.Now())).ok());
  }
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_TRUE((*store)->GetUserByEmail("alice@example.com").ok());
}

TEST(SqliteStoreTest, OpeningAnUnwritablePathFails) {
  test::TempDir dir;
  auto store = SqliteStore::Open(dir.File("missing-dir/x.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace certadns::store::sqlite
