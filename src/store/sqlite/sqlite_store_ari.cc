// SqliteStore's ARI polling queries (store/job_queue.h): the certificates whose check of
// the CA's renewal window is due, and the outcome of a check.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

using core::ToUnixMillis;

core::Result<std::vector<AriCheckDue>> SqliteStore::ListDueAriChecks(core::TimePoint now,
                                                                     int limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT c.id, c.ari_check_failures FROM certificates c "
                   "WHERE c.status = 'issued' AND c.auto_renew = 1 AND "
                   "c.ari_check_at <= ?1 AND c.next_renewal_at > ?1 AND "
                   "NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id) "
                   "ORDER BY c.ari_check_at, c.id LIMIT ?2");
  s.Bind(1, ToUnixMillis(now)).Bind(2, int64_t{limit});
  std::vector<std::pair<std::string, int>> ids;
  while (s.Step()) ids.emplace_back(s.Text(0), static_cast<int>(s.Int(1)));
  RETURN_IF_ERROR(s.status());
  std::vector<AriCheckDue> due;
  for (const auto& [id, failures] : ids) {
    ASSIGN_OR_RETURN(auto rows, QueryCertificates(db_, "id = ?1", id, ""));
    if (!rows.empty()) due.push_back({std::move(rows.front()), failures});
  }
  return due;
}

core::Result<bool> SqliteStore::RecordAriCheck(const AriCheckResult& check) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement s(db_, "UPDATE certificates SET ari_check_at = ?3, ari_check_failures = ?4, "
                   "next_renewal_at = COALESCE(?5, next_renewal_at) "
                   "WHERE id = ?1 AND serial = ?2 AND status = 'issued' AND "
                   "NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = ?1)");
  s.Bind(1, check.certificate_id).Bind(2, check.serial);
  s.Bind(3, check.next_check_at ? std::optional<int64_t>(ToUnixMillis(*check.next_check_at))
                                : std::nullopt);
  s.Bind(4, int64_t{check.failures});
  s.Bind(5, check.next_renewal_at
                ? std::optional<int64_t>(ToUnixMillis(*check.next_renewal_at))
                : std::nullopt);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) != 1) return false;
  if (check.event) RETURN_IF_ERROR(InsertEvent(check.certificate_id, *check.event));
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

}  // namespace certadns::store::sqlite
