#include "tests/e2e/api/e2e_fixture.h"

#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <cctype>
#include <random>
#include <thread>

namespace certadns::test {
namespace {

struct SuiteState {
  std::optional<StackEnv> env;
  std::unique_ptr<http::CurlHttpClient> http;
  std::map<std::string, std::unique_ptr<http::CurlHttpClient>> http_from;  // by local address
  std::unique_ptr<dns::powerdns::PowerDnsClient> pdns;
  std::unique_ptr<dns::powerdns::PowerDnsClient> world;
  std::unique_ptr<ServiceProcess> service;
  std::string start_error;
  std::vector<std::string> zones;
  std::vector<std::string> world_zones;
};

SuiteState& State() {
  static SuiteState state;
  return state;
}

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

}  // namespace

void ApiE2eTest::SetUpTestSuite() { SetUpTestSuiteWith({}); }

void ApiE2eTest::SetUpTestSuiteWith(const ConfigValues& overrides) {
  SuiteState& s = State();
  s = SuiteState{};
  s.env = ReadStackEnv();
  if (!s.env) return;  // SetUp skips or fails each test
  s.http = std::make_unique<http::CurlHttpClient>(
      http::CurlHttpClientOptions{.ca_bundle = s.env->acme_ca_bundle});
  s.pdns = std::make_unique<dns::powerdns::PowerDnsClient>(
      *s.http, dns::powerdns::PowerDnsConfig{s.env->pdns_api_url, s.env->pdns_api_key,
                                             s.env->pdns_server_id});
  s.world = std::make_unique<dns::powerdns::PowerDnsClient>(
      *s.http, dns::powerdns::PowerDnsConfig{s.env->world_pdns_api_url,
                                             s.env->world_pdns_api_key, "localhost"});
  s.service = std::make_unique<ServiceProcess>();
  ConfigValues config = StackConfig(*s.env);
  for (const auto& [section, keys] : overrides) {
    for (const auto& [key, value] : keys) config[section][key] = value;
  }
  s.start_error = s.service->Start(config);
}

void ApiE2eTest::TearDownTestSuite() {
  SuiteState& s = State();
  if (s.pdns) {
    for (const std::string& zone : s.zones) (void)s.pdns->DeleteZone(zone);
  }
  if (s.world) {
    for (const std::string& zone : s.world_zones) (void)s.world->DeleteZone(zone);
  }
  // Our idle keep-alive connections would hold the server's threads until they time out.
  s.pdns.reset();
  s.world.reset();
  s.http.reset();
  s.http_from.clear();
  if (s.service) {
    int status = s.service->Stop();
    // A clean stop is part of the contract (SIGTERM -> exit 0).
    if (s.start_error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      ADD_FAILURE() << "certadns serve did not exit cleanly on SIGTERM (wait status " << status
                    << "):\n"
                    << s.service->LogTail();
    }
  }
  s.service.reset();
}

void ApiE2eTest::SetUp() {
  SuiteState& s = State();
  if (!s.env) {
    if (StackRequired()) FAIL() << "integration stack env missing";
    GTEST_SKIP() << "no integration stack (run scripts/devstack.sh up, source its env)";
  }
  ASSERT_TRUE(s.start_error.empty()) << s.start_error;
}

const StackEnv& ApiE2eTest::env() { return *State().env; }
ServiceProcess& ApiE2eTest::service() { return *State().service; }
http::HttpClient& ApiE2eTest::http() { return *State().http; }
dns::powerdns::PowerDnsClient& ApiE2eTest::pdns() { return *State().pdns; }
dns::powerdns::PowerDnsClient& ApiE2eTest::world() { return *State().world; }

std::string ApiE2eTest::Unique(std::string_view prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int i = 0; i < 10; ++i) out += kHex[rng() % 16];
  return out;
}

std::string ApiE2eTest::NewZoneName() {
  std::string name = Unique("z") + ".certadns-e2e.test";
  CleanUpZoneLater(name);
  return name;
}

void ApiE2eTest::CleanUpZoneLater(const std::string& name) { State().zones.push_back(name); }
void ApiE2eTest::CleanUpWorldZoneLater(const std::string& name) {
  State().world_zones.push_back(name);
}

ApiClient ApiE2eTest::Anonymous() const { return ApiClient(http(), service().base_url()); }

ApiClient ApiE2eTest::AnonymousFrom(const std::string& local_address) const {
  auto& client = State().http_from[local_address];
  if (!client) {
    client = std::make_unique<http::CurlHttpClient>(
        http::CurlHttpClientOptions{.local_address = local_address});
  }
  return ApiClient(*client, service().base_url());
}

ApiE2eTest::TestUser ApiE2eTest::NewUser(const std::string& plan, const std::string& password) {
  TestUser user{Unique("user-") + "@example.test", password, "", Anonymous()};
  std::vector<std::string> add = {"user", "add", "--email", user.email, "--plan", plan};
  if (!password.empty()) {
    add.push_back("--password");
    add.push_back(password);
  }
  CommandResult added = service().Cli(add);
  EXPECT_EQ(added.exit_code, 0) << "certadns user add: " << added.Describe();
  CommandResult key = service().Cli({"apikey", "create", "--email", user.email});
  EXPECT_EQ(key.exit_code, 0) << "certadns apikey create: " << key.Describe();
  user.api_key = Trim(key.out);
  EXPECT_EQ(user.api_key.find_first_of(" \t\r\n"), std::string::npos)
      << "apikey create must print the key alone: " << key.Describe();
  EXPECT_FALSE(user.api_key.empty()) << key.Describe();
  user.api.SetApiKey(user.api_key);
  return user;
}

ApiE2eTest::TestZone ApiE2eTest::ImportZone(const TestUser& owner, bool verified,
                                            const std::string& name) {
  TestZone zone{"", name.empty() ? NewZoneName() : name};
  if (!name.empty()) CleanUpZoneLater(name);
  std::vector<std::string> args = {"zone", "import", "--email", owner.email, "--name", zone.name};
  if (verified) args.push_back("--verified");
  CommandResult imported = service().Cli(args);
  EXPECT_EQ(imported.exit_code, 0) << "certadns zone import: " << imported.Describe();
  ApiResponse zones = owner.api.Get("/zones");
  EXPECT_TRUE(HasStatus(zones, 200));
  if (zones.json.is_object() && zones.json["zones"].is_array()) {
    for (const auto& z : zones.json["zones"]) {
      if (z.value("name", "") == zone.name) {
        zone.id = z.value("id", "");
        EXPECT_EQ(z.value("verified", !verified), verified) << z.dump();
      }
    }
  }
  EXPECT_FALSE(zone.id.empty()) << "imported zone " << zone.name << " not in "
                                << zones.Describe();
  return zone;
}

ApiResponse ApiE2eTest::RequestCertificate(const ApiClient& api, const nlohmann::json& body) {
  return api.Post("/certificates", body);
}

void ApiE2eTest::DelegateInWorld(const std::string& parent, const std::string& zone,
                                 const nlohmann::json& nameservers) {
  std::vector<dns::powerdns::Record> records;
  for (const auto& ns : nameservers) {
    std::string name = ns.get<std::string>();
    if (name.empty() || name.back() != '.') name += '.';
    records.push_back({name, false});
  }
  auto delegated = world().ReplaceRrset(parent, zone, "NS", 3600, records);
  EXPECT_TRUE(delegated.ok()) << delegated.error().message();
}

ApiResponse ApiE2eTest::WaitSettled(const ApiClient& api, const std::string& id,
                                    std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  ApiResponse last;
  while (true) {
    last = api.Get("/certificates/" + id);
    std::string status = last.json.is_object() ? last.json.value("status", "") : "";
    bool in_progress = last.status == 200 && (status == "pending" || status == "validating");
    if (!in_progress || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The engine reports `issued` one step before its job ends (the challenge records are
  // removed after), and a renewal or a log comparison right then races that last step. The
  // flows here start from a finished job: wait (bounded) until the cleanup is logged.
  auto cleanup_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (last.status == 200 && std::chrono::steady_clock::now() < cleanup_deadline) {
    std::string logs = LogsText(api, id);
    bool published = logs.find("Challenge TXT records published") != std::string::npos;
    bool cleaned = logs.find("challenge TXT records") != std::string::npos ||
                   logs.find("Could not remove challenge record") != std::string::npos;
    if (!published || cleaned) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

std::string ApiE2eTest::LogsText(const ApiClient& api, const std::string& id) {
  ApiResponse logs = api.Get("/certificates/" + id + "/logs");
  std::string text;
  if (logs.json.is_object() && logs.json["logs"].is_array()) {
    for (const auto& e : logs.json["logs"]) {
      text += e.value("timestamp", "") + " " + e.value("level", "") + " " +
              e.value("message", "") + "\n";
    }
    return text;
  }
  return logs.Describe();
}

int ApiE2eTest::CurrentCount(const ApiClient& api) {
  ApiResponse list = api.Get("/certificates");
  if (list.status != 200 || !list.json.is_object() || !list.json["limits"].is_object()) return -1;
  return list.json["limits"].value("current_count", -1);
}

std::vector<std::string> ApiE2eTest::ListedIds(const ApiClient& api) {
  std::vector<std::string> ids;
  ApiResponse list = api.Get("/certificates");
  if (list.json.is_object() && list.json["certificates"].is_array()) {
    for (const auto& c : list.json["certificates"]) ids.push_back(c.value("id", ""));
  }
  return ids;
}

}  // namespace certadns::test
