// The config file and its environment overrides: the [limits] keys and the default of
// server.secure_cookies (on, unless the service listens on a loopback address).
#include "app/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/support/temp_dir.h"

namespace certadns::app {
namespace {

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, LimitsComeFromTheFileAndTheEnvironment) {
  test::TempDir dir;
  std::string path = dir.File("certadns.toml");
  std::ofstream(path) << "[limits]\n"
                         "login_failures_per_account = 3\n"
                         "login_lockout_s = 30\n"
                         "api_requests_per_s = 2.5\n"
                         "api_burst = 40\n"
                         "password_checks = 6\n";
  auto config = LoadConfig(path, Env({{"CERTADNS_LIMITS_ANONYMOUS_BURST", "7"}}));
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->limits.login_failures_per_account, 3);
  EXPECT_EQ(config->limits.login_failures_per_address, 20) << "the default";
  EXPECT_EQ(config->limits.login_lockout_s, 30);
  EXPECT_DOUBLE_EQ(config->limits.api_requests_per_s, 2.5);
  EXPECT_EQ(config->limits.api_burst, 40);
  EXPECT_EQ(config->limits.password_checks, 6);
  EXPECT_EQ(config->limits.anonymous_burst, 7);
}

TEST(ConfigTest, NonsenseLimitsAreRefused) {
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_LIMITS_API_BURST", "0"}})).ok());
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_LIMITS_LOGIN_LOCKOUT_S", "0"}})).ok());
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_LIMITS_PASSWORD_CHECKS", "-1"}})).ok());
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_LIMITS_API_REQUESTS_PER_S", "nan"}})).ok());
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_LIMITS_ANONYMOUS_REQUESTS_PER_S", "-1"}})).ok());
  EXPECT_TRUE(LoadConfig("", Env({{"CERTADNS_LIMITS_API_REQUESTS_PER_S", "0"}})).ok())
      << "0 turns the limit off";
}

// How long a dead node's jobs wait before another node takes them (issuance.lease_s).
TEST(ConfigTest, LeaseDefaultsToAMinuteAndIsBounded) {
  auto defaults = LoadConfig("", Env({}));
  ASSERT_TRUE(defaults.ok()) << defaults.error().message();
  EXPECT_EQ(defaults->issuance.lease_s, 60);
  auto short_lease = LoadConfig("", Env({{"CERTADNS_ISSUANCE_LEASE_S", "3"}}));
  ASSERT_TRUE(short_lease.ok()) << short_lease.error().message();
  EXPECT_EQ(short_lease->issuance.lease_s, 3);
  auto none = LoadConfig("", Env({{"CERTADNS_ISSUANCE_LEASE_S", "0"}}));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("issuance.lease_s"), std::string::npos);
}

// The key pool: its size and the threads that refill it (0: one per core).
TEST(ConfigTest, KeyPoolThreadsDefaultToOnePerCoreAndAreBounded) {
  auto defaults = LoadConfig("", Env({}));
  ASSERT_TRUE(defaults.ok()) << defaults.error().message();
  EXPECT_EQ(defaults->issuance.key_pool, 200);
  EXPECT_EQ(defaults->issuance.key_pool_threads, 0);
  auto two = LoadConfig("", Env({{"CERTADNS_ISSUANCE_KEY_POOL_THREADS", "2"}}));
  ASSERT_TRUE(two.ok()) << two.error().message();
  EXPECT_EQ(two->issuance.key_pool_threads, 2);
  auto negative = LoadConfig("", Env({{"CERTADNS_ISSUANCE_KEY_POOL_THREADS", "-1"}}));
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message().find("issuance.key_pool_threads"), std::string::npos);
}

// The HTTP server's handler threads and its queue of waiting requests (ServerLimits).
TEST(ConfigTest, NotificationsAndSmtpComeFromTheFileAndTheEnvironment) {
  test::TempDir dir;
  std::string path = dir.File("certadns.toml");
  std::ofstream(path) << "[notifications]\nallow_private_targets = true\n"
                         "[smtp]\nhost = \"smtp.example.test\"\nfrom = \"c@example.test\"\n"
                         "tls = \"tls\"\nport = 465\n";
  auto config = LoadConfig(path, Env({{"CERTADNS_SMTP_PASSWORD", "s3cret"}}));
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->notifications.allow_private_targets, true);
  EXPECT_EQ(config->smtp.host, "smtp.example.test");
  EXPECT_EQ(config->smtp.port, 465);
  EXPECT_EQ(config->smtp.tls, "tls");
  EXPECT_EQ(config->smtp.password, "s3cret");
  auto defaults = LoadConfig("", Env({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->notifications.allow_private_targets.value_or(false));
  EXPECT_EQ(defaults->notifications.max_webhooks, 5);
  EXPECT_EQ(defaults->smtp.tls, "starttls");
  EXPECT_TRUE(defaults->smtp.host.empty());
}

TEST(ConfigTest, SmtpWithoutFromOrWithAnUnknownTlsModeIsRefused) {
  auto tls = LoadConfig("", Env({{"CERTADNS_SMTP_TLS", "ssl"}}));
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message().find("smtp.tls"), std::string::npos);
  auto from = LoadConfig("", Env({{"CERTADNS_SMTP_HOST", "smtp.example.test"}}));
  ASSERT_FALSE(from.ok());
  EXPECT_NE(from.error().message().find("smtp.from"), std::string::npos);
}

TEST(ConfigTest, ServerWorkersAndQueueComeFromTheFileAndTheEnvironment) {
  test::TempDir dir;
  std::string path = dir.File("certadns.toml");
  std::ofstream(path) << "[limits]\nworkers = 16\n";
  auto config = LoadConfig(path, Env({{"CERTADNS_LIMITS_QUEUE", "2048"}}));
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->limits.workers, 16);
  EXPECT_EQ(config->limits.queue, 2048);
  auto defaults = LoadConfig("", Env({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->limits.workers, 8);
  EXPECT_EQ(defaults->limits.queue, 512);
}

TEST(ConfigTest, ServerWorkersAndQueueOutOfRangeAreAClearConfigError) {
  struct Case {
    const char* name;
    const char* value;
  };
  for (const Case& c : {Case{"CERTADNS_LIMITS_WORKERS", "0"}, Case{"CERTADNS_LIMITS_WORKERS", "257"},
                        Case{"CERTADNS_LIMITS_WORKERS", "-3"}, Case{"CERTADNS_LIMITS_QUEUE", "0"},
                        Case{"CERTADNS_LIMITS_QUEUE", "65537"},
                        Case{"CERTADNS_LIMITS_QUEUE", "99999999999"}}) {
    SCOPED_TRACE(std::string(c.name) + "=" + c.value);
    auto config = LoadConfig("", Env({{c.name, c.value}}));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code(), core::ErrorCode::kInvalidArgument);
    const std::string key = std::string(c.name) == "CERTADNS_LIMITS_WORKERS" ? "limits.workers"
                                                                              : "limits.queue";
    EXPECT_NE(config.error().message().find(key), std::string::npos) << config.error().message();
  }
  for (const char* bound : {"1", "256"}) {
    EXPECT_TRUE(LoadConfig("", Env({{"CERTADNS_LIMITS_WORKERS", bound}})).ok()) << bound;
  }
  for (const char* bound : {"1", "65536"}) {
    EXPECT_TRUE(LoadConfig("", Env({{"CERTADNS_LIMITS_QUEUE", bound}})).ok()) << bound;
  }
  test::TempDir dir;
  std::string path = dir.File("certadns.toml");
  std::ofstream(path) << "[limits]\nworkers = 1000\n";
  auto from_file = LoadConfig(path, Env({}));
  ASSERT_FALSE(from_file.ok());
  EXPECT_NE(from_file.error().message().find("limits.workers must be 1-256"), std::string::npos)
      << from_file.error().message();
}

TEST(ConfigTest, SecureCookiesDefaultOnUnlessListeningOnLoopback) {
  struct Case {
    std::string_view listen;
    bool secure;
  };
  for (const Case& c :
       {Case{"127.0.0.1:8080", false}, Case{"127.0.0.2:80", false}, Case{"localhost:8080", false},
        Case{"[::1]:8080", false}, Case{"0.0.0.0:8080", true}, Case{"10.0.0.5:443", true},
        Case{"[::]:8080", true}, Case{"certadns.example.com:8080", true}}) {
    auto config = LoadConfig("", Env({{"CERTADNS_SERVER_LISTEN", std::string(c.listen)}}));
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_EQ(SecureCookies(*config), c.secure) << c.listen;
  }
}

TEST(ConfigTest, SecureCookiesCanBeSetEitherWay) {
  auto off = LoadConfig("", Env({{"CERTADNS_SERVER_LISTEN", "0.0.0.0:8080"},
                                 {"CERTADNS_SERVER_SECURE_COOKIES", "false"}}));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(SecureCookies(*off));
  auto on = LoadConfig("", Env({{"CERTADNS_SERVER_SECURE_COOKIES", "true"}}));
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(SecureCookies(*on)) << "also on loopback when asked";
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_SERVER_SECURE_COOKIES", "maybe"}})).ok());
}

}  // namespace
}  // namespace certadns::app

namespace certadns::app {
namespace {

TEST(ConfigTest, MetricsAreOffUnlessAListenAddressIsGiven) {
  auto defaults = LoadConfig("", Env({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->metrics.listen, "");
  EXPECT_FALSE(defaults->metrics.per_certificate.value_or(false));

  test::TempDir dir;
  std::string path = dir.File("certadns.toml");
  std::ofstream(path) << "[metrics]\nlisten = \"127.0.0.1:9464\"\n"
                         "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\n";
  auto config = LoadConfig(path, Env({{"CERTADNS_METRICS_PER_CERTIFICATE", "true"}}));
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->metrics.listen, "127.0.0.1:9464");
  EXPECT_TRUE(config->metrics.per_certificate.value_or(false));
  EXPECT_EQ(config->server.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "192.0.2.1"}));
  auto wrong = LoadConfig(path, Env({{"CERTADNS_METRICS_PER_CERTIFICATE", "sometimes"}}));
  EXPECT_FALSE(wrong.ok());
}

// acme.rate_limits: Let's Encrypt's limits apply by default only against Let's Encrypt.
TEST(ConfigTest, RateLimitsFollowTheDirectoryUnlessSet) {
  auto lets_encrypt = LoadConfig("", Env({}));
  ASSERT_TRUE(lets_encrypt.ok());
  EXPECT_TRUE(RateLimitsOn(*lets_encrypt)) << "the default directory is Let's Encrypt's";
  auto staging = LoadConfig("", Env({{"CERTADNS_ACME_DIRECTORY_URL",
                                      "https://ACME-STAGING-V02.api.letsencrypt.org/directory"}}));
  ASSERT_TRUE(staging.ok());
  EXPECT_TRUE(RateLimitsOn(*staging));
  auto pebble = LoadConfig("", Env({{"CERTADNS_ACME_DIRECTORY_URL", "https://127.0.0.1:14000/dir"}}));
  ASSERT_TRUE(pebble.ok());
  EXPECT_FALSE(RateLimitsOn(*pebble)) << "Pebble and other CAs: off";
  auto forced = LoadConfig("", Env({{"CERTADNS_ACME_DIRECTORY_URL", "https://127.0.0.1:14000/dir"},
                                    {"CERTADNS_ACME_RATE_LIMITS", "letsencrypt"}}));
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(RateLimitsOn(*forced));
  auto off = LoadConfig("", Env({{"CERTADNS_ACME_RATE_LIMITS", "off"}}));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(RateLimitsOn(*off));
  auto lookalike = LoadConfig("", Env({{"CERTADNS_ACME_DIRECTORY_URL",
                                        "https://acme-v02.api.letsencrypt.org.evil.test/dir"}}));
  ASSERT_TRUE(lookalike.ok());
  EXPECT_FALSE(RateLimitsOn(*lookalike));
  EXPECT_FALSE(LoadConfig("", Env({{"CERTADNS_ACME_RATE_LIMITS", "on"}})).ok());
}

}  // namespace
}  // namespace certadns::app
