// Issuance latency against the real stack (Pebble + PowerDNS on loopback): from the request
// to `issued`, measured from the certificate's own created_at and issued_at, for one name,
// several names, a wildcard with its apex, and many certificates requested at once.
// Prints a table. Needs the stack's environment (scripts/run-bench.sh provides it).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/engine_harness.h"
#include "tests/support/temp_dir.h"

namespace certadns::bench {
namespace {

struct Row {
  std::string scenario;
  int requested = 0;
  int issued = 0;
  std::vector<double> latencies_ms;  // issued ones only
  double wall_ms = 0;
  std::string slowest_id;
  double slowest_ms = -1;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double LatencyMs(const core::Certificate& c) {
  if (!c.issued_at) return 0;
  return static_cast<double>(core::ToUnixMillis(*c.issued_at) - core::ToUnixMillis(c.created_at));
}

// Requests `count` certificates at once, each from `names(i)`, and waits for all.
Row Run(test::EngineHarness& h, const std::string& scenario, int count, int rounds,
        const std::function<std::vector<std::string>(int)>& names) {
  Row row{scenario};
  int serial = 0;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      std::vector<std::string> all = names(serial++);
      std::string domain = all.front();
      all.erase(all.begin());
      auto cert = h.Request(domain, all);
      ++row.requested;
      if (cert.ok()) ids.push_back(cert->id);
    }
    for (const std::string& id : ids) {
      core::Certificate c = h.WaitUntilSettled(id, std::chrono::seconds(120));
      if (c.status == core::CertificateState::kIssued) {
        ++row.issued;
        row.latencies_ms.push_back(LatencyMs(c));
        if (LatencyMs(c) > row.slowest_ms) {
          row.slowest_ms = LatencyMs(c);
          row.slowest_id = id;
        }
      } else {
        std::fprintf(stderr, "%s: %s ended %s\n%s", scenario.c_str(), id.c_str(),
                     std::string(core::ToString(c.status)).c_str(), h.EventLog(id).c_str());
      }
    }
  }
  row.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count();
  return row;
}

int Main() {
  auto env = test::ReadStackEnv();
  if (!env) {
    std::fprintf(stderr, "no stack environment: run through scripts/run-bench.sh\n");
    return 2;
  }
  int runs = std::atoi(test::EnvOr("BENCH_RUNS", "30").c_str());
  int burst = std::atoi(test::EnvOr("BENCH_BURST", "50").c_str());
  test::TempDir dir;
  auto harness = test::EngineHarness::Create(*env, dir.path(), "bench");
  if (!harness.ok()) {
    std::fprintf(stderr, "cannot set up: %s\n", harness.error().message().c_str());
    return 1;
  }
  test::EngineHarness& h = **harness;
  // As `certadns serve` runs by default: 4 workers, propagation check, a pool of 50 keys,
  // measured once the pool is full (a service that has been up) and refilled between
  // scenarios.
  const size_t pool = 50;
  h.Start(nullptr, &h.checker(), issuance::EngineConfig{}, 4, pool);
  auto warm = [&] {
    if (!h.WaitForKeyPool(pool, std::chrono::seconds(120))) {
      std::fprintf(stderr, "key pool did not fill in 120 s\n");
    }
  };
  const std::string zone = h.zone();
  auto label = [](const char* prefix, int i) { return prefix + std::to_string(i); };

  std::vector<Row> rows;
  warm();
  rows.push_back(Run(h, "1 name, one at a time", 1, runs, [&](int i) {
    return std::vector<std::string>{label("one", i) + "." + zone};
  }));
  warm();
  rows.push_back(Run(h, "3 names, one at a time", 1, runs, [&](int i) {
    std::string base = label("three", i) + "." + zone;
    return std::vector<std::string>{base, "www." + base, "api." + base};
  }));
  warm();
  rows.push_back(Run(h, "wildcard + apex, one at a time", 1, std::max(1, runs / 3), [&](int i) {
    std::string base = label("wild", i) + "." + zone;
    return std::vector<std::string>{"*." + base, base};
  }));
  warm();
  rows.push_back(Run(h, std::to_string(burst) + " x 1 name, all at once", burst, 1, [&](int i) {
    return std::vector<std::string>{label("burst", i) + "." + zone};
  }));
  h.Stop();

  std::printf("\n%-32s %9s %9s %9s %9s %9s %10s\n", "scenario", "issued", "median", "p90",
              "min", "max", "wall");
  std::printf("%-32s %9s %9s %9s %9s %9s %10s\n", "", "", "ms", "ms", "ms", "ms", "ms");
  bool all_issued = true;
  for (const Row& r : rows) {
    char issued[32];
    std::snprintf(issued, sizeof issued, "%d/%d", r.issued, r.requested);
    std::printf("%-32s %9s %9.0f %9.0f %9.0f %9.0f %10.0f\n", r.scenario.c_str(), issued,
                Percentile(r.latencies_ms, 0.5), Percentile(r.latencies_ms, 0.9),
                Percentile(r.latencies_ms, 0.0), Percentile(r.latencies_ms, 1.0), r.wall_ms);
    all_issued = all_issued && r.issued == r.requested;
  }
  std::printf("\nlatency: request to `issued` (the certificate's created_at to issued_at)\n");
  if (test::EnvOr("BENCH_TIMELINE") == "1") {
    for (const Row& r : rows) {
      auto events = h.store().ListEvents(h.user().id, r.slowest_id);
      auto cert = h.store().GetCertificate(h.user().id, r.slowest_id);
      if (!events.ok() || !cert.ok()) continue;
      std::printf("\nslowest of '%s' (%.0f ms):\n", r.scenario.c_str(), r.slowest_ms);
      for (const auto& e : *events) {
        std::printf("  +%5lld ms  %s\n",
                    static_cast<long long>(core::ToUnixMillis(e.at) -
                                           core::ToUnixMillis(cert->created_at)),
                    e.message.c_str());
      }
    }
  }
  return all_issued ? 0 : 1;
}

}  // namespace
}  // namespace certadns::bench

int main() { return certadns::bench::Main(); }
