// PgTestDatabase: a fresh, empty PostgreSQL database for one test, on the server named by
// CERTADNS_TEST_PG_URL (scripts/pg.sh up writes one), dropped when the object goes away.
// Without the variable, url() is empty: the test skips, or fails when CERTADNS_REQUIRE_PG=1
// (make test sets it). Thread-compatible.
#pragma once

#include <string>

namespace certadns::test {

class PgTestDatabase {
 public:
  PgTestDatabase();
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  /// "postgresql://.../certadns_test_<random>", or "" when there is no server to use.
  const std::string& url() const { return url_; }
  /// Why url() is empty.
  const std::string& problem() const { return problem_; }
  /// Whether a missing server fails the test instead of skipping it.
  static bool Required();

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
  std::string problem_;
};

/// In a test body: skips (or fails, when required) the test when `db` has no server.
#define CERTADNS_REQUIRE_PG(db)                                          \
  do {                                                                   \
    if ((db).url().empty()) {                                            \
      if (::certadns::test::PgTestDatabase::Required()) {                \
        FAIL() << "PostgreSQL needed: " << (db).problem();               \
      }                                                                  \
      GTEST_SKIP() << "no PostgreSQL: " << (db).problem();               \
    }                                                                    \
  } while (0)

}  // namespace certadns::test
