#include "app/store_factory.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/postgres/pg_name_locks.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_name_locks.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::app {
namespace {

constexpr std::string_view kSqlite = "sqlite://";

// Creates the missing folders of `folder`, each 0700: the database's folder is private.
// Folders that exist already are left as they are (they may be shared, like /var/lib).
core::Status CreatePrivateFolders(const std::filesystem::path& folder) {
  std::filesystem::path partial;
  for (const auto& part : folder) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return core::Unavailable("cannot create the database folder " + partial.string() + ": " +
                               std::strerror(errno));
    }
  }
  return core::Ok();
}

}  // namespace

core::Result<std::unique_ptr<store::Store>> OpenStore(const std::string& url,
                                                      const StoreOptions& options) {
  if (url.rfind(kSqlite, 0) == 0) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) return core::InvalidArgument("database.url: sqlite:// needs a path");
    RETURN_IF_ERROR(CreatePrivateFolders(std::filesystem::path(path).parent_path()));
    const int readers = options.sqlite_readers > 0 ? options.sqlite_readers
                                                   : store::sqlite::SqliteStore::kDefaultReaders;
    ASSIGN_OR_RETURN(auto store, store::sqlite::SqliteStore::Open(path, readers));
    store->SetMaxRunningJobsPerAccount(options.max_running_jobs_per_account);
    return std::unique_ptr<store::Store>(std::move(store));
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    ASSIGN_OR_RETURN(auto store, store::postgres::PgStore::Open(url));
    store->SetMaxRunningJobsPerAccount(options.max_running_jobs_per_account);
    return std::unique_ptr<store::Store>(std::move(store));
  }
  return core::InvalidArgument("database.url: unsupported scheme in '" + url +
                               "' (use sqlite://PATH or postgresql://USER@HOST:PORT/DB)");
}

core::Result<std::unique_ptr<core::NameLocks>> OpenNameLocks(const std::string& url,
                                                             int holders) {
  if (url.rfind(kSqlite, 0) == 0) {
    return std::unique_ptr<core::NameLocks>(
        std::make_unique<store::sqlite::SqliteNameLocks>(url.substr(kSqlite.size())));
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    ASSIGN_OR_RETURN(auto locks, store::postgres::PgNameLocks::Open(url, static_cast<size_t>(std::max(1, holders))));
    return std::unique_ptr<core::NameLocks>(std::move(locks));
  }
  return core::InvalidArgument("database.url: unsupported scheme in '" + url + "'");
}

}  // namespace certadns::app
