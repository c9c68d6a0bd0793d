// The store at scale on PostgreSQL: 1,000,000 certificates (10,000 accounts), then
//  - one scheduler tick (expire, due renewals, next lifecycle event) in ms, with the plans
//    PostgreSQL chose (EXPLAIN ANALYZE), and
//  - GET /certificates' query for an account with 100 certificates, beside the same on a
//    database holding only those 100, and
//  - the store's counts behind /metrics (StatsReader::ReadServiceStats; cached 5 s).
// Needs CERTADNS_BENCH_PG_URL (or CERTADNS_TEST_PG_URL): scripts/run-bench.sh starts one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "tests/support/pg_test_database.h"

namespace certadns {
namespace {

using Clock = std::chrono::steady_clock;
using store::postgres::PgConnection;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

template <typename F>
double MedianMs(int runs, F f) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    f();
    times.push_back(Ms(Clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// `certificates` certificates over `accounts` accounts, plus "user_b100" with 100; times
// spread over the next 90 days around `now_ms`; half on auto-renew.
bool Fill(PgConnection& conn, int accounts, int certificates, int64_t now_ms) {
  std::string n = std::to_string(now_ms);
  std::string sql =
      "INSERT INTO users(id, email, plan, created_at) SELECT 'user_' || i, i || '@b.test', "
      "'elite', 0 FROM generate_series(1, " + std::to_string(accounts) + ") i;"
      "INSERT INTO users VALUES ('user_b100', 'b100@b.test', 'elite', '', 0);"
      "INSERT INTO zones(id, owner_id, name, verified, created_at) SELECT 'zone_' || id, id, "
      "id || '.test', TRUE, 0 FROM users;"
      "INSERT INTO certificates(id, owner_id, zone_id, zone_name, domain, auto_renew, status, "
      "issued_at, expires_at, next_renewal_at, created_at, updated_at) "
      "SELECT 'cert_' || i, 'user_' || (i % " + std::to_string(accounts) + " + 1), "
      "'zone_user_' || (i % " + std::to_string(accounts) + " + 1), 'z.test', 'c' || i || '.z.test', "
      "i % 2 = 0, 'issued', " + n + ", " + n + " + (i % 7776000) * 1000, " + n +
      " + (i % 7776000) * 1000 - 2592000000, i, i FROM generate_series(1, " +
      std::to_string(certificates) + ") i;"
      "INSERT INTO certificates(id, owner_id, zone_id, zone_name, domain, status, created_at, "
      "updated_at) SELECT 'cert_b' || i, 'user_b100', 'zone_user_b100', 'b.test', "
      "'b' || i || '.b.test', 'pending', i, i FROM generate_series(1, 100) i;"
      "ANALYZE;";
  auto status = conn.Run(sql);
  if (!status.ok()) std::fprintf(stderr, "fill: %s\n", status.error().message().c_str());
  return status.ok();
}

void Explain(PgConnection& conn, const std::string& what, const std::string& sql) {
  auto r = conn.Exec("EXPLAIN (ANALYZE, BUFFERS) " + sql);
  std::printf("\n-- %s\n", what.c_str());
  if (!r.ok()) {
    std::printf("   (%s)\n", r.error().message().c_str());
    return;
  }
  for (int i = 0; i < r->rows(); ++i) std::printf("   %s\n", r->Text(i, 0).c_str());
}

int Run() {
  const char* server = std::getenv("CERTADNS_BENCH_PG_URL");
  if (server == nullptr) server = std::getenv("CERTADNS_TEST_PG_URL");
  if (server == nullptr) {
    std::fprintf(stderr, "set CERTADNS_BENCH_PG_URL (scripts/pg.sh up prints one)\n");
    return 1;
  }
  setenv("CERTADNS_TEST_PG_URL", server, 1);
  int certificates = 1000000;
  if (const char* n = std::getenv("CERTADNS_BENCH_CERTIFICATES")) certificates = std::atoi(n);
  const int64_t now_ms = core::ToUnixMillis(core::SystemClock().Now());
  const core::TimePoint now = core::FromUnixMillis(now_ms);

  test::PgTestDatabase big;
  test::PgTestDatabase small;
  auto big_store = store::postgres::PgStore::Open(big.url());
  auto small_store = store::postgres::PgStore::Open(small.url());
  auto big_conn = PgConnection::Connect(big.url());
  auto small_conn = PgConnection::Connect(small.url());
  if (!big_store.ok() || !small_store.ok() || !big_conn.ok() || !small_conn.ok()) {
    std::fprintf(stderr, "cannot open the databases: %s %s\n", big.problem().c_str(),
                 small.problem().c_str());
    return 1;
  }
  auto fill_start = Clock::now();
  if (!Fill(**big_conn, 10000, certificates, now_ms)) return 1;
  double fill_s = Ms(Clock::now() - fill_start) / 1000;
  if (!Fill(**small_conn, 0, 0, now_ms)) return 1;

  auto& store = **big_store;
  int expired = 0;
  size_t due = 0;
  double tick_ms = MedianMs(5, [&] {
    auto expiring = store.ExpireCertificates(now);
    expired = expiring.ok() ? *expiring : -1;
    auto renewals = store.ListDueRenewals(now, 100);
    due = renewals.ok() ? renewals->size() : 0;
    (void)store.NextLifecycleEvent(now);
  });
  double expire_ms = MedianMs(5, [&] { (void)store.ExpireCertificates(now); });
  double due_ms = MedianMs(5, [&] { (void)store.ListDueRenewals(now, 100); });
  double next_ms = MedianMs(5, [&] { (void)store.NextLifecycleEvent(now); });
  double list_big_ms = MedianMs(21, [&] { (void)store.ListCertificates("user_b100"); });
  double list_small_ms =
      MedianMs(21, [&] { (void)(*small_store)->ListCertificates("user_b100"); });
  auto listed = store.ListCertificates("user_b100");
  double stats_ms =
      MedianMs(5, [&] { (void)store.ReadServiceStats(now, std::chrono::hours(24)); });

  std::printf("\nPostgreSQL store at scale (%d certificates, 10,001 accounts; filled in %.1f s)\n",
              certificates, fill_s);
  std::printf("| what | median |\n|---|---|\n");
  std::printf("| scheduler tick: expire (%d), due renewals (%zu, limit 100), next event | %.1f ms |\n",
              expired, due, tick_ms);
  std::printf("| of which: expire %.1f ms, due renewals %.1f ms, next event %.1f ms | |\n",
              expire_ms, due_ms, next_ms);
  std::printf("| GET /certificates query, account with %zu certificates, %d in the table | %.2f ms |\n",
              listed.ok() ? listed->size() : 0, certificates + 100, list_big_ms);
  std::printf("| same, 100 in the table | %.2f ms |\n", list_small_ms);
  std::printf("| /metrics store counts (by state and plan, renewals, jobs) | %.1f ms |\n", stats_ms);
  std::string n = std::to_string(now_ms);
  Explain(**big_conn, "expire",
          "SELECT id FROM certificates WHERE status = 'issued' AND expires_at <= " + n);
  Explain(**big_conn, "due renewals",
          "SELECT id FROM certificates WHERE status = 'issued' AND auto_renew AND "
          "next_renewal_at <= " + n + " AND (renewal_retry_at IS NULL OR renewal_retry_at <= " +
              n + ") AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = "
              "certificates.id) AND (SELECT z.verified FROM zones z WHERE z.id = "
              "certificates.zone_id AND z.owner_id = certificates.owner_id) "
              "ORDER BY next_renewal_at LIMIT 100");
  Explain(**big_conn, "next lifecycle event (renewal part)",
          "SELECT MIN(next_renewal_at) FROM certificates WHERE status = 'issued' AND auto_renew "
          "AND next_renewal_at > " + n +
              " AND (renewal_retry_at IS NULL OR renewal_retry_at <= next_renewal_at)");
  Explain(**big_conn, "next lifecycle event (expiry part)",
          "SELECT MIN(expires_at) FROM certificates WHERE status = 'issued' AND expires_at > " + n);
  Explain(**big_conn, "next lifecycle event (retry part)",
          "SELECT MIN(renewal_retry_at) FROM certificates WHERE status = 'issued' AND auto_renew "
          "AND next_renewal_at IS NOT NULL AND renewal_retry_at > " + n +
              " AND renewal_retry_at > next_renewal_at");
  Explain(**big_conn, "/metrics: certificates by state and plan",
          "SELECT c.status, u.plan, COUNT(*) FROM certificates c JOIN users u ON u.id = "
          "c.owner_id GROUP BY c.status, u.plan");
  Explain(**big_conn, "/metrics: renewals due and overdue",
          "SELECT COUNT(*), COUNT(*) FILTER (WHERE next_renewal_at <= " + n +
              " - 86400000) FROM certificates WHERE status = 'issued' AND auto_renew AND "
              "next_renewal_at <= " + n);
  Explain(**big_conn, "GET /certificates",
          "SELECT id FROM certificates WHERE owner_id = 'user_b100' ORDER BY created_at, id");
  return 0;
}

}  // namespace
}  // namespace certadns

int main() { return certadns::Run(); }
