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
