#include "store/postgres/pg_name_locks.h"

#include <utility>

namespace certadns::store::postgres {
namespace {

// A transaction on a lent connection, holding advisory locks taken in it. Destroying it
// rolls back (nothing was written), which releases them, and lends the connection back.
class AdvisoryLock final : public core::NameLock {
 public:
  explicit AdvisoryLock(PgPool::Lease lease) : lease_(std::move(lease)) {}
  ~AdvisoryLock() override {
    if (begun_) (void)lease_->Run("ROLLBACK");
  }

  // BEGIN, then the lock on `name`, waiting at most `wait`.
  core::Status Take(std::string_view name, std::chrono::milliseconds wait) {
    RETURN_IF_ERROR(lease_->Run("BEGIN"));
    begun_ = true;
    // SET LOCAL takes no parameters; the value is a number we formatted.
    RETURN_IF_ERROR(
        lease_->Run("SET LOCAL lock_timeout = '" + std::to_string(wait.count()) + "ms'"));
    auto locked =
        lease_->Exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", Params().Text(name));
    if (!locked.ok()) return locked.error();
    return core::Ok();
  }

 private:
  PgPool::Lease lease_;
  bool begun_ = false;
};

}  // namespace

core::Result<std::unique_ptr<PgNameLocks>> PgNameLocks::Open(const std::string& url,
                                                             size_t connections,
                                                             std::chrono::milliseconds wait) {
  PgPoolOptions ignored;
  ASSIGN_OR_RETURN(std::string conninfo, TakePoolOptions(url, ignored));
  // A caller waits for a connection as long as for a lock: both mean other holders.
  ASSIGN_OR_RETURN(auto pool, PgPool::Open(conninfo, {.size = connections, .wait = wait}));
  return std::unique_ptr<PgNameLocks>(new PgNameLocks(std::move(pool), wait));
}

core::Result<std::unique_ptr<core::NameLock>> PgNameLocks::Lock(std::string_view name) {
  ASSIGN_OR_RETURN(PgPool::Lease lease, pool_->Acquire());
  auto lock = std::make_unique<AdvisoryLock>(std::move(lease));
  if (auto taken = lock->Take(name, wait_); !taken.ok()) {
    return taken.error().Wrap("lock on " + std::string(name));
  }
  return std::unique_ptr<core::NameLock>(std::move(lock));
}

}  // namespace certadns::store::postgres
