#include "store/postgres/pg_pool.h"

#include <charconv>

namespace certadns::store::postgres {

core::Result<std::string> TakePoolOptions(const std::string& url, PgPoolOptions& options) {
  auto query = url.find('?');
  if (query == std::string::npos) return url;
  std::string kept;
  size_t start = query + 1;
  while (start <= url.size()) {
    size_t end = url.find('&', start);
    if (end == std::string::npos) end = url.size();
    std::string pair = url.substr(start, end - start);
    auto eq = pair.find('=');
    std::string key = pair.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (key == "pool_size" || key == "pool_wait_ms") {
      long long number = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (ec != std::errc() || ptr != value.data() + value.size() || number < 1 ||
          number > 100000) {
        return core::InvalidArgument("database.url: " + key + " must be a positive number");
      }
      if (key == "pool_size") options.size = static_cast<size_t>(number);
      if (key == "pool_wait_ms") options.wait = std::chrono::milliseconds(number);
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "" : "&") + pair;
    }
    start = end + 1;
  }
  return url.substr(0, query) + (kept.empty() ? "" : "?" + kept);
}

PgPool::Lease::~Lease() {
  if (pool_ && conn_) pool_->Return(std::move(conn_));
}

core::Result<std::unique_ptr<PgPool>> PgPool::Open(const std::string& conninfo,
                                                   PgPoolOptions options) {
  if (options.size == 0) return core::InvalidArgument("postgresql pool: size must be positive");
  ASSIGN_OR_RETURN(auto first, PgConnection::Connect(conninfo));
  std::unique_ptr<PgPool> pool(new PgPool(conninfo, options));
  pool->idle_.push_back(std::move(first));
  pool->open_ = 1;
  return pool;
}

core::Result<PgPool::Lease> PgPool::Acquire() {
  {
    std::unique_lock lock(mutex_);
    bool free = freed_.wait_for(lock, options_.wait,
                                [&] { return !idle_.empty() || open_ < options_.size; });
    if (!free) {
      return core::Unavailable("no database connection free within " +
                               std::to_string(options_.wait.count()) + " ms (pool of " +
                               std::to_string(options_.size) + ")");
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // a slot for the connection opened below, outside the lock
  }
  auto conn = PgConnection::Connect(conninfo_);
  if (!conn.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    freed_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(*conn));
}

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  if (conn->IsHealthy() && conn->InTransaction()) (void)conn->Run("ROLLBACK");
  bool reusable = conn->IsHealthy() && !conn->InTransaction();
  std::lock_guard lock(mutex_);
  if (reusable) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  freed_.notify_one();
}

size_t PgPool::OpenForTest() {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace certadns::store::postgres
