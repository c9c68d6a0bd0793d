// PgStore's rate-limit ledger (store/rate_limit_ledger.h): tables rate_limit_*, migration
// 0013. ReserveOrder counts and inserts in one transaction holding one advisory lock that
// every node takes for it, so reservations pass one at a time across the cluster.
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {
namespace {

constexpr std::string_view kReserveLock =
    "SELECT pg_advisory_xact_lock(hashtextextended('certadns:rate_limits', 0))";

core::Result<LedgerWindow> Window(PgConnection& conn, std::string_view from_where,
                                  const std::string& key, core::TimePoint since, int64_t limit) {
  LedgerWindow window;
  const std::string tail = std::string(from_where) + " = $1 AND created_at > $2";
  ASSIGN_OR_RETURN(auto count, conn.Exec("SELECT COUNT(*) " + tail,
                                         Params().Text(key).Int(core::ToUnixMillis(since))));
  window.count = count.Int(0, 0);
  if (limit > 0 && window.count >= limit) {
    ASSIGN_OR_RETURN(auto pivot,
                     conn.Exec("SELECT created_at " + tail + " ORDER BY created_at LIMIT 1 OFFSET $3",
                               Params().Text(key).Int(core::ToUnixMillis(since))
                                   .Int(window.count - limit)));
    if (pivot.rows() > 0) window.pivot = core::FromUnixMillis(pivot.Int(0, 0));
  }
  return window;
}

core::Result<LedgerCounts> Count(PgConnection& conn, const LedgerQuery& q) {
  LedgerCounts counts;
  for (const std::string& domain : q.registered_domains) {
    ASSIGN_OR_RETURN(counts.certificates_per_domain[domain],
                     Window(conn, "FROM rate_limit_order_domains WHERE registered_domain", domain,
                            q.domains_since, q.domain_limit));
  }
  if (!q.name_set.empty()) {
    ASSIGN_OR_RETURN(counts.duplicates, Window(conn, "FROM rate_limit_orders WHERE name_set",
                                               q.name_set, q.duplicates_since, q.duplicate_limit));
  }
  ASSIGN_OR_RETURN(counts.orders, Window(conn, "FROM rate_limit_orders WHERE acme_account",
                                         q.acme_account, q.orders_since, q.order_limit));
  for (const std::string& hostname : q.hostnames) {
    ASSIGN_OR_RETURN(counts.failed_validations[hostname],
                     Window(conn, "FROM rate_limit_failed_validations WHERE hostname", hostname,
                            q.failures_since, q.failure_limit));
  }
  return counts;
}

// Inserts `order` and its registered domains; a repeated id changes nothing (callers that
// must see it check first).
core::Status Insert(PgConnection& conn, const LedgerOrder& order) {
  const int64_t at = core::ToUnixMillis(order.at);
  ASSIGN_OR_RETURN(auto inserted,
                   conn.Exec("INSERT INTO rate_limit_orders(id, certificate_id, acme_account, "
                             "name_set, created_at) VALUES ($1, $2, $3, $4, $5) "
                             "ON CONFLICT (id) DO NOTHING",
                             Params().Text(order.id).Text(order.certificate_id)
                                 .Text(order.acme_account).Text(order.name_set).Int(at)));
  if (inserted.affected() == 0) return core::Ok();
  for (const std::string& domain : order.registered_domains) {
    RETURN_IF_ERROR(conn.Exec("INSERT INTO rate_limit_order_domains(order_id, registered_domain, "
                              "created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                              Params().Text(order.id).Text(domain).Int(at)));
  }
  return core::Ok();
}

}  // namespace

core::Result<LedgerCounts> PgStore::CountLedger(const LedgerQuery& query) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return Count(*conn, query);
}

core::Result<bool> PgStore::ReserveOrder(const LedgerQuery& query, const LedgerOrder& order,
                                         const std::function<bool(const LedgerCounts&)>& admit) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(conn->Exec(kReserveLock));
  ASSIGN_OR_RETURN(auto existing, conn->Exec("SELECT 1 FROM rate_limit_orders WHERE id = $1",
                                             Params().Text(order.id)));
  if (existing.rows() > 0) return core::AlreadyExists("order " + order.id);
  ASSIGN_OR_RETURN(LedgerCounts counts, Count(*conn, query));
  if (!admit(counts)) return false;
  RETURN_IF_ERROR(Insert(*conn, order));
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

core::Status PgStore::RecordOrder(const LedgerOrder& order) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(Insert(*conn, order));
  return tx.Commit();
}

core::Status PgStore::ReleaseOrder(const std::string& id) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(conn->Exec("UPDATE rate_limit_orders SET name_set = '' WHERE id = $1",
                             Params().Text(id)));
  RETURN_IF_ERROR(conn->Exec("DELETE FROM rate_limit_order_domains WHERE order_id = $1",
                             Params().Text(id)));
  return tx.Commit();
}

core::Status PgStore::ForgetOrder(const std::string& id) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(conn->Exec("DELETE FROM rate_limit_order_domains WHERE order_id = $1",
                             Params().Text(id)));
  RETURN_IF_ERROR(conn->Exec("DELETE FROM rate_limit_orders WHERE id = $1", Params().Text(id)));
  return tx.Commit();
}

core::Status PgStore::RecordFailedValidation(const std::string& id, const std::string& hostname,
                                             core::TimePoint at) {
  RETURN_IF_ERROR(Exec("INSERT INTO rate_limit_failed_validations(id, hostname, created_at) "
                       "VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                       Params().Text(id).Text(hostname).Int(core::ToUnixMillis(at))));
  return core::Ok();
}

core::Result<int64_t> PgStore::PruneLedger(core::TimePoint before) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  int64_t removed = 0;
  for (const char* table : {"rate_limit_order_domains", "rate_limit_orders",
                            "rate_limit_failed_validations"}) {
    ASSIGN_OR_RETURN(auto r, conn->Exec(std::string("DELETE FROM ") + table +
                                            " WHERE created_at < $1",
                                        Params().Int(core::ToUnixMillis(before))));
    removed += r.affected();
  }
  RETURN_IF_ERROR(tx.Commit());
  return removed;
}

}  // namespace certadns::store::postgres
