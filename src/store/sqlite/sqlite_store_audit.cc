// SqliteStore's audit log (store/audit_log.h): table audit_log, migration 0009.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

core::Status SqliteStore::AppendAudit(const AuditEntry& e) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "INSERT INTO audit_log(id, owner_id, at, action, target_id, target_name, "
              "client_address, credential, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.Bind(1, e.id).Bind(2, e.owner_id).Bind(3, core::ToUnixMillis(e.at)).Bind(4, e.action);
  s.Bind(5, e.target_id).Bind(6, e.target_name).Bind(7, e.client_address).Bind(8, e.credential);
  s.Bind(9, e.detail);
  return s.Run();
}

core::Result<std::vector<AuditEntry>> SqliteStore::ListAudit(const AuditQuery& q) {
  // Absent filters bind NULL and match everything, so the statement text is fixed.
  auto millis = [](const std::optional<core::TimePoint>& t) -> std::optional<int64_t> {
    if (!t) return std::nullopt;
    return core::ToUnixMillis(*t);
  };
  ReadLease db(*this);
  Statement s(*db,
              "SELECT id, owner_id, at, action, target_id, target_name, client_address, "
              "credential, detail, sequence FROM audit_log WHERE owner_id = ?1 "
              "AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR target_id = ?3) "
              "AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5) "
              "AND (?6 IS NULL OR sequence < ?6) ORDER BY sequence DESC LIMIT ?7");
  s.Bind(1, q.owner_id);
  q.action ? s.Bind(2, *q.action) : s.BindNull(2);
  q.target_id ? s.Bind(3, *q.target_id) : s.BindNull(3);
  s.Bind(4, millis(q.since)).Bind(5, millis(q.until)).Bind(6, q.before_sequence);
  s.Bind(7, int64_t{q.limit});
  std::vector<AuditEntry> out;
  while (s.Step()) {
    out.push_back({s.Text(0), s.Text(1), core::FromUnixMillis(s.Int(2)), s.Text(3), s.Text(4),
                   s.Text(5), s.Text(6), s.Text(7), s.Text(8), s.Int(9)});
  }
  RETURN_IF_ERROR(s.status());
  return out;
}

}  // namespace certadns::store::sqlite
