// OpenStore picks the Store adapter from database.url ("sqlite://PATH").
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace certadns::app {

struct StoreOptions {
  /// Running jobs one account may hold at once when claiming (0: no cap).
  int max_running_jobs_per_account = 0;
};

core::Result<std::unique_ptr<store::Store>> OpenStore(const std::string& url,
                                                      const StoreOptions& options = {});

}  // namespace certadns::app
