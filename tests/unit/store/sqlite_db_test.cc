// Connection's statement cache: a text is prepared once and reused with fresh bindings, a
// nested use of the same text is not disturbed, and the cache stays within its bound.
#include "store/sqlite/sqlite_db.h"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

namespace certadns::store::sqlite {
namespace {

constexpr char kAbove[] = "SELECT x FROM t WHERE x > ?1 ORDER BY x";

std::unique_ptr<Connection> OpenNumbers(size_t capacity = Connection::kDefaultCacheCapacity) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  auto connection = std::make_unique<Connection>(db, capacity);
  EXPECT_TRUE(Exec(*connection, "CREATE TABLE t(x INTEGER); "
                                "INSERT INTO t VALUES (1), (2), (3), (4);")
                  .ok());
  return connection;
}

std::vector<int64_t> Above(Connection& db, int64_t floor) {
  Statement s(db, kAbove);
  s.Bind(1, floor);
  std::vector<int64_t> out;
  while (s.Step()) out.push_back(s.Int(0));
  EXPECT_TRUE(s.status().ok()) << s.status().error().message();
  return out;
}

// The statements the connection holds prepared right now.
int LiveStatements(sqlite3* db) {
  int count = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) ++count;
  return count;
}

TEST(SqliteStatementCacheTest, ATextIsPreparedOnceAndReusedWithNewBindings) {
  auto db = OpenNumbers();
  EXPECT_EQ(Above(*db, 2), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(Above(*db, 0), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Above(*db, 4), std::vector<int64_t>{});
  EXPECT_EQ(db->cached_statements(), 1u);
  EXPECT_EQ(LiveStatements(*db), 1) << "kept, not finalized, between uses";
}

TEST(SqliteStatementCacheTest, AReusedStatementStartsWithNoBindings) {
  auto db = OpenNumbers();
  constexpr char kSql[] = "SELECT ?1 IS NULL, ?2 IS NULL";
  {
    Statement s(*db, kSql);
    s.Bind(1, int64_t{7}).Bind(2, "x");
    ASSERT_TRUE(s.Step());
    EXPECT_EQ(s.Int(0), 0);
    EXPECT_EQ(s.Int(1), 0);
  }
  Statement again(*db, kSql);
  again.Bind(1, int64_t{7});  // ?2 left unbound: NULL, not the previous use's "x"
  ASSERT_TRUE(again.Step());
  EXPECT_EQ(again.Int(0), 0);
  EXPECT_EQ(again.Int(1), 1);
}

TEST(SqliteStatementCacheTest, ANestedUseOfTheSameTextLeavesTheOuterOneStepping) {
  auto db = OpenNumbers();
  Statement outer(*db, kAbove);
  outer.Bind(1, int64_t{0});
  std::vector<int64_t> seen;
  std::vector<size_t> inner_sizes;
  while (outer.Step()) {
    seen.push_back(outer.Int(0));
    inner_sizes.push_back(Above(*db, outer.Int(0)).size());
  }
  ASSERT_TRUE(outer.status().ok()) << outer.status().error().message();
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(inner_sizes, (std::vector<size_t>{3, 2, 1, 0}));
  EXPECT_EQ(db->cached_statements(), 1u);
}

TEST(SqliteStatementCacheTest, BeyondItsCapacityTheCacheStopsGrowingAndStatementsStillRun) {
  auto db = OpenNumbers(/*capacity=*/2);
  for (int floor = 0; floor < 5; ++floor) {
    Statement s(*db, "SELECT COUNT(*) FROM t WHERE x > " + std::to_string(floor));
    ASSERT_TRUE(s.Step()) << s.status().error().message();
    EXPECT_EQ(s.Int(0), 4 - floor);
  }
  EXPECT_EQ(db->cached_statements(), 2u);
  EXPECT_EQ(LiveStatements(*db), 2) << "statements beyond the cache are finalized after use";
}

TEST(SqliteStatementCacheTest, AFailedPrepareIsReportedAndNotCached) {
  auto db = OpenNumbers();
  Statement s(*db, "SELECT nope FROM t");
  EXPECT_FALSE(s.prepared());
  EXPECT_FALSE(s.Step());
  EXPECT_FALSE(s.status().ok());
  EXPECT_EQ(db->cached_statements(), 0u);
}

}  // namespace
}  // namespace certadns::store::sqlite
