// PgStore's audit log (store/audit_log.h): table audit_log, migration 0011.
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {

core::Status PgStore::AppendAudit(const AuditEntry& e) {
  RETURN_IF_ERROR(
      Exec("INSERT INTO audit_log(id, owner_id, at, action, target_id, target_name, "
           "client_address, credential, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
           Params()
               .Text(e.id)
               .Text(e.owner_id)
               .Int(core::ToUnixMillis(e.at))
               .Text(e.action)
               .Text(e.target_id)
               .Text(e.target_name)
               .Text(e.client_address)
               .Text(e.credential)
               .Text(e.detail)));
  return core::Ok();
}

core::Result<std::vector<AuditEntry>> PgStore::ListAudit(const AuditQuery& q) {
  // Absent filters are NULL and match everything, so the statement text is fixed.
  Params params;
  params.Text(q.owner_id);
  q.action ? params.Text(*q.action) : params.Null();
  q.target_id ? params.Text(*q.target_id) : params.Null();
  params.Int(OptionalMillis(q.since)).Int(OptionalMillis(q.until)).Int(q.before_sequence);
  params.Int(int64_t{q.limit});
  ASSIGN_OR_RETURN(auto r, Exec("SELECT id, owner_id, at, action, target_id, target_name, "
                                "client_address, credential, detail, sequence FROM audit_log "
                                "WHERE owner_id = $1 AND ($2::TEXT IS NULL OR action = $2) "
                                "AND ($3::TEXT IS NULL OR target_id = $3) "
                                "AND ($4::BIGINT IS NULL OR at >= $4) "
                                "AND ($5::BIGINT IS NULL OR at < $5) "
                                "AND ($6::BIGINT IS NULL OR sequence < $6) "
                                "ORDER BY sequence DESC LIMIT $7",
                                params));
  std::vector<AuditEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Text(i, 1), core::FromUnixMillis(r.Int(i, 2)), r.Text(i, 3),
                   r.Text(i, 4), r.Text(i, 5), r.Text(i, 6), r.Text(i, 7), r.Text(i, 8),
                   r.Int(i, 9)});
  }
  return out;
}

}  // namespace certadns::store::postgres
