// PgNameLocks: core::NameLocks for the nodes that share one PostgreSQL database. A name's
// lock is a transaction-level advisory lock, pg_advisory_xact_lock(hashtextextended(name, 0)),
// taken in a transaction on a connection of this object's own small pool and held until the
// holder is destroyed (the transaction then ends, and the lock with it). A node that dies
// loses its connection, and PostgreSQL releases its locks at once. The wait is bounded by
// lock_timeout. A rare hash collision only serialises two names. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/name_locks.h"
#include "store/postgres/pg_pool.h"

namespace certadns::store::postgres {

class PgNameLocks final : public core::NameLocks {
 public:
  /// Connects to `url` (as PgStore::Open takes it; its pool options are ignored) with a
  /// pool of `connections`, each holding one lock at a time (a lock beyond them waits for
  /// one); a lock waits at most `wait`.
  static core::Result<std::unique_ptr<PgNameLocks>> Open(
      const std::string& url, size_t connections = 4,
      std::chrono::milliseconds wait = std::chrono::seconds(10));

  core::Result<std::unique_ptr<core::NameLock>> Lock(std::string_view name) override;

 private:
  PgNameLocks(std::unique_ptr<PgPool> pool, std::chrono::milliseconds wait)
      : pool_(std::move(pool)), wait_(wait) {}

  std::unique_ptr<PgPool> pool_;
  std::chrono::milliseconds wait_;
};

}  // namespace certadns::store::postgres
