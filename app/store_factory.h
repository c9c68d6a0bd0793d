// OpenStore picks the Store adapter from database.url: "sqlite://PATH" (one machine) or
// "postgresql://USER@HOST:PORT/DB[?pool_size=N&pool_wait_ms=MS]" (several nodes);
// OpenNameLocks the locks the nodes sharing that database serialise one DNS name's changes with.
#pragma once

#include <memory>
#include <string>

#include "core/name_locks.h"
#include "core/result.h"
#include "store/store.h"

namespace certadns::app {

struct StoreOptions {
  /// Running jobs one account may hold at once when claiming (0: no cap).
  int max_running_jobs_per_account = 0;
  /// SQLite: read-only connections for the pure reads (one per HTTP handler thread); 0: the
  /// store's default.
  int sqlite_readers = 0;
};

core::Result<std::unique_ptr<store::Store>> OpenStore(const std::string& url,
                                                      const StoreOptions& options = {});
/// `holders`: how many locks the node may hold at once (its issuance workers).
core::Result<std::unique_ptr<core::NameLocks>> OpenNameLocks(const std::string& url,
                                                             int holders);

}  // namespace certadns::app
