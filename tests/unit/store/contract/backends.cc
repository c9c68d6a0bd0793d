// The backend list of the store contract suites. Adding a backend is one factory here (and
// its library in this folder's CMakeLists.txt).
#include "unit/store/contract/backends.h"

#include <cstdlib>

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/memory_store.h"
#include "support/pg_test_database.h"

namespace certadns::store::contract {
namespace {

Backend Memory() {
  return {"memory", "", false, {}, [](const test::TempDir&) -> core::Result<std::unique_ptr<Store>> {
            return std::unique_ptr<Store>(std::make_unique<test::MemoryStore>());
          }};
}

Backend Sqlite() {
  return {"sqlite", "", true,
          [](Store& store, int max) {
            static_cast<sqlite::SqliteStore&>(store).SetMaxRunningJobsPerAccount(max);
          },
          [](const test::TempDir& dir) -> core::Result<std::unique_ptr<Store>> {
            ASSIGN_OR_RETURN(auto store, sqlite::SqliteStore::Open(dir.File("store.db")));
            return std::unique_ptr<Store>(std::move(store));
          }};
}

/// PostgreSQL, on the server CERTADNS_TEST_PG_URL names (a postgresql:// URL): each test an
/// empty database of its own, dropped when the next test opens its own (tests run one at a
/// time) or at exit.
Backend Postgres() {
  const char* url = std::getenv("CERTADNS_TEST_PG_URL");
  if (url == nullptr || *url == '\0') {
    if (!test::PgTestDatabase::Required()) return {"postgres", "CERTADNS_TEST_PG_URL is not set", true, {}, {}};
    return {"postgres", "", true, {}, [](const test::TempDir&) -> core::Result<std::unique_ptr<Store>> {
              return core::FailedPrecondition("CERTADNS_REQUIRE_PG=1: set CERTADNS_TEST_PG_URL");
            }};
  }
  return {"postgres", "", true,
          [](Store& store, int max) {
            static_cast<postgres::PgStore&>(store).SetMaxRunningJobsPerAccount(max);
          },
          [](const test::TempDir&) -> core::Result<std::unique_ptr<Store>> {
            static std::unique_ptr<test::PgTestDatabase> current;
            current.reset();  // the previous test's database
            current = std::make_unique<test::PgTestDatabase>();
            if (current->url().empty()) return core::Unavailable(current->problem());
            ASSIGN_OR_RETURN(auto store, postgres::PgStore::Open(current->url()));
            return std::unique_ptr<Store>(std::move(store));
          }};
}

}  // namespace

std::vector<Backend> Backends() { return {Memory(), Sqlite(), Postgres()}; }

}  // namespace certadns::store::contract
