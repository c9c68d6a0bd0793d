#include "app/store_factory.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace certadns::app {
namespace {

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
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) return core::InvalidArgument("database.url: sqlite:// needs a path");
    RETURN_IF_ERROR(CreatePrivateFolders(std::filesystem::path(path).parent_path()));
    ASSIGN_OR_RETURN(auto store, store::sqlite::SqliteStore::Open(path));
    store->SetMaxRunningJobsPerAccount(options.max_running_jobs_per_account);
    return std::unique_ptr<store::Store>(std::move(store));
  }
  return core::InvalidArgument("database.url: unsupported scheme in '" + url +
                               "' (use sqlite://PATH)");
}

}  // namespace certadns::app
