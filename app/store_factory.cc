#include "app/store_factory.h"

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace certadns::app {

core::Result<std::unique_ptr<store::Store>> OpenStore(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) return core::InvalidArgument("database.url: sqlite:// needs a path");
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    ASSIGN_OR_RETURN(auto store, store::sqlite::SqliteStore::Open(path));
    return std::unique_ptr<store::Store>(std::move(store));
  }
  return core::InvalidArgument("database.url: unsupported scheme in '" + url +
                               "' (use sqlite://PATH)");
}

}  // namespace certadns::app
