// SqliteNameLocks: the NameLocks contract on a lock file beside a SQLite database, and the
// stability of its offsets.
#include "store/sqlite/sqlite_name_locks.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tests/unit/store/name_locks_contract.h"

namespace certadns::store::sqlite {
namespace {

class SqliteBackend final : public test::NameLocksBackend {
 public:
  std::unique_ptr<core::NameLocks> Node(std::chrono::milliseconds wait) override {
    return std::make_unique<SqliteNameLocks>(dir_.File("certadns.db"), wait);
  }

 private:
  test::TempDir dir_;
};

using test::NameLocksContractTest;
INSTANTIATE_TEST_SUITE_P(Sqlite, NameLocksContractTest,
                         ::testing::Values(test::NameLocksBackendFactory([] {
                           return std::unique_ptr<test::NameLocksBackend>(
                               std::make_unique<SqliteBackend>());
                         })));

TEST(SqliteNameLocksTest, OffsetsAreStableAndDiffer) {
  // The offset is part of the lock file's format: nodes of different builds must agree.
  EXPECT_EQ(SqliteNameLocks::OffsetOf(""), 14695981039346656037ull >> 2);
  EXPECT_NE(SqliteNameLocks::OffsetOf("a"), SqliteNameLocks::OffsetOf("b"));
}

}  // namespace
}  // namespace certadns::store::sqlite
