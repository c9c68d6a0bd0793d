// SqliteNameLocks: one name's lock excludes every other holder (in this process and in
// another one), other names are free, the wait is bounded, and a holder that dies (SIGKILL)
// releases its lock.
#include "store/sqlite/sqlite_name_locks.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "support/temp_dir.h"

namespace certadns::store::sqlite {
namespace {

using std::chrono::milliseconds;

TEST(SqliteNameLocksTest, HeldNameWaitsBoundedThenIsFreeOnceReleased) {
  test::TempDir dir;
  SqliteNameLocks locks(dir.File("certadns.db"), milliseconds(50));
  auto first = locks.Lock("dns-rrset:_acme-challenge.example.com.");
  ASSERT_TRUE(first.ok()) << first.error().message();

  auto second = locks.Lock("dns-rrset:_acme-challenge.example.com.");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_TRUE(locks.Lock("dns-rrset:_acme-challenge.other.example.com.").ok());

  first->reset();
  EXPECT_TRUE(locks.Lock("dns-rrset:_acme-challenge.example.com.").ok());
}

TEST(SqliteNameLocksTest, AnotherProcessHoldingTheNameExcludesUsUntilItDies) {
  test::TempDir dir;
  const std::string db = dir.File("certadns.db");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    SqliteNameLocks locks(db);
    auto held = locks.Lock("name");
    const char ok = held.ok() ? '1' : '0';
    (void)!write(ready[1], &ok, 1);
    pause();  // holds the lock until killed
    _exit(0);
  }
  close(ready[1]);
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  ASSERT_EQ(ok, '1');

  SqliteNameLocks locks(db, milliseconds(100));
  auto while_alive = locks.Lock("name");
  EXPECT_FALSE(while_alive.ok()) << "the child holds it";

  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(locks.Lock("name").ok()) << "released when its holder died";
}

TEST(SqliteNameLocksTest, OffsetsAreStableAndDiffer) {
  // The offset is part of the lock file's format: nodes of different builds must agree.
  EXPECT_EQ(SqliteNameLocks::OffsetOf(""), 14695981039346656037ull >> 2);
  EXPECT_NE(SqliteNameLocks::OffsetOf("a"), SqliteNameLocks::OffsetOf("b"));
}

}  // namespace
}  // namespace certadns::store::sqlite
