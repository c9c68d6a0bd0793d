// The store at scale on PostgreSQL: 1,000,000 certificates (10,000 accounts), then
//  - one scheduler tick (expire, due renewals, next lifecycle event) in ms, with the plans
//    PostgreSQL chose (EXPLAIN ANALYZE), and
//  - GET /certificates' query for an account with 100 certificates, beside the same on a
//    database holding only those 100;
//  - a real `certadns serve` node on each database: its RSS idle, at its peak while its
//    sweep ticks (a certificate expires every second) and GET /certificates requests for
//    that account come over HTTP, and idle again after; and those requests' median and p99.
//  - the store's counts behind /metrics (StatsReader::ReadServiceStats; cached 5 s).
// Needs CERTADNS_BENCH_PG_URL (or CERTADNS_TEST_PG_URL): scripts/run-bench.sh starts one.
// The nodes order nothing (no CA is reachable from their configuration): auto-renewal is
// turned off in the big database before they start, so the figures are the list and the
// sweep's queries, not issuance.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "http/curl_http_client.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "tests/support/pg_test_database.h"
#include "tests/support/service_process.h"

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

// VmRSS of `pid` in kB (0 when unreadable).
long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// A node on `database_url` that orders nothing: no CA or PowerDNS is reachable from it, key
// pool off, and request throttles above what the bench sends.
test::ConfigValues NodeConfig(const std::string& database_url) {
  test::ConfigValues c;
  c["server"]["web_root"] = test::Toml("");
  c["database"]["url"] = test::Toml(database_url);
  c["acme"]["directory_url"] = test::Toml("https://127.0.0.1:1/directory");
  c["powerdns"]["api_url"] = test::Toml("http://127.0.0.1:1");
  c["issuance"]["key_pool"] = "0";
  c["limits"]["api_requests_per_s"] = "100000";
  c["limits"]["api_burst"] = "100000";
  return c;
}

struct NodeFigures {
  bool ok = false;
  long rss_idle_kb = 0, rss_peak_kb = 0, rss_after_kb = 0;
  int requests = 0, failed = 0;
  double median_ms = 0, p99_ms = 0;
};

// One node under measurement: its process, API key, figures and request times.
struct Node {
  test::ServiceProcess* process;
  const test::ConfigValues* config;
  std::string key;
  std::vector<double> times;
  std::atomic<long> peak{0};
  NodeFigures figures;
};

// Starts the nodes again (their databases hold the rows now) and, once they idle, lists
// user_b100's certificates over HTTP `requests` times on each, alternating between them so
// both meet the same load from the rest of the machine; then the sweeps tick until `busy`
// has passed, and after `settle` idle the RSS is read once more. RSS is sampled every
// 50 ms throughout.
bool MeasureNodes(std::vector<Node*> nodes, int requests, std::chrono::seconds busy,
                  std::chrono::seconds settle) {
  for (Node* node : nodes) {
    if (std::string error = node->process->Start(*node->config); !error.empty()) {
      std::fprintf(stderr, "pg_scale_bench: node: %s\n", error.c_str());
      return false;
    }
    node->key = node->process->Cli({"apikey", "create", "--email", "b100@b.test"}).out;
    node->key = node->key.substr(0, node->key.find_last_not_of(" \r\n") + 1);
  }
  std::this_thread::sleep_for(settle);
  for (Node* node : nodes) {
    node->figures.rss_idle_kb = RssKb(node->process->pid());
    node->peak = node->figures.rss_idle_kb;
  }
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      for (Node* node : nodes) node->peak = std::max(node->peak.load(), RssKb(node->process->pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  http::CurlHttpClient http({});
  const auto start = Clock::now();
  for (int i = 0; i < requests; ++i) {  // bounded: `requests` rounds
    for (Node* node : nodes) {
      http::Request request;
      request.url = node->process->base_url() + "/api/v1/certificates";
      request.timeout = std::chrono::milliseconds(5000);
      request.headers.push_back({"Authorization", "Bearer " + node->key});
      auto sent = Clock::now();
      auto response = http.Send(request);
      node->times.push_back(Ms(Clock::now() - sent));
      if (!response.ok() || response->status != 200) ++node->figures.failed;
    }
  }
  while (Clock::now() - start < busy) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  sampling = false;
  sampler.join();
  std::this_thread::sleep_for(settle);
  for (Node* node : nodes) {
    NodeFigures& f = node->figures;
    f.rss_after_kb = RssKb(node->process->pid());
    f.rss_peak_kb = std::max(node->peak.load(), f.rss_after_kb);
    node->process->Stop();
    std::sort(node->times.begin(), node->times.end());
    f.requests = requests;
    f.median_ms = node->times[node->times.size() / 2];
    f.p99_ms = node->times[std::min(node->times.size() - 1, node->times.size() * 99 / 100)];
    f.ok = true;
  }
  return true;
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
  // The nodes start once on the empty databases: they apply the migrations and make their
  // master keys (a node never makes one for a database that holds data), then stop while
  // the rows go in.
  test::ServiceProcess big_node;
  test::ServiceProcess small_node;
  const auto big_config = NodeConfig(big.url());
  const auto small_config = NodeConfig(small.url());
  for (auto* node : {&big_node, &small_node}) {
    const auto& config = node == &big_node ? big_config : small_config;
    if (std::string error = node->Start(config); !error.empty()) {
      std::fprintf(stderr, "pg_scale_bench: node: %s\n", error.c_str());
      return 1;
    }
    node->Stop();
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
  // The nodes: the fill made every auto-renewing certificate due, which a node would
  // start renewing (ordering at a CA); renewals off, the sweep still ticks every second
  // (one certificate expires each second) over the same million rows.
  if (auto off = (*big_conn)->Run("UPDATE certificates SET auto_renew = FALSE WHERE auto_renew"); !off.ok()) {
    std::fprintf(stderr, "pg_scale_bench: %s\n", off.error().message().c_str());
    return 1;
  }
  // The rows went in behind the nodes' backs (SQL, not the API), so nothing woke their
  // sweep: it is made due, as a node's own writes would have made it.
  if (auto woken = (*big_conn)->Run("UPDATE jobs SET run_at = 0 WHERE kind = 'sweep'"); !woken.ok()) {
    std::fprintf(stderr, "pg_scale_bench: %s\n", woken.error().message().c_str());
    return 1;
  }
  auto count_expired = [&] {
    auto r = (*big_conn)->Exec("SELECT COUNT(*) FROM certificates WHERE status = 'expired'");
    return r.ok() ? r->Int(0, 0) : -1;
  };
  const int64_t expired_before = count_expired();
  constexpr int kRequests = 500;
  Node big_measured{&big_node, &big_config};
  Node small_measured{&small_node, &small_config};
  if (!MeasureNodes({&big_measured, &small_measured}, kRequests, std::chrono::seconds(30),
                    std::chrono::seconds(5))) {
    return 1;
  }
  const NodeFigures& big_figures = big_measured.figures;
  const NodeFigures& small_figures = small_measured.figures;
  const int64_t expired_by_node = count_expired() - expired_before;
  std::printf("\nA `certadns serve` node on each database, %d sequential GET /certificates "
              "(user_b100, 100 certificates) over HTTP, alternating between the nodes; the big one's sweep expired %lld "
              "certificates meanwhile (one falls due each second):\n",
              kRequests, static_cast<long long>(expired_by_node));
  std::printf("| database | median | p99 | failed | RSS idle | RSS peak (requests, then "
              "ticks) | RSS idle after |\n|---|---|---|---|---|---|---|\n");
  for (const auto& [label, f] : {std::pair<std::string, const NodeFigures&>(
                                     std::to_string(certificates + 100) + " certificates", big_figures),
                                 std::pair<std::string, const NodeFigures&>("100 certificates", small_figures)}) {
    std::printf("| %s | %.2f ms | %.2f ms | %d | %.1f MiB | %.1f MiB | %.1f MiB |\n", label.c_str(),
                f.median_ms, f.p99_ms, f.failed, f.rss_idle_kb / 1024.0, f.rss_peak_kb / 1024.0,
                f.rss_after_kb / 1024.0);
  }

  return 0;
}

}  // namespace
}  // namespace certadns

int main() { return certadns::Run(); }
