// SqliteStore's StatsReader (store/stats_reader.h): aggregate reads, no table of its own.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

core::Result<ServiceStats> SqliteStore::ReadServiceStats(core::TimePoint now,
                                                         core::Duration overdue_after) {
  const int64_t now_ms = core::ToUnixMillis(now);
  ReadLease db(*this);
  ServiceStats stats;
  {
    Statement s(*db,
                "SELECT c.status, u.plan, COUNT(*) FROM certificates c "
                "JOIN users u ON u.id = c.owner_id GROUP BY c.status, u.plan");
    while (s.Step()) stats.certificates.push_back({s.Text(0), s.Text(1), s.Int(2)});
    RETURN_IF_ERROR(s.status());
  }
  {
    // certificates_renewal (status, auto_renew, next_renewal_at) serves this.
    Statement s(*db,
                "SELECT COUNT(*), COALESCE(SUM(next_renewal_at <= ?2), 0) "
                "FROM certificates WHERE status = 'issued' AND auto_renew = 1 "
                "AND next_renewal_at <= ?1");
    s.Bind(1, now_ms).Bind(2, now_ms - overdue_after.count());
    if (s.Step()) {
      stats.renewals_due = s.Int(0);
      stats.renewals_overdue = s.Int(1);
    }
    RETURN_IF_ERROR(s.status());
  }
  {
    Statement s(*db,
                "SELECT COUNT(*), MIN(run_at) FROM jobs WHERE run_at <= ?1 "
                "AND (lease_until IS NULL OR lease_until <= ?1)");
    s.Bind(1, now_ms);
    if (s.Step()) {
      stats.jobs_due = s.Int(0);
      if (auto oldest = s.OptionalInt(1)) stats.oldest_due_job = core::FromUnixMillis(*oldest);
    }
    RETURN_IF_ERROR(s.status());
  }
  return stats;
}

core::Result<std::vector<CertificateExpiry>> SqliteStore::ListCertificateExpiries(int limit) {
  ReadLease db(*this);
  Statement s(*db,
              "SELECT id, domain, expires_at FROM certificates "
              "WHERE expires_at IS NOT NULL ORDER BY id LIMIT ?1");
  s.Bind(1, int64_t{limit});
  std::vector<CertificateExpiry> out;
  while (s.Step()) out.push_back({s.Text(0), s.Text(1), core::FromUnixMillis(s.Int(2))});
  RETURN_IF_ERROR(s.status());
  return out;
}

}  // namespace certadns::store::sqlite
