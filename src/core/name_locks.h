// NameLocks: exclusive locks on names (such as one DNS name's records) shared by every
// process of a deployment, so that several certadns nodes can serialise a read-modify-write
// that the resource itself cannot make atomic (PowerDNS 4.7 has no compare-and-set on
// RRsets). The store adapters implement it on what the nodes already share: a lock file
// beside the SQLite database, PostgreSQL advisory locks. Implementations are thread-safe;
// two holders in one process exclude each other as two processes do. A lock is released
// when its holder is destroyed, and when the process holding it dies.
#pragma once

#include <memory>
#include <string_view>

#include "core/result.h"

namespace certadns::core {

/// Holds one name's lock while it lives.
class NameLock {
 public:
  virtual ~NameLock() = default;
};

class NameLocks {
 public:
  virtual ~NameLocks() = default;
  /// Waits (bounded by the implementation) for the lock on `name` and holds it until the
  /// result is destroyed. kUnavailable when another holder kept it past the bound, or the
  /// lock could not be asked for (the caller retries later).
  virtual Result<std::unique_ptr<NameLock>> Lock(std::string_view name) = 0;
};

}  // namespace certadns::core
