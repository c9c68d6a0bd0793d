// Faults against the real stack (issue 6): a CA rejecting half of all nonces still issues
// every certificate; an unreachable CA fails the certificate with the reason after
// bounded retries. The test runs its own Pebble (PEBBLE_WFE_NONCEREJECT=50) beside the
// stack's, on the stack's Pebble ports + 7, with the stack's TLS files and PowerDNS, and
// stops it by its pid. Bounded in time.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "http/curl_http_client.h"
#include "tests/support/engine_harness.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace certadns::test {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kPortOffset = 7;

/// The port of an "https://127.0.0.1:PORT/..." URL; 0 when there is none.
int PortOf(const std::string& url) {
  size_t host = url.find("://");
  size_t colon = url.find(':', host == std::string::npos ? 0 : host + 3);
  if (colon == std::string::npos) return 0;
  return std::atoi(url.c_str() + colon + 1);
}

/// A Pebble of the test's own, stopped (SIGTERM, then SIGKILL) by its pid.
class OwnPebble {
 public:
  ~OwnPebble() { Stop(); }

  /// Starts Pebble with `nonce_reject` % of nonces rejected; "" once its directory answers.
  std::string Start(const StackEnv& env, const std::string& dir, int nonce_reject) {
    const char* stack_dir = std::getenv("STACK_DIR");
    if (stack_dir == nullptr) return "STACK_DIR is not set (source the stack's env file)";
    const std::string tls = std::string(stack_dir) + "/pebble/";
    const int port = PortOf(env.acme_directory_url) + kPortOffset;
    const int mgmt = PortOf(EnvOr("PEBBLE_MGMT_URL")) + kPortOffset;
    if (port == kPortOffset || mgmt == kPortOffset) return "cannot tell the stack's Pebble ports";
    directory_url_ = "https://127.0.0.1:" + std::to_string(port) + "/dir";
    const std::string config = dir + "/pebble-config.json";
    std::ofstream(config) << "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" << port
                          << "\", \"managementListenAddress\": \"127.0.0.1:" << mgmt
                          << "\", \"certificate\": \"" << tls << "cert.pem\", \"privateKey\": \""
                          << tls << "key.pem\", \"httpPort\": " << port + 1
                          << ", \"tlsPort\": " << port + 2
                          << ", \"ocspResponderURL\": \"\", "
                             "\"externalAccountBindingRequired\": false}}\n";
    std::vector<std::string> args = {EnvOr("PEBBLE_BIN", "/usr/bin/pebble"), "-config", config,
                                     "-dnsserver", env.nameservers.at(0)};
    std::vector<std::string> envs = {"PEBBLE_VA_NOSLEEP=1",
                                     "PEBBLE_WFE_NONCEREJECT=" + std::to_string(nonce_reject),
                                     "PEBBLE_AUTHZREUSE=0", "PATH=/usr/bin:/bin"};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string log = dir + "/pebble.log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return "cannot start " + args[0];
    }
    http::CurlHttpClient http(http::CurlHttpClientOptions{.ca_bundle = env.acme_ca_bundle});
    for (auto deadline = Clock::now() + seconds(20); Clock::now() < deadline;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "pebble exited at start; see " + log;
      }
      auto answer = http.Send({.method = "GET", .url = directory_url_});
      if (answer.ok() && answer->status == 200) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "pebble did not answer within 20 s; see " + log;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  const std::string& directory_url() const { return directory_url_; }

 private:
  pid_t pid_ = -1;
  std::string directory_url_;
};

TEST(FaultIt, PebbleRejectingHalfOfAllNoncesStillIssuesTwentyOfTwenty) {
  REQUIRE_STACK(stack);
  TempDir dir;
  OwnPebble pebble;
  std::string started = pebble.Start(stack, dir.path(), /*nonce_reject=*/50);
  ASSERT_EQ(started, "");
  StackEnv env = stack;
  env.acme_directory_url = pebble.directory_url();

  // Account registration itself may meet badNonce more often than the client retries.
  core::Result<std::unique_ptr<EngineHarness>> harness = core::Internal("not tried");
  for (int i = 0; i < 5 && !harness.ok(); ++i) {
    harness = EngineHarness::Create(env, dir.path(), "nonce");
    if (!harness.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(harness.ok()) << harness.error().message();
  EngineHarness& h = **harness;
  issuance::EngineConfig config;
  config.poll_interval = std::chrono::milliseconds(500);
  config.first_retry_delay = std::chrono::milliseconds(100);
  config.max_retry_delay = seconds(2);
  config.retry_budget = seconds(60);
  h.Start(nullptr, &h.checker(), config, /*threads=*/4);

  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto cert = h.Request("n" + std::to_string(i) + "." + h.zone(), {});
    ASSERT_TRUE(cert.ok()) << cert.error().message();
    ids.push_back(cert->id);
  }
  const auto deadline = Clock::now() + seconds(150);
  int issued = 0;
  for (const std::string& id : ids) {
    auto left = std::chrono::duration_cast<seconds>(deadline - Clock::now());
    core::Certificate c = h.WaitUntilSettled(id, std::max(left, seconds(1)));
    if (c.status == core::CertificateState::kIssued) {
      ++issued;
    } else {
      ADD_FAILURE() << c.domain << " ended " << core::ToString(c.status) << ":\n" << h.EventLog(id);
    }
  }
  h.Stop();
  EXPECT_EQ(issued, 20);
  for (int i = 0; i < 20; ++i) {
    auto values = h.TxtValues("_acme-challenge.n" + std::to_string(i) + "." + h.zone());
    ASSERT_TRUE(values.ok()) << values.error().message();
    EXPECT_THAT(*values, ::testing::IsEmpty());
  }
}

TEST(FaultIt, AnUnreachableCaFailsTheCertificateWithTheReasonAfterBoundedRetries) {
  REQUIRE_STACK(stack);
  TempDir dir;
  OwnPebble pebble;
  ASSERT_EQ(pebble.Start(stack, dir.path(), /*nonce_reject=*/0), "");
  StackEnv env = stack;
  env.acme_directory_url = pebble.directory_url();
  auto harness = EngineHarness::Create(env, dir.path(), "cadown");
  ASSERT_TRUE(harness.ok()) << harness.error().message();
  EngineHarness& h = **harness;
  pebble.Stop();  // the CA goes away for good, after the account was registered

  issuance::EngineConfig config;
  config.first_retry_delay = std::chrono::milliseconds(100);
  config.max_retry_delay = std::chrono::milliseconds(500);
  config.retry_budget = seconds(3);
  h.Start(nullptr, &h.checker(), config, /*threads=*/2);
  auto cert = h.Request("a." + h.zone(), {});
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  core::Certificate c = h.WaitUntilSettled(cert->id, seconds(60));
  h.Stop();
  EXPECT_EQ(c.status, core::CertificateState::kFailed);
  const std::string log = h.EventLog(cert->id);
  EXPECT_THAT(log, ::testing::HasSubstr("Issuance failed"));
  EXPECT_THAT(log, ::testing::HasSubstr("still failing after"));
  // Bounded: backoff from 100 ms to 500 ms within 3 s is a handful of tries, not a loop.
  size_t retries = 0;
  for (size_t at = log.find("retrying"); at != std::string::npos;
       at = log.find("retrying", at + 1)) {
    ++retries;
  }
  EXPECT_GE(retries, 2u);
  EXPECT_LE(retries, 20u) << log;
}

}  // namespace
}  // namespace certadns::test
