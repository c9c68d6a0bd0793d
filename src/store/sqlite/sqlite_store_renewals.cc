// SqliteStore's status changes outside the engine's steps: revocation, expiry, and the
// renewal queries of the engine's sweep.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

using core::FromUnixMillis;
using core::ToUnixMillis;

core::Status SqliteStore::SetCertificateStatus(const std::string& owner_id,
                                               const std::string& id,
                                               core::CertificateState status,
                                               const core::CertificateEvent& event) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement s(db_, "UPDATE certificates SET status = ?3, updated_at = ?4 "
                   "WHERE owner_id = ?1 AND id = ?2");
  s.Bind(1, owner_id).Bind(2, id).Bind(3, core::ToString(status)).Bind(4, ToUnixMillis(event.at));
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("certificate " + id);
  RETURN_IF_ERROR(InsertEvent(id, event));
  return tx.Commit();
}

core::Result<int> SqliteStore::ExpireCertificates(core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  int64_t now_ms = ToUnixMillis(now);
  Statement log(db_, "INSERT INTO certificate_events(certificate_id, at, level, message) "
                     "SELECT id, ?1, 'warning', 'Certificate expired on ' || "
                     "strftime('%Y-%m-%dT%H:%M:%SZ', expires_at / 1000, 'unixepoch') "
                     "FROM certificates WHERE status = 'issued' AND expires_at <= ?1");
  RETURN_IF_ERROR(log.Bind(1, now_ms).Run());
  Statement mark(db_, "UPDATE certificates SET status = 'expired', updated_at = ?1 "
                      "WHERE status = 'issued' AND expires_at <= ?1");
  RETURN_IF_ERROR(mark.Bind(1, now_ms).Run());
  int changed = sqlite3_changes(db_);
  RETURN_IF_ERROR(tx.Commit());
  return changed;
}

core::Result<std::vector<core::Certificate>> SqliteStore::ListDueRenewals(core::TimePoint now,
                                                                          int limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT c.id FROM certificates c WHERE c.status = 'issued' AND "
                   "c.auto_renew = 1 AND c.next_renewal_at <= ?1 AND "
                   "(c.renewal_retry_at IS NULL OR c.renewal_retry_at <= ?1) AND "
                   "NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id) AND "
                   "EXISTS (SELECT 1 FROM zones z WHERE z.id = c.zone_id AND "
                   "z.owner_id = c.owner_id AND z.verified = 1) "
                   "ORDER BY c.next_renewal_at LIMIT ?2");
  s.Bind(1, ToUnixMillis(now)).Bind(2, int64_t{limit});
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  RETURN_IF_ERROR(s.status());
  std::vector<core::Certificate> due;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(auto rows, QueryCertificates(db_, "id = ?1", id, ""));
    if (!rows.empty()) due.push_back(std::move(rows.front()));
  }
  return due;
}

core::Status SqliteStore::StartAutoRenewal(const Job& job, core::TimePoint retry_at) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  RETURN_IF_ERROR(InsertJob(job));
  Statement s(db_, "UPDATE certificates SET renewal_retry_at = ?2 WHERE id = ?1");
  RETURN_IF_ERROR(s.Bind(1, job.certificate_id).Bind(2, ToUnixMillis(retry_at)).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("certificate " + job.certificate_id);
  return tx.Commit();
}

core::Result<std::optional<core::TimePoint>> SqliteStore::NextLifecycleEvent(
    core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT MIN(t) FROM ("
                   "SELECT expires_at AS t FROM certificates "
                   "  WHERE status = 'issued' AND expires_at > ?1 "
                   "UNION ALL SELECT MAX(next_renewal_at, COALESCE(renewal_retry_at, 0)) "
                   "  FROM certificates WHERE status = 'issued' AND auto_renew = 1 AND "
                   "  MAX(next_renewal_at, COALESCE(renewal_retry_at, 0)) > ?1 "
                   "UNION ALL SELECT MIN(ari_check_at) FROM certificates "
                   "  WHERE status = 'issued' AND auto_renew = 1 AND ari_check_at > ?1)");
  s.Bind(1, ToUnixMillis(now));
  if (!s.Step() || s.IsNull(0)) {
    RETURN_IF_ERROR(s.status());
    return std::optional<core::TimePoint>();
  }
  return std::optional<core::TimePoint>(FromUnixMillis(s.Int(0)));
}

}  // namespace certadns::store::sqlite
