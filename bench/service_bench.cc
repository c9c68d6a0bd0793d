// The service end to end, as a client sees it: the real `certadns serve` (own config, SQLite
// in a temp dir) on the stack scripts/run-bench.sh starts, Elite users and API keys from the
// CLI, zones imported as verified. Each scenario times POST /api/v1/certificates -> `issued`:
// a certificate's time runs from just before its POST is sent until a client first sees it
// `issued`. Single certificates are watched with GET /certificates/{id} every 5 ms; bursts
// with one GET /certificates per account per round, rounds 10 ms per account apart (at least
// 20 ms), so the watching itself costs the server little (a list of 100 is ~0.5 ms of CPU). Then
// wrk (when BENCH_WRK names it) against GET /api/v1/certificates of an account with 100
// certificates and /healthz, and the service's RSS and thread count (/proc/PID/status) idle, at the
// peak of the 1,000 burst (sampled every 20 ms) and after it. Writes the figures as JSON to
// argv[1]; scripts/ bench_table.py prints them. Every request has a timeout and every scenario a
// deadline. Loopback only.
//
// Before each scenario the bench waits (BENCH_POOL_WAIT_S at most, default 600) until the
// service's key pool (its /metrics) holds the keys the scenario takes, or is full: the warm
// pool a service has after idle time, which refills it.
//
// Environment: BENCH_KEY_POOL (issuance.key_pool; default 1000, 200 with BENCH_BIG=0),
// BENCH_BIG=0 skips the 1,000 burst, BENCH_BIG_BUDGET_S its deadline (default 300), BENCH_WRK (wrk
// binary), BENCH_WRK_SECONDS (default 10).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
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
using nlohmann::json;
constexpr auto kWatchInterval = std::chrono::milliseconds(5);          // one certificate
constexpr auto kBurstWatchPerAccount = std::chrono::milliseconds(10);  // bursts, per account
constexpr auto kRequestTimeout = std::chrono::milliseconds(15000);
constexpr int kMaxClientThreads = 100;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Account {
  std::string email;
  std::string key;
  std::string zone;
  std::string zone_id;
};

// One certificate request of a scenario and what became of it.
struct Attempt {
  const Account* account = nullptr;
  json body;
  std::string id;
  Clock::time_point posted;
  double ms = -1;            // POST -> issued as seen; -1: not issued
  std::string final_status;  // issued, failed, "POST <status>", "timeout"
};

class Bench {
 public:
  Bench(test::ServiceProcess& service, http::HttpClient& http) : service_(service), http_(http) {}

  core::Result<http::Response> Call(const std::string& method, const std::string& path,
                                    const std::string& key, const std::string& body = "") {
    http::Request request;
    request.method = method;
    request.url = service_.base_url() + "/api/v1" + path;
    request.timeout = kRequestTimeout;
    request.headers.push_back({"Authorization", "Bearer " + key});
    if (!body.empty()) {
      request.headers.push_back({"Content-Type", "application/json"});
      request.body = body;
    }
    return http_.Send(request);
  }

  // An Elite user with an API key and one verified zone of its own.
  Account NewAccount(const std::string& label) {
    Account a;
    std::string tag = label + "-" + std::to_string(getpid()) + "-" + std::to_string(++serial_);
    a.email = tag + "@bench.test";
    a.zone = tag + ".certadns-bench.test";
    service_.Cli({"user", "add", "--email", a.email, "--plan", "elite"});
    a.key = service_.Cli({"apikey", "create", "--email", a.email}).out;
    a.key = a.key.substr(0, a.key.find_last_not_of(" \r\n") + 1);
    auto imported =
        service_.Cli({"zone", "import", "--email", a.email, "--name", a.zone, "--verified"});
    if (imported.exit_code != 0) {
      std::fprintf(stderr, "service_bench: zone import: %s\n", imported.Describe().c_str());
    }
    auto zones = Call("GET", "/zones", a.key);
    if (zones.ok()) {
      json list = json::parse(zones->body, nullptr, false);
      if (list.is_object() && list["zones"].is_array()) {
        for (const auto& z : list["zones"]) {
          if (z.value("name", "") == a.zone) a.zone_id = z.value("id", "");
        }
      }
    }
    if (a.zone_id.empty())
      std::fprintf(stderr, "service_bench: no zone id for %s\n", a.zone.c_str());
    return a;
  }

  static json Body(const Account& a, const std::string& kind, int n) {
    std::string name = "n" + std::to_string(n) + "." + a.zone;
    if (kind == "3 names") {
      return {{"zone_id", a.zone_id},
              {"domain", name},
              {"sans",
               {"a" + std::to_string(n) + "." + a.zone, "b" + std::to_string(n) + "." + a.zone}}};
    }
    if (kind == "wildcard") {
      return {{"zone_id", a.zone_id}, {"domain", a.zone}, {"wildcard", true}, {"sans", {a.zone}}};
    }
    return {{"zone_id", a.zone_id}, {"domain", name}};
  }

  // Sends every attempt's POST, from up to kMaxClientThreads threads at once.
  void PostAll(std::vector<Attempt>& attempts) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    size_t n = std::min<size_t>(attempts.size(), kMaxClientThreads);
    for (size_t t = 0; t < n; ++t) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < attempts.size(); i = next++) {
          Attempt& a = attempts[i];
          a.posted = Clock::now();
          auto r = Call("POST", "/certificates", a.account->key, a.body.dump());
          json j = r.ok() ? json::parse(r->body, nullptr, false) : json();
          if (r.ok() && r->status / 100 == 2 && j.is_object()) {
            a.id = j.value("id", "");
          }
          if (a.id.empty()) {
            a.final_status = "POST " + (r.ok() ? std::to_string(r->status) : "no answer");
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }

  // Watches until every posted attempt is settled or `deadline`.
  void Watch(std::vector<Attempt>& attempts, Clock::time_point deadline) {
    std::set<const Account*> accounts;
    for (auto& a : attempts) accounts.insert(a.account);
    bool single = attempts.size() == 1;
    auto interval = single ? kWatchInterval
                           : std::max<Clock::duration>(std::chrono::milliseconds(20),
                                                       kBurstWatchPerAccount * accounts.size());
    std::map<std::string, std::string> status;  // id -> last status seen
    while (Clock::now() < deadline) {
      if (single && !attempts[0].id.empty()) {
        auto r = Call("GET", "/certificates/" + attempts[0].id, attempts[0].account->key);
        json j = r.ok() ? json::parse(r->body, nullptr, false) : json();
        if (j.is_object()) {
          status[attempts[0].id] = j.value("status", "");
        } else {
          ++watch_errors_;
        }
      } else {
        for (const Account* account : accounts) {
          auto r = Call("GET", "/certificates", account->key);
          json j = r.ok() ? json::parse(r->body, nullptr, false) : json();
          if (!j.is_object() || !j["certificates"].is_array()) {
            ++watch_errors_;
            continue;
          }
          for (const auto& c : j["certificates"]) status[c.value("id", "")] = c.value("status", "");
        }
      }
      auto seen = Clock::now();
      bool open = false;
      for (auto& a : attempts) {
        if (a.id.empty() || !a.final_status.empty()) continue;
        auto it = status.find(a.id);
        std::string s = it == status.end() ? "" : it->second;
        if (s == "issued") {
          a.final_status = s;
          a.ms = Ms(seen - a.posted);
        } else if (s == "failed" || s == "revoked" || s == "expired") {
          a.final_status = s;
        } else {
          open = true;
        }
      }
      if (!open) return;
      std::this_thread::sleep_for(interval);
    }
    for (auto& a : attempts) {  // past the deadline: what each was last seen as
      if (!a.final_status.empty()) continue;
      auto it = status.find(a.id);
      a.final_status = "deadline, " + (it == status.end() ? std::string("unseen") : it->second);
    }
  }

  int watch_errors() const { return watch_errors_; }

  // Waits (at most `limit`) until the service's key pool holds `want` keys, as its /metrics
  // says, so that a scenario meets the warm pool an idle service has. Returns the seconds
  // waited and records them under the scenario's name; -1 when the pool did not get there.
  double WaitForPool(const std::string& metrics_url, const std::string& scenario, long want,
                     std::chrono::seconds limit) {
    auto start = Clock::now();
    long ready = -1;
    while (Clock::now() - start < limit) {
      http::Request request;
      request.method = "GET";
      request.url = metrics_url;
      request.timeout = kRequestTimeout;
      auto r = http_.Send(request);
      std::smatch m;
      static const std::regex kGauge(R"(\ncertadns_key_pool_keys ([0-9]+))");
      if (r.ok() && std::regex_search(r->body, m, kGauge)) ready = std::stol(m[1]);
      if (ready >= want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    double waited = ready >= want ? Ms(Clock::now() - start) / 1000 : -1;
    pool_waits_[scenario] = {{"want", want}, {"ready", ready}, {"waited_s", waited}};
    if (waited < 0) {
      std::fprintf(stderr, "service_bench: key pool at %ld of %ld before %s\n", ready, want,
                   scenario.c_str());
    }
    return waited;
  }
  const json& pool_waits() const { return pool_waits_; }

  // One row: `tries` rounds of `at_once` requests each (spread over `accounts`).
  json Run(const std::string& name, const std::string& kind, std::vector<Account>& accounts,
           int at_once, int tries, std::chrono::seconds budget) {
    json row = {{"scenario", name}, {"at_once", at_once}, {"accounts", accounts.size()}};
    std::vector<double> ms;
    std::vector<double> totals;
    std::vector<double> posts_ms;  // until every POST of the round was answered
    int ok = 0, sent = 0;
    std::map<std::string, int> outcomes;
    for (int round = 0; round < tries; ++round) {
      std::vector<Attempt> attempts(static_cast<size_t>(at_once));
      for (int i = 0; i < at_once; ++i) {
        Account& account = accounts[static_cast<size_t>(i) % accounts.size()];
        attempts[static_cast<size_t>(i)].account = &account;
        attempts[static_cast<size_t>(i)].body = Body(account, kind, round * at_once + i);
      }
      auto start = Clock::now();
      PostAll(attempts);
      posts_ms.push_back(Ms(Clock::now() - start));
      Watch(attempts, start + budget);
      double last = 0;
      for (auto& a : attempts) {
        ++sent;
        ++outcomes[a.final_status];
        if (a.ms >= 0) {
          ++ok;
          ms.push_back(a.ms);
          last = std::max(last, Ms(a.posted - start) + a.ms);
        }
      }
      if (at_once > 1) totals.push_back(last);
    }
    row["ms"] = ms;
    row["ok"] = ok;
    row["tries"] = sent;
    row["outcomes"] = outcomes;
    if (!totals.empty()) row["total_ms"] = totals;
    if (at_once > 1) row["posts_answered_ms"] = posts_ms;
    std::fprintf(stderr, "service_bench: %s: %d/%d issued\n", name.c_str(), ok, sent);
    return row;
  }

  // Account A's burst of 100 in flight; account B's single certificate posted right after
  // A's POSTs have all been answered.
  json Fairness(Account& burst_account, Account& single_account) {
    std::vector<Attempt> burst(100);
    for (int i = 0; i < 100; ++i) {
      burst[static_cast<size_t>(i)].account = &burst_account;
      burst[static_cast<size_t>(i)].body = Body(burst_account, "1 name", i);
    }
    std::vector<Attempt> single(1);
    single[0].account = &single_account;
    single[0].body = Body(single_account, "1 name", 0);
    auto start = Clock::now();
    PostAll(burst);
    std::thread watch_single([&] {
      PostAll(single);
      Watch(single, start + std::chrono::seconds(120));
    });
    Watch(burst, start + std::chrono::seconds(120));
    watch_single.join();
    int burst_ok = 0;
    for (auto& a : burst) burst_ok += a.ms >= 0 ? 1 : 0;
    json row = {{"scenario", "1 name during another account's 100"},
                {"at_once", 1},
                {"accounts", 1},
                {"ok", single[0].ms >= 0 ? 1 : 0},
                {"tries", 1},
                {"ms", single[0].ms >= 0 ? json::array({single[0].ms}) : json::array()},
                {"outcomes", {{single[0].final_status, 1}}},
                {"burst_issued", burst_ok}};
    std::fprintf(stderr, "service_bench: fairness: single %s after %.0f ms; burst %d/100\n",
                 single[0].final_status.c_str(), single[0].ms, burst_ok);
    return row;
  }

 private:
  test::ServiceProcess& service_;
  http::HttpClient& http_;
  int serial_ = 0;
  std::atomic<int> watch_errors_{0};  // watch GETs without a usable answer
  json pool_waits_ = json::object();   // scenario -> the key pool wait before it
};

json ProcStatus(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  json out = json::object();
  for (std::string line; std::getline(in, line);) {
    for (const char* field : {"VmRSS", "VmHWM", "Threads"}) {
      std::string prefix = std::string(field) + ":";
      if (line.rfind(prefix, 0) == 0) out[field] = std::stol(line.substr(prefix.size()));
    }
  }
  return out;  // VmRSS, VmHWM in kB
}

// Runs wrk (64 connections, 2 threads) and reads req/s and p99 from its --latency output.
json Wrk(const std::string& wrk, const std::string& url, const std::string& key, int seconds) {
  std::string command = wrk + " -t2 -c64 -d" + std::to_string(seconds) + "s --timeout 5s --latency";
  if (!key.empty()) command += " -H 'Authorization: Bearer " + key + "'";
  command += " " + url + " 2>&1";
  json out = {
      {"url_path", url.substr(url.find('/', 8))}, {"connections", 64}, {"seconds", seconds}};
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::string text;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  pclose(pipe);
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    out["requests_per_s"] = std::stod(m[1]);
  }
  if (std::regex_search(text, m, std::regex(R"(99%\s+([0-9.]+)(us|ms|s))"))) {
    double v = std::stod(m[1]);
    out["p99_ms"] = m[2] == "us" ? v / 1000 : m[2] == "s" ? v * 1000 : v;
  }
  int errors = 0;
  for (const char* kind : {"timeout", "connect", "read", "write"}) {
    if (std::regex_search(text, m, std::regex(std::string(kind) + R"( (\d+))")))
      errors += std::stoi(m[1]);
  }
  if (std::regex_search(text, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) {
    errors += std::stoi(m[1]);
  }
  out["errors"] = errors;
  return out;
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: service_bench OUT.json (run by scripts/run-bench.sh)\n");
    return 2;
  }
  auto env = test::ReadStackEnv();
  if (!env) {
    std::fprintf(stderr, "service_bench: no stack environment (use scripts/run-bench.sh)\n");
    return 2;
  }
  test::RaiseOpenFileLimit(8192);
  test::ConfigValues config = test::StackConfig(*env);
  // The per-user request throttle off: wrk measures what the server can answer, not the
  // throttle (with it, one key's requests beyond 1,000/s are answered 429).
  config["limits"]["api_requests_per_s"] = "0";
  // The pool covers the largest burst: the issue's 1,000 are timed "with a warm key pool".
  const bool big_burst = test::EnvOr("BENCH_BIG", "1") != "0";
  std::string key_pool = test::EnvOr("BENCH_KEY_POOL", big_burst ? "1000" : "200");
  config["issuance"]["key_pool"] = key_pool;
  const long pool_size = std::stol(key_pool);
  const int metrics_port = test::PickFreePort();
  config["metrics"]["listen"] = test::Toml("127.0.0.1:" + std::to_string(metrics_port));
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
  const std::chrono::seconds pool_limit(std::stoi(test::EnvOr("BENCH_POOL_WAIT_S", "600")));
  test::ServiceProcess service;
  if (std::string error = service.Start(config); !error.empty()) {
    std::fprintf(stderr, "service_bench: %s\n", error.c_str());
    return 1;
  }
  http::CurlHttpClient http({});
  Bench bench(service, http);
  // The settings a reader needs to judge the figures (the rest are the product's defaults).
  json settings = json::object();
  for (const char* section : {"dns", "issuance", "limits"}) {
    for (const auto& [key, value] : config[section])
      settings[std::string(section) + "." + key] = value;
  }
  json out = {{"key_pool", key_pool},
              {"rows", json::array()},
              {"settings", settings},
              {"watch_interval_ms", Ms(kWatchInterval)},
              {"burst_watch_ms_per_account", Ms(kBurstWatchPerAccount)}};
  auto accounts = [&](const std::string& label, int n) {
    std::vector<Account> list;
    for (int i = 0; i < n; ++i) list.push_back(bench.NewAccount(label));
    return list;
  };
  using std::chrono::seconds;
  std::this_thread::sleep_for(seconds(2));
  out["rss"]["idle"] = ProcStatus(service.pid());

  // Before each scenario, the pool holds the keys the scenario takes (or is full): it refills
  // in idle CPU time, so an idle service meets a request with a warm pool.
  auto warm = [&](const std::string& scenario, long keys) {
    bench.WaitForPool(metrics_url, scenario, std::min(keys, pool_size), pool_limit);
  };
  auto one = accounts("one", 1);
  warm("1 name", 100);
  out["rows"].push_back(bench.Run("1 name", "1 name", one, 1, 100, seconds(30)));
  auto three = accounts("three", 1);
  warm("3 names", 10);
  out["rows"].push_back(bench.Run("3 names", "3 names", three, 1, 10, seconds(30)));
  std::vector<Account> wild;  // one certificate per zone: a fresh account and zone per try
  json wild_row;
  warm("*.zone + zone", 10);
  for (int i = 0; i < 10; ++i) {
    auto a = accounts("wild", 1);
    json r = bench.Run("*.zone + zone", "wildcard", a, 1, 1, seconds(30));
    if (wild_row.is_null()) {
      wild_row = r;
    } else {
      for (auto& v : r["ms"]) wild_row["ms"].push_back(v);
      wild_row["ok"] = wild_row["ok"].get<int>() + r["ok"].get<int>();
      wild_row["tries"] = wild_row["tries"].get<int>() + r["tries"].get<int>();
      for (auto& [k, v] : r["outcomes"].items()) {
        wild_row["outcomes"][k] = wild_row["outcomes"].value(k, 0) + v.get<int>();
      }
    }
  }
  out["rows"].push_back(wild_row);
  auto ten = accounts("ten", 1);
  warm("10 at once", 30);
  out["rows"].push_back(bench.Run("10 at once", "1 name", ten, 10, 3, seconds(60)));
  auto hundred = accounts("hundred", 10);
  warm("100 at once, 10 accounts", 100);
  out["rows"].push_back(
      bench.Run("100 at once, 10 accounts", "1 name", hundred, 100, 1, seconds(120)));
  auto burster = accounts("burst", 1);
  auto bystander = accounts("bystander", 1);
  warm("1 name during another account's 100", 101);
  out["rows"].push_back(bench.Fairness(burster[0], bystander[0]));

  std::string wrk = test::EnvOr("BENCH_WRK");
  if (!wrk.empty()) {
    int secs = std::stoi(test::EnvOr("BENCH_WRK_SECONDS", "10"));
    out["wrk"]["list"] =
        Wrk(wrk, service.base_url() + "/api/v1/certificates", burster[0].key, secs);
    out["wrk"]["healthz"] = Wrk(wrk, service.base_url() + "/healthz", "", secs);
  }

  if (big_burst) {
    auto big = accounts("thousand", 10);
    warm("1,000 at once, 10 accounts", 1000);
    std::atomic<bool> sampling{true};
    json peak = ProcStatus(service.pid());
    std::thread sampler([&] {
      while (sampling) {
        json s = ProcStatus(service.pid());
        if (s.value("VmRSS", 0L) > peak.value("VmRSS", 0L)) peak["VmRSS"] = s["VmRSS"];
        if (s.value("Threads", 0L) > peak.value("Threads", 0L)) peak["Threads"] = s["Threads"];
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    seconds budget(std::stoi(test::EnvOr("BENCH_BIG_BUDGET_S", "300")));
    out["rows"].push_back(bench.Run("1,000 at once, 10 accounts", "1 name", big, 1000, 1, budget));
    sampling = false;
    sampler.join();
    peak["VmHWM"] = ProcStatus(service.pid()).value("VmHWM", 0L);
    out["rss"]["peak"] = peak;
    std::this_thread::sleep_for(seconds(5));
    out["rss"]["after"] = ProcStatus(service.pid());
  }
  out["watch_errors"] = bench.watch_errors();
  out["pool_waits"] = bench.pool_waits();
  service.Stop();
  std::ofstream(argv[1]) << out.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace certadns::bench

int main(int argc, char** argv) { return certadns::bench::Main(argc, argv); }
