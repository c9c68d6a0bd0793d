// The real binary, killed with SIGKILL while a certificate is validating, then restarted:
// the same certificate ends issued without a new request. Also checks that the private key
// never appears in plaintext in the database files or the service's log.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/secret_box.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "issuance/issuance_service.h"
#include "store/sqlite/sqlite_store.h"
#include "tests/support/stack_env.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace certadns::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Starts `certadns serve --config` with the environment minus CERTADNS_* (so the config file
// alone decides), output to `log_path`.
pid_t StartService(const std::string& config, const std::string& log_path) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("CERTADNS_", 0) != 0) env_strings.emplace_back(*e);
  }
  env_strings.emplace_back("CERTADNS_LOG_LEVEL=debug");
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string binary = CERTADNS_BINARY;
  std::vector<std::string> args = {binary, "serve", "--config", config};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int StopService(pid_t pid, int signal) {
  kill(pid, signal);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(RestartIt, KilledWhileValidatingThenRestartedEndsIssued) {
  REQUIRE_STACK(env);
  TempDir dir;
  // No nameservers to check: the engine waits the fixed propagation delay, which gives a
  // certain window in `validating` to kill the process in.
  std::ofstream(dir.File("config.toml")) << "[server]\nlisten = \"127.0.0.1:0\"\n"
      << "[database]\nurl = \"sqlite://" << dir.File("certadns.db") << "\"\n"
      << "[secrets]\nmaster_key_file = \"" << dir.File("master.key") << "\"\n"
      << "[acme]\ndirectory_url = \"" << env.acme_directory_url << "\"\n"
      << "ca_bundle = \"" << env.acme_ca_bundle << "\"\n"
      << "[powerdns]\napi_url = \"" << env.pdns_api_url << "\"\napi_key = \""
      << env.pdns_api_key << "\"\nserver_id = \"" << env.pdns_server_id << "\"\n"
      << "[dns]\nnameservers = []\npropagation_delay_s = 3\n";

  auto store = store::sqlite::SqliteStore::Open(dir.File("certadns.db"));
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto box = crypto::SecretBox::FromKeyFile(dir.File("master.key"));
  ASSERT_TRUE(box.ok()) << box.error().message();

  http::CurlHttpClient http({});
  dns::powerdns::PowerDnsClient pdns(http, {env.pdns_api_url, env.pdns_api_key,
                                            env.pdns_server_id});
  const std::string zone = "restart-" + crypto::HexEncode(crypto::RandomBytes(5)) + ".test";
  ASSERT_TRUE(pdns.CreateZone(zone, {"ns1." + zone}).ok());
  core::SystemClock clock;
  store::User user{crypto::RandomId("user"), "restart@example.test", "pro", "", clock.Now()};
  store::Zone zone_row{crypto::RandomId("zone"), user.id, zone, true, clock.Now()};
  ASSERT_TRUE((*store)->CreateUser(user).ok());
  ASSERT_TRUE((*store)->CreateZone(zone_row).ok());
  issuance::IssuanceService requests(**store, clock, nullptr);
  auto requested = requests.Request({user.id, zone_row.id, zone, "app." + zone, {}, false});
  ASSERT_TRUE(requested.ok()) << requested.error().message();
  const std::string id = requested->id;

  auto status_of = [&] {
    auto c = (*store)->GetCertificate(user.id, id);
    return c.ok() ? c->status : core::CertificateState::kFailed;
  };
  auto wait_for = [&](auto done, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  };

  pid_t first = StartService(dir.File("config.toml"), dir.File("serve.log"));
  ASSERT_GT(first, 0);
  bool validating = wait_for([&] { return status_of() == core::CertificateState::kValidating; },
                             std::chrono::seconds(30));
  int first_status = StopService(first, SIGKILL);
  ASSERT_TRUE(validating) << ReadFile(dir.File("serve.log"));
  EXPECT_TRUE(WIFSIGNALED(first_status));
  EXPECT_EQ(status_of(), core::CertificateState::kValidating);

  pid_t second = StartService(dir.File("config.toml"), dir.File("serve.log"));
  ASSERT_GT(second, 0);
  bool issued = wait_for(
      [&] {
        auto jobs = (*store)->ListJobs(id);
        return status_of() == core::CertificateState::kIssued && jobs.ok() && jobs->empty();
      },
      std::chrono::seconds(60));
  int second_status = StopService(second, SIGTERM);
  std::string log = ReadFile(dir.File("serve.log"));
  ASSERT_TRUE(issued) << log;
  EXPECT_TRUE(WIFEXITED(second_status) && WEXITSTATUS(second_status) == 0);

  auto all = (*store)->ListCertificates(user.id);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  auto events = (*store)->ListEvents(user.id, id);
  ASSERT_TRUE(events.ok());
  std::string event_text;
  for (const auto& e : *events) event_text += e.message + "\n";
  EXPECT_THAT(event_text, HasSubstr("Certificate issued"));

  // The key, in the clear, must appear in neither the database files nor the log.
  auto sealed = (*store)->GetSealedPrivateKey(user.id, id);
  ASSERT_TRUE(sealed.ok());
  auto key_pem = box->Open(*sealed, id);
  ASSERT_TRUE(key_pem.ok());
  std::stringstream lines(key_pem->reveal());
  std::vector<std::string> body;
  for (std::string line; std::getline(lines, line);) {
    if (line.size() == 64) body.push_back(line);
  }
  ASSERT_GT(body.size(), 10u);
  std::string stored = ReadFile(dir.File("certadns.db")) + ReadFile(dir.File("certadns.db-wal"));
  for (const std::string& haystack : {stored, log}) {
    EXPECT_THAT(haystack, Not(HasSubstr("PRIVATE KEY")));
    for (size_t i = 1; i < body.size(); i += 5) EXPECT_THAT(haystack, Not(HasSubstr(body[i])));
  }
  (void)pdns.DeleteZone(zone);
}

}  // namespace
}  // namespace certadns::test
