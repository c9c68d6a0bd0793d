// PgStore's StatsReader (store/stats_reader.h): aggregate reads, no table of its own.
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {

core::Result<ServiceStats> PgStore::ReadServiceStats(core::TimePoint now,
                                                     core::Duration overdue_after) {
  const int64_t now_ms = core::ToUnixMillis(now);
  ServiceStats stats;
  ASSIGN_OR_RETURN(auto by_state, Exec("SELECT c.status, u.plan, COUNT(*) FROM certificates c "
                                       "JOIN users u ON u.id = c.owner_id "
                                       "GROUP BY c.status, u.plan",
                                       Params()));
  for (int i = 0; i < by_state.rows(); ++i) {
    stats.certificates.push_back({by_state.Text(i, 0), by_state.Text(i, 1), by_state.Int(i, 2)});
  }
  ASSIGN_OR_RETURN(auto renewals,
                   Exec("SELECT COUNT(*), COUNT(*) FILTER (WHERE next_renewal_at <= $2) "
                        "FROM certificates WHERE status = 'issued' AND auto_renew "
                        "AND next_renewal_at <= $1",
                        Params().Int(now_ms).Int(now_ms - overdue_after.count())));
  stats.renewals_due = renewals.Int(0, 0);
  stats.renewals_overdue = renewals.Int(0, 1);
  ASSIGN_OR_RETURN(auto jobs, Exec("SELECT COUNT(*), MIN(run_at) FROM jobs WHERE run_at <= $1 "
                                   "AND (lease_until IS NULL OR lease_until <= $1)",
                                   Params().Int(now_ms)));
  stats.jobs_due = jobs.Int(0, 0);
  if (auto oldest = jobs.OptionalInt(0, 1)) stats.oldest_due_job = core::FromUnixMillis(*oldest);
  return stats;
}

core::Result<std::vector<CertificateExpiry>> PgStore::ListCertificateExpiries(int limit) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT id, domain, expires_at FROM certificates "
                                "WHERE expires_at IS NOT NULL ORDER BY id LIMIT $1",
                                Params().Int(int64_t{limit})));
  std::vector<CertificateExpiry> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Text(i, 1), core::FromUnixMillis(r.Int(i, 2))});
  }
  return out;
}

}  // namespace certadns::store::postgres
