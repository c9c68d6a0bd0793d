// OpenStore picks the Store adapter from database.url: "sqlite://PATH" (one machine) or
// "postgresql://USER@HOST:PORT/DB[?pool_size=N&pool_wait_ms=MS]" (several nodes).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace certadns::app {

core::Result<std::unique_ptr<store::Store>> OpenStore(const std::string& url);

}  // namespace certadns::app
