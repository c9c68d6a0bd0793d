// PgPool: a bounded pool of PostgreSQL connections. A caller waits at most `wait` for a free
// connection (then kUnavailable); connections are opened on demand up to `size`, and one
// that is lost (or left inside a transaction) is dropped rather than reused. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/postgres/pg_db.h"

namespace certadns::store::postgres {

struct PgPoolOptions {
  size_t size = 8;
  std::chrono::milliseconds wait{5000};
};

/// `url` without the pool's own query parameters (pool_size, pool_wait_ms), which libpq
/// does not know, and `options` with them applied. kInvalidArgument for a bad value.
core::Result<std::string> TakePoolOptions(const std::string& url, PgPoolOptions& options);

class PgPool {
 public:
  /// A connection lent to one caller; back to the pool when it goes away.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  /// Connects once (so a wrong URL fails at start, not at the first request).
  static core::Result<std::unique_ptr<PgPool>> Open(const std::string& conninfo,
                                                    PgPoolOptions options);

  /// A free connection, opening one when fewer than `size` exist; kUnavailable when none is
  /// free within `wait`, or when PostgreSQL cannot be reached.
  core::Result<Lease> Acquire();

  size_t OpenForTest();  // connections opened (lent or idle)

 private:
  PgPool(std::string conninfo, PgPoolOptions options)
      : conninfo_(std::move(conninfo)), options_(options) {}
  void Return(std::unique_ptr<PgConnection> conn);

  const std::string conninfo_;
  const PgPoolOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mutex_
  size_t open_ = 0;                                   // guarded by mutex_
};

}  // namespace certadns::store::postgres
