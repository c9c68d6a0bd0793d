// The backend list of the store contract suites. Adding a backend is one factory here (and
// its library in this folder's CMakeLists.txt).
#include "unit/store/contract/backends.h"

#include <cstdlib>

#include "store/sqlite/sqlite_store.h"
#include "support/memory_store.h"

namespace certadns::store::contract {
namespace {

Backend Memory() {
  return {"memory", "", [](const test::TempDir&) -> core::Result<std::unique_ptr<Store>> {
            return std::unique_ptr<Store>(std::make_unique<test::MemoryStore>());
          }};
}

Backend Sqlite() {
  return {"sqlite", "", [](const test::TempDir& dir) -> core::Result<std::unique_ptr<Store>> {
            ASSIGN_OR_RETURN(auto store, sqlite::SqliteStore::Open(dir.File("store.db")));
            return std::unique_ptr<Store>(std::move(store));
          }};
}

/// PostgreSQL, on the server CERTADNS_TEST_PG_URL names (a postgresql:// URL). Its factory
/// must hand each test an empty database of its own.
Backend Postgres() {
  const char* url = std::getenv("CERTADNS_TEST_PG_URL");
  if (url == nullptr || *url == '\0') return {"postgres", "CERTADNS_TEST_PG_URL is not set", {}};
  return {"postgres", "the PostgreSQL adapter is not built yet", {}};
}

}  // namespace

std::vector<Backend> Backends() { return {Memory(), Sqlite(), Postgres()}; }

}  // namespace certadns::store::contract
