// SqliteStore's rate-limit ledger (store/rate_limit_ledger.h): tables rate_limit_*, migration
// 0011. ReserveOrder counts and inserts inside one BEGIN IMMEDIATE transaction, which holds
// the database's write lock, so no other connection (thread or process) counts meanwhile.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

core::Result<LedgerWindow> SqliteStore::LedgerWindowLocked(std::string_view from_where,
                                                           const std::string& key,
                                                           core::TimePoint since, int64_t limit) {
  LedgerWindow window;
  const std::string tail = std::string(from_where) + " = ?1 AND created_at > ?2";
  {
    Statement s(db_, "SELECT COUNT(*) " + tail);
    s.Bind(1, key).Bind(2, core::ToUnixMillis(since));
    window.count = s.Step() ? s.Int(0) : 0;
    RETURN_IF_ERROR(s.status());
  }
  if (limit > 0 && window.count >= limit) {
    Statement s(db_, "SELECT created_at " + tail + " ORDER BY created_at LIMIT 1 OFFSET ?3");
    s.Bind(1, key).Bind(2, core::ToUnixMillis(since)).Bind(3, window.count - limit);
    if (s.Step()) window.pivot = core::FromUnixMillis(s.Int(0));
    RETURN_IF_ERROR(s.status());
  }
  return window;
}

core::Result<LedgerCounts> SqliteStore::CountLedgerLocked(const LedgerQuery& q) {
  LedgerCounts counts;
  for (const std::string& domain : q.registered_domains) {
    ASSIGN_OR_RETURN(counts.certificates_per_domain[domain],
                     LedgerWindowLocked("FROM rate_limit_order_domains WHERE registered_domain",
                                        domain, q.domains_since, q.domain_limit));
  }
  if (!q.name_set.empty()) {
    ASSIGN_OR_RETURN(counts.duplicates,
                     LedgerWindowLocked("FROM rate_limit_orders WHERE name_set", q.name_set,
                                        q.duplicates_since, q.duplicate_limit));
  }
  ASSIGN_OR_RETURN(counts.orders,
                   LedgerWindowLocked("FROM rate_limit_orders WHERE acme_account", q.acme_account,
                                      q.orders_since, q.order_limit));
  for (const std::string& hostname : q.hostnames) {
    ASSIGN_OR_RETURN(counts.failed_validations[hostname],
                     LedgerWindowLocked("FROM rate_limit_failed_validations WHERE hostname",
                                        hostname, q.failures_since, q.failure_limit));
  }
  return counts;
}

core::Status SqliteStore::InsertLedgerOrder(const LedgerOrder& order, bool ignore_existing) {
  const int64_t at = core::ToUnixMillis(order.at);
  Statement s(db_, std::string("INSERT ") + (ignore_existing ? "OR IGNORE " : "") +
                       "INTO rate_limit_orders(id, certificate_id, acme_account, name_set, "
                       "created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.Bind(1, order.id).Bind(2, order.certificate_id).Bind(3, order.acme_account);
  s.Bind(4, order.name_set).Bind(5, at);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) == 0) return core::Ok();  // recorded before (ignore_existing)
  for (const std::string& domain : order.registered_domains) {
    Statement d(db_, "INSERT OR IGNORE INTO rate_limit_order_domains(order_id, registered_domain, "
                     "created_at) VALUES (?1, ?2, ?3)");
    d.Bind(1, order.id).Bind(2, domain).Bind(3, at);
    RETURN_IF_ERROR(d.Run());
  }
  return core::Ok();
}

core::Result<LedgerCounts> SqliteStore::CountLedger(const LedgerQuery& query) {
  std::lock_guard lock(mutex_);
  return CountLedgerLocked(query);
}

core::Result<bool> SqliteStore::ReserveOrder(
    const LedgerQuery& query, const LedgerOrder& order,
    const std::function<bool(const LedgerCounts&)>& admit) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  {
    Statement existing(db_, "SELECT 1 FROM rate_limit_orders WHERE id = ?1");
    if (existing.Bind(1, order.id).Step()) return core::AlreadyExists("order " + order.id);
    RETURN_IF_ERROR(existing.status());
  }
  ASSIGN_OR_RETURN(LedgerCounts counts, CountLedgerLocked(query));
  if (!admit(counts)) return false;
  RETURN_IF_ERROR(InsertLedgerOrder(order, /*ignore_existing=*/false));
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

core::Status SqliteStore::RecordOrder(const LedgerOrder& order) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(InsertLedgerOrder(order, /*ignore_existing=*/true));
  return tx.Commit();
}

core::Status SqliteStore::ReleaseOrder(const std::string& id) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement order(db_, "UPDATE rate_limit_orders SET name_set = '' WHERE id = ?1");
  RETURN_IF_ERROR(order.Bind(1, id).Run());
  Statement domains(db_, "DELETE FROM rate_limit_order_domains WHERE order_id = ?1");
  RETURN_IF_ERROR(domains.Bind(1, id).Run());
  return tx.Commit();
}

core::Status SqliteStore::ForgetOrder(const std::string& id) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement domains(db_, "DELETE FROM rate_limit_order_domains WHERE order_id = ?1");
  RETURN_IF_ERROR(domains.Bind(1, id).Run());
  Statement order(db_, "DELETE FROM rate_limit_orders WHERE id = ?1");
  RETURN_IF_ERROR(order.Bind(1, id).Run());
  return tx.Commit();
}

core::Status SqliteStore::RecordFailedValidation(const std::string& id,
                                                 const std::string& hostname,
                                                 core::TimePoint at) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT OR IGNORE INTO rate_limit_failed_validations(id, hostname, created_at) "
                   "VALUES (?1, ?2, ?3)");
  s.Bind(1, id).Bind(2, hostname).Bind(3, core::ToUnixMillis(at));
  return s.Run();
}

core::Result<int64_t> SqliteStore::PruneLedger(core::TimePoint before) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  int64_t removed = 0;
  for (const char* table : {"rate_limit_order_domains", "rate_limit_orders",
                            "rate_limit_failed_validations"}) {
    Statement s(db_, std::string("DELETE FROM ") + table + " WHERE created_at < ?1");
    RETURN_IF_ERROR(s.Bind(1, core::ToUnixMillis(before)).Run());
    removed += sqlite3_changes(db_);
  }
  RETURN_IF_ERROR(tx.Commit());
  return removed;
}

}  // namespace certadns::store::sqlite
