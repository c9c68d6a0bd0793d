// PgStore's ARI polling queries (store/job_queue.h): the certificates whose check of the
// CA's renewal window is due, and the outcome of a check (one transaction).
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {

using core::ToUnixMillis;

core::Result<std::vector<AriCheckDue>> PgStore::ListDueAriChecks(core::TimePoint now,
                                                                 int limit) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT id, ari_check_failures FROM certificates "
                                "WHERE status = 'issued' AND auto_renew AND "
                                "ari_check_at <= $1 AND next_renewal_at > $1 AND "
                                "NOT EXISTS (SELECT 1 FROM jobs j "
                                "  WHERE j.certificate_id = certificates.id) "
                                "ORDER BY ari_check_at, id LIMIT $2",
                                Params().Int(ToUnixMillis(now)).Int(int64_t{limit})));
  std::vector<AriCheckDue> due;
  for (int i = 0; i < r.rows(); ++i) {
    ASSIGN_OR_RETURN(auto rows, QueryCertificates("id = $1", Params().Text(r.Text(i, 0))));
    if (!rows.empty()) due.push_back({std::move(rows.front()), static_cast<int>(r.Int(i, 1))});
  }
  return due;
}

core::Result<bool> PgStore::RecordAriCheck(const AriCheckResult& check) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto r, conn->Exec(
      "UPDATE certificates SET ari_check_at = $3, ari_check_failures = $4, "
      "next_renewal_at = COALESCE($5, next_renewal_at) "
      "WHERE id = $1 AND serial = $2 AND status = 'issued' AND "
      "NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = $1)",
      Params().Text(check.certificate_id).Text(check.serial)
          .Int(OptionalMillis(check.next_check_at)).Int(int64_t{check.failures})
          .Int(OptionalMillis(check.next_renewal_at))));
  if (r.affected() != 1) return false;
  if (check.event) RETURN_IF_ERROR(InsertEvent(*conn, check.certificate_id, *check.event));
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

}  // namespace certadns::store::postgres
