// The HTTP server's latency under hostile load, against the real binary: `/healthz` and an
// authenticated `GET /api/v1/certificates`, first on a quiet server, then with 1,000 idle
// connections and 100 clients trickling headers one byte a second, and the time SIGTERM
// takes with those clients connected. Prints a table (the goal under load: p99 <= 100 ms).
// Every request is bounded (5 s) and so is every scenario. Loopback only. Needs the
// stack's environment (scripts/run-bench.sh provides it).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "http/curl_http_client.h"
#include "tests/support/service_process.h"
#include "tests/support/slow_clients.h"
#include "tests/support/stack_env.h"

namespace certadns::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRequests = 100;  // per endpoint and scenario
constexpr auto kScenarioBudget = std::chrono::seconds(60);

struct Row {
  std::string scenario;
  std::string endpoint;
  int sent = 0;
  int ok = 0;
  std::vector<double> ms;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void Measure(http::HttpClient& http, const std::string& base, const std::string& key,
             const std::string& scenario, std::vector<Row>& rows) {
  Row health{scenario, "GET /healthz"};
  Row list{scenario, "GET /api/v1/certificates"};
  auto end = Clock::now() + kScenarioBudget;
  for (int i = 0; i < kRequests && Clock::now() < end; ++i) {
    for (Row* row : {&health, &list}) {
      http::Request request;
      request.url = base + (row == &health ? "/healthz" : "/api/v1/certificates");
      request.timeout = std::chrono::milliseconds(5000);
      if (row == &list) request.headers.push_back({"Authorization", "Bearer " + key});
      auto start = Clock::now();
      auto response = http.Send(request);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      ++row->sent;
      row->ms.push_back(ms);  // failures count at the time they took
      if (response.ok() && response->status == 200) ++row->ok;
    }
  }
  rows.push_back(health);
  rows.push_back(list);
}

int Main() {
  auto env = test::ReadStackEnv();
  if (!env) {
    std::fprintf(stderr, "http_load_bench: no stack environment (use scripts/run-bench.sh)\n");
    return 2;
  }
  test::RaiseOpenFileLimit(8192);
  test::ServiceProcess service;
  if (std::string error = service.Start(test::StackConfig(*env)); !error.empty()) {
    std::fprintf(stderr, "http_load_bench: %s\n", error.c_str());
    return 1;
  }
  std::string email = "bench-" + std::to_string(getpid()) + "@example.test";
  service.Cli({"user", "add", "--email", email, "--plan", "pro"});
  std::string key = service.Cli({"apikey", "create", "--email", email}).out;
  key = key.substr(0, key.find_last_not_of(" \r\n") + 1);

  http::CurlHttpClient http({});
  std::vector<Row> rows;
  Measure(http, service.base_url(), key, "quiet", rows);
  double stop_ms = 0;
  int idle = 0, trickling = 0;
  {
    test::SlowClients clients(service.port(), /*addresses=*/20);
    idle = clients.OpenIdle(1000);
    trickling = clients.StartTricklers(100, std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    Measure(http, service.base_url(), key, "1000 idle + 100 trickling", rows);
    auto start = Clock::now();
    int status = service.Stop(std::chrono::seconds(30));
    stop_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!WIFEXITED(status)) stop_ms = -stop_ms;  // killed after the grace period
  }

  std::printf("\nHTTP server under load (%d requests per endpoint, sequential; %d idle and %d "
              "trickling connections opened)\n", kRequests, idle, trickling);
  std::printf("%-27s %-26s %6s %9s %9s %9s %9s\n", "scenario", "endpoint", "ok", "p50 ms",
              "p95 ms", "p99 ms", "max ms");
  for (const Row& r : rows) {
    std::printf("%-27s %-26s %3d/%-3d %9.1f %9.1f %9.1f %9.1f\n", r.scenario.c_str(),
                r.endpoint.c_str(), r.ok, r.sent, Percentile(r.ms, 0.50), Percentile(r.ms, 0.95),
                Percentile(r.ms, 0.99), Percentile(r.ms, 1.0));
  }
  if (stop_ms >= 0) {
    std::printf("SIGTERM with those clients connected: exited after %.0f ms\n", stop_ms);
  } else {
    std::printf("SIGTERM with those clients connected: still running after %.0f ms, killed\n",
                -stop_ms);
  }
  return 0;
}

}  // namespace
}  // namespace certadns::bench

int main() { return certadns::bench::Main(); }
