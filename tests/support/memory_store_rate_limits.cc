// MemoryStore's RateLimitLedger (store/rate_limit_ledger.h): the same counts as the
// databases' queries, by scanning; one mutex makes ReserveOrder's count and record one step.
#include <algorithm>

#include "support/memory_store.h"

namespace certadns::test {
namespace {

// Adds `at` to `times` when it is inside the window.
void Collect(std::vector<core::TimePoint>& times, core::TimePoint at, core::TimePoint since) {
  if (at > since) times.push_back(at);
}

store::LedgerWindow Window(std::vector<core::TimePoint> times, int64_t limit) {
  store::LedgerWindow window;
  window.count = static_cast<int64_t>(times.size());
  if (limit > 0 && window.count >= limit) {
    std::sort(times.begin(), times.end());
    window.pivot = times[static_cast<size_t>(window.count - limit)];
  }
  return window;
}

}  // namespace

store::LedgerCounts MemoryStore::CountLedgerLocked(const store::LedgerQuery& query) const {
  store::LedgerCounts counts;
  for (const std::string& domain : query.registered_domains) {
    std::vector<core::TimePoint> times;
    for (const auto& [id, order] : ledger_orders_) {
      const auto& domains = order.registered_domains;
      if (std::find(domains.begin(), domains.end(), domain) != domains.end()) {
        Collect(times, order.at, query.domains_since);
      }
    }
    counts.certificates_per_domain[domain] = Window(std::move(times), query.domain_limit);
  }
  std::vector<core::TimePoint> duplicates;
  std::vector<core::TimePoint> orders;
  for (const auto& [id, order] : ledger_orders_) {
    if (!query.name_set.empty() && order.name_set == query.name_set) {
      Collect(duplicates, order.at, query.duplicates_since);
    }
    if (order.acme_account == query.acme_account) Collect(orders, order.at, query.orders_since);
  }
  counts.duplicates = Window(std::move(duplicates), query.duplicate_limit);
  counts.orders = Window(std::move(orders), query.order_limit);
  for (const std::string& hostname : query.hostnames) {
    std::vector<core::TimePoint> times;
    for (const auto& [id, failure] : failed_validations_) {
      if (failure.hostname == hostname) Collect(times, failure.at, query.failures_since);
    }
    counts.failed_validations[hostname] = Window(std::move(times), query.failure_limit);
  }
  return counts;
}

core::Result<store::LedgerCounts> MemoryStore::CountLedger(const store::LedgerQuery& query) {
  std::lock_guard lock(mutex_);
  return CountLedgerLocked(query);
}

core::Result<bool> MemoryStore::ReserveOrder(
    const store::LedgerQuery& query, const store::LedgerOrder& order,
    const std::function<bool(const store::LedgerCounts&)>& admit) {
  std::lock_guard lock(mutex_);
  if (ledger_orders_.count(order.id) != 0) return core::AlreadyExists("order " + order.id);
  if (!admit(CountLedgerLocked(query))) return false;
  store::LedgerOrder stored = order;
  stored.at = StoredTime(order.at);
  ledger_orders_.emplace(order.id, std::move(stored));
  return true;
}

core::Status MemoryStore::RecordOrder(const store::LedgerOrder& order) {
  std::lock_guard lock(mutex_);
  store::LedgerOrder stored = order;
  stored.at = StoredTime(order.at);
  ledger_orders_.emplace(order.id, std::move(stored));
  return core::Ok();
}

core::Status MemoryStore::ReleaseOrder(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto it = ledger_orders_.find(id); it != ledger_orders_.end()) {
    it->second.name_set.clear();
    it->second.registered_domains.clear();
  }
  return core::Ok();
}

core::Status MemoryStore::ForgetOrder(const std::string& id) {
  std::lock_guard lock(mutex_);
  ledger_orders_.erase(id);
  return core::Ok();
}

core::Status MemoryStore::RecordFailedValidation(const std::string& id,
                                                 const std::string& hostname,
                                                 core::TimePoint at) {
  std::lock_guard lock(mutex_);
  failed_validations_.emplace(id, FailedValidation{hostname, StoredTime(at)});
  return core::Ok();
}

core::Result<int64_t> MemoryStore::PruneLedger(core::TimePoint before) {
  std::lock_guard lock(mutex_);
  int64_t removed = std::erase_if(ledger_orders_, [&](const auto& e) { return e.second.at < before; });
  removed += std::erase_if(failed_validations_, [&](const auto& e) { return e.second.at < before; });
  return removed;
}

}  // namespace certadns::test
