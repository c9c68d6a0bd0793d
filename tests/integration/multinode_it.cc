// Several `certadns serve` nodes on one database (issue 8), black-box: users, keys and zones
// through the CLI, certificates through the REST API of both nodes, PowerDNS read through
// its API. Challenge names shared by certificates that the two nodes issue at once; 50
// certificates requested round-robin through two nodes, one of them SIGKILLed mid-run; the
// plan limit with requests racing through both. Each test runs twice: the nodes sharing a
// SQLite file, and sharing a fresh PostgreSQL database on the server CERTADNS_TEST_PG_URL
// names (skipped without it, failed when CERTADNS_REQUIRE_PG=1). Every wait is bounded.
#include <signal.h>
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "crypto/encoding.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "tests/e2e/api/api_client.h"
#include "tests/e2e/api/e2e_fixture.h"
#include "tests/support/pg_test_database.h"
#include "tests/support/service_process.h"
#include "tests/support/stack_env.h"
#include "tests/support/temp_dir.h"

namespace certadns::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

bool WaitUntil(const std::function<bool()>& done, SteadyClock::duration limit) {
  const auto deadline = SteadyClock::now() + limit;
  while (!done() && SteadyClock::now() < deadline) std::this_thread::sleep_for(milliseconds(100));
  return done();
}

std::string Trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  const auto last = s.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

/// One certificate requested through the API: its id, name and zone.
struct Requested {
  std::string id;
  std::string domain;  // as requested ("*.z.test" for a wildcard)
  std::string zone;
};

/// Two nodes on one database and master key, and the zones the test made in PowerDNS.
class Cluster {
 public:
  /// `pg`: the PostgreSQL database to share, or nullptr for a SQLite file.
  Cluster(const StackEnv& env, const PgTestDatabase* pg)
      : http_({}), pdns_(http_, {env.pdns_api_url, env.pdns_api_key, env.pdns_server_id}) {
    config_ = StackConfig(env);
    config_["database"]["url"] =
        Toml(pg != nullptr ? pg->url() : "sqlite://" + shared_.File("certadns.db"));
    config_["secrets"]["master_key_file"] = Toml(shared_.File("master.key"));
    // A dead node's jobs come back after the lease: short, so the SIGKILL test is quick.
    config_["issuance"]["lease_s"] = "3";
    config_["issuance"]["workers"] = "4";
    // The per-account cap counts running steps on every node (the database's leases): at the
    // default (workers - 1 = 3) one node could hold the single account's whole share and the
    // other claim nothing. Both nodes take part in these tests.
    config_["issuance"]["max_workers_per_account"] = "8";
  }
  ~Cluster() {
    for (auto& node : nodes_) node.Stop();
    for (const std::string& zone : zones_) (void)pdns_.DeleteZone(zone);
  }

  /// Starts both nodes, the first one alone (it creates the schema and master key).
  std::string Start() {
    for (auto& node : nodes_) {
      if (std::string e = node.Start(config_); !e.empty()) return e;
    }
    return "";
  }
  ServiceProcess& node(int i) { return nodes_[i]; }

  /// Makes the test's user, on `plan`, with an API key (through node 0's CLI).
  std::string AddUser(const std::string& plan) {
    email_ = "multinode-" + crypto::HexEncode(crypto::RandomBytes(5)) + "@example.test";
    CommandResult added = nodes_[0].Cli({"user", "add", "--email", email_, "--plan", plan});
    if (added.exit_code != 0) return added.Describe();
    CommandResult key = nodes_[0].Cli({"apikey", "create", "--email", email_});
    if (key.exit_code != 0) return key.Describe();
    api_key_ = Trim(key.out);
    return "";
  }
  /// The user's API client of node `node` (over `http`, or the cluster's own client).
  ApiClient Api(int node, http::HttpClient& http) const {
    ApiClient api(http, nodes_[node].base_url());
    api.SetApiKey(api_key_);
    return api;
  }
  ApiClient Api(int node) { return Api(node, http_); }

  /// A verified zone of the user, served by PowerDNS; its id ("" with a test failure).
  std::string AddZone(const std::string& name) {
    zones_.push_back(name);
    CommandResult imported =
        nodes_[0].Cli({"zone", "import", "--email", email_, "--name", name, "--verified"});
    EXPECT_EQ(imported.exit_code, 0) << imported.Describe();
    ApiResponse zones = Api(0).Get("/zones");
    if (zones.json.is_object() && zones.json["zones"].is_array()) {
      for (const auto& z : zones.json["zones"]) {
        if (z.value("name", "") == name) return z.value("id", "");
      }
    }
    ADD_FAILURE() << "zone " << name << " not in " << zones.Describe();
    return "";
  }

  /// The TXT values left at `_acme-challenge.<name>` (name without "*."); -1 when unreadable.
  int ChallengeValuesLeft(const Requested& r) {
    const std::string base = r.domain.rfind("*.", 0) == 0 ? r.domain.substr(2) : r.domain;
    auto rrset = pdns_.GetRrset(r.zone, "_acme-challenge." + base, "TXT");
    return rrset.ok() ? static_cast<int>(rrset->records.size()) : -1;
  }

 private:
  TempDir shared_;  // the SQLite file and the master key both nodes use
  http::CurlHttpClient http_;
  dns::powerdns::PowerDnsClient pdns_;
  ConfigValues config_;
  std::array<ServiceProcess, 2> nodes_;
  std::vector<std::string> zones_;
  std::string email_;
  std::string api_key_;
};

std::string StatusOf(const ApiClient& api, const std::string& id) {
  ApiResponse r = api.Get("/certificates/" + id);
  return r.json.is_object() ? r.json.value("status", "") : "unreadable: " + r.Describe();
}

std::string Logs(const ApiClient& api, const std::string& id) {
  ApiResponse r = api.Get("/certificates/" + id + "/logs");
  std::string text;
  if (r.json.is_object() && r.json["logs"].is_array()) {
    for (const auto& e : r.json["logs"]) text += e.value("message", "") + "\n";
  }
  return text;
}

int Occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// Requests `domain` (a wildcard when it starts with "*.") in `zone` through `api`.
std::string RequestThrough(const ApiClient& api, const std::string& zone_id,
                           const std::string& zone, const std::string& domain,
                           std::vector<Requested>& out) {
  const bool wildcard = domain.rfind("*.", 0) == 0;
  ApiResponse r = api.Post("/certificates", {{"zone_id", zone_id},
                                             {"domain", wildcard ? domain.substr(2) : domain},
                                             {"sans", nlohmann::json::array()},
                                             {"wildcard", wildcard},
                                             {"auto_renew", false}});
  if (r.status != 202 || !r.json.is_object()) return r.Describe();
  out.push_back({r.json.value("id", ""), domain, zone});
  return "";
}

/// Counts the certificates by status, read through `api`: "issued:48 validating:2".
std::map<std::string, int> Statuses(const ApiClient& api, const std::vector<Requested>& all) {
  std::map<std::string, int> by;
  for (const auto& r : all) ++by[StatusOf(api, r.id)];
  return by;
}

std::string Describe(const std::map<std::string, int>& by) {
  std::string out;
  for (const auto& [status, n] : by) out += (out.empty() ? "" : " ") + status + ":" + std::to_string(n);
  return out;
}

/// Waits (bounded) until every certificate is issued and no challenge value is left, then
/// checks both, and that each certificate was ordered from the CA exactly once.
void ExpectAllIssuedOnceAndClean(Cluster& cluster, const ApiClient& api,
                                 const std::vector<Requested>& all, seconds limit) {
  const bool settled = WaitUntil(
      [&] {
        auto by = Statuses(api, all);
        return by["pending"] + by["validating"] == 0;
      },
      limit);
  const auto by = Statuses(api, all);
  EXPECT_TRUE(settled) << Describe(by);
  EXPECT_EQ(by.count("issued") ? by.at("issued") : 0, static_cast<int>(all.size())) << Describe(by);
  for (const auto& r : all) {
    const std::string logs = Logs(api, r.id);
    if (StatusOf(api, r.id) != "issued") ADD_FAILURE() << r.domain << " not issued:\n" << logs;
    EXPECT_EQ(Occurrences(logs, "ACME order created"), 1) << r.domain << ":\n" << logs;
  }
  // Cleanup follows `issued` by one step: wait for it, bounded.
  int left = 0;
  WaitUntil(
      [&] {
        left = 0;
        for (const auto& r : all) left += std::abs(cluster.ChallengeValuesLeft(r));
        return left == 0;
      },
      seconds(30));
  EXPECT_EQ(left, 0) << "challenge TXT values left in PowerDNS";
}

// Runs each test on SQLite ("sqlite") and on PostgreSQL ("postgresql").
class MultiNodeIt : public ::testing::TestWithParam<std::string> {
 protected:
  // The database the nodes share: a fresh PostgreSQL one, or nullptr for a SQLite file.
  const PgTestDatabase* Database() {
    if (GetParam() != "postgresql") return nullptr;
    pg_ = std::make_unique<PgTestDatabase>();
    return pg_.get();
  }

 private:
  std::unique_ptr<PgTestDatabase> pg_;  // outlives the cluster (declared in the test body)
};

/// In a test body: `cluster`, on the test's database, started, or the test skips / fails.
#define START_CLUSTER(cluster)                               \
  REQUIRE_STACK(env);                                        \
  const PgTestDatabase* database = Database();               \
  if (database != nullptr) CERTADNS_REQUIRE_PG(*database);   \
  Cluster cluster(env, database);                            \
  ASSERT_EQ(cluster.Start(), "")

TEST_P(MultiNodeIt, ChallengeNamesSharedAcrossTwoNodesAreAllIssued) {
  START_CLUSTER(cluster);
  ASSERT_EQ(cluster.AddUser("elite"), "");
  // Ten zones, each with `*.zone` and `zone`: both need `_acme-challenge.zone`. Each pair is
  // requested through both nodes at once, so their steps run side by side.
  constexpr int kPairs = 10;
  std::vector<Requested> all;
  for (int i = 0; i < kPairs; ++i) {
    const std::string zone =
        "mn" + std::to_string(i) + "-" + crypto::HexEncode(crypto::RandomBytes(4)) + ".test";
    const std::string zone_id = cluster.AddZone(zone);
    ASSERT_FALSE(zone_id.empty());
    ASSERT_EQ(RequestThrough(cluster.Api(0), zone_id, zone, "*." + zone, all), "");
    ASSERT_EQ(RequestThrough(cluster.Api(1), zone_id, zone, zone, all), "");
  }
  ExpectAllIssuedOnceAndClean(cluster, cluster.Api(0), all, seconds(120));
}

TEST_P(MultiNodeIt, FiftyCertificatesThroughTwoNodesOneKilledAllIssuedOnce) {
  START_CLUSTER(cluster);
  ASSERT_EQ(cluster.AddUser("elite"), "");
  // Ten zones of five: `*.zone` and `zone` share a challenge name; three more names.
  std::vector<Requested> all;
  int turn = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string zone =
        "mf" + std::to_string(i) + "-" + crypto::HexEncode(crypto::RandomBytes(4)) + ".test";
    const std::string zone_id = cluster.AddZone(zone);
    ASSERT_FALSE(zone_id.empty());
    for (const std::string& domain :
         {"*." + zone, zone, "a." + zone, "b." + zone, "c." + zone}) {
      ASSERT_EQ(RequestThrough(cluster.Api(turn++ % 2), zone_id, zone, domain, all), "");
    }
  }
  ASSERT_EQ(all.size(), 50u);

  // Node 1 dies mid-run: some certificates issued, others not yet.
  const ApiClient api = cluster.Api(0);
  ASSERT_TRUE(WaitUntil([&] { return Statuses(api, all)["issued"] >= 5; }, seconds(60)))
      << Describe(Statuses(api, all));
  const auto before = Statuses(api, all);
  const int status = cluster.node(1).Kill();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  // It took part: it ordered some of the certificates itself.
  const int ordered_by_killed = Occurrences(cluster.node(1).LogTail(1 << 24), "ACME order created");
  std::printf("node 1 SIGKILLed at %s, after ordering %d certificates\n", Describe(before).c_str(),
              ordered_by_killed);
  EXPECT_GT(ordered_by_killed, 0);
  EXPECT_LT(before.count("issued") ? before.at("issued") : 0, 50) << "killed after the run";

  ExpectAllIssuedOnceAndClean(cluster, api, all, seconds(180));
}

TEST_P(MultiNodeIt, PlanLimitHoldsWithRequestsRacingThroughBothNodes) {
  START_CLUSTER(cluster);
  ASSERT_EQ(cluster.AddUser("plus"), "");  // the spec's Plus plan: 5 certificates
  constexpr int kLimit = 5;
  const std::string zone = "mp-" + crypto::HexEncode(crypto::RandomBytes(4)) + ".test";
  const std::string zone_id = cluster.AddZone(zone);
  ASSERT_FALSE(zone_id.empty());

  // 2N requests, half through each node, released together.
  std::vector<ApiResponse> answers(2 * kLimit);
  std::latch go(2 * kLimit);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kLimit; ++i) {
    threads.emplace_back([&, i] {
      http::CurlHttpClient http({});
      const ApiClient api = cluster.Api(i % 2, http);
      go.arrive_and_wait();
      answers[i] = api.Post("/certificates", {{"zone_id", zone_id},
                                              {"domain", "r" + std::to_string(i) + "." + zone},
                                              {"sans", nlohmann::json::array()},
                                              {"wildcard", false},
                                              {"auto_renew", false}});
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  for (const ApiResponse& r : answers) {
    if (r.status == 202) {
      ++created;
    } else {
      EXPECT_TRUE(IsError(r, 403, "certificate_limit_reached", spec::kLimitReached));
    }
  }
  EXPECT_EQ(created, kLimit);
  for (int node = 0; node < 2; ++node) {
    ApiResponse list = cluster.Api(node).Get("/certificates");
    ASSERT_TRUE(list.json.is_object() && list.json["limits"].is_object()) << list.Describe();
    EXPECT_EQ(list.json["limits"].value("current_count", -1), kLimit) << "node " << node;
    EXPECT_EQ(list.json["certificates"].size(), static_cast<size_t>(kLimit)) << "node " << node;
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, MultiNodeIt, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace certadns::test
