// Authentication: API keys (missing, wrong, revoked through the CLI) and the dashboard's
// session cookie with its CSRF token, login and logout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class AuthE2e : public ApiE2eTest {};

::testing::AssertionResult IsUnauthenticated(const ApiResponse& r) {
  if (r.status == 401 && r.json.is_object() && r.json.value("code", "") == "unauthenticated" &&
      !r.json.value("detail", "").empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected 401 unauthenticated, got " << r.Describe();
}

// The cookie's "name=value" from a Set-Cookie header, lower-cased attributes in `attributes`.
std::string CookiePair(const std::string& set_cookie, std::string* attributes) {
  auto semi = set_cookie.find(';');
  std::string pair = set_cookie.substr(0, semi);
  std::string rest = semi == std::string::npos ? "" : set_cookie.substr(semi);
  for (char& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  *attributes = rest;
  return pair;
}

TEST_F(AuthE2e, ApiKeysMissingWrongOrRevokedAreRefused) {
  ApiClient anonymous = Anonymous();
  EXPECT_TRUE(IsUnauthenticated(anonymous.Get("/me")));
  EXPECT_TRUE(IsUnauthenticated(anonymous.Get("/certificates")));
  EXPECT_TRUE(IsUnauthenticated(anonymous.Post("/certificates", {{"zone_id", "z"}})));
  EXPECT_TRUE(IsUnauthenticated(anonymous.Get("/zones")));

  ApiClient wrong = Anonymous();
  wrong.SetApiKey("cdns_" + std::string(40, 'x'));
  EXPECT_TRUE(IsUnauthenticated(wrong.Get("/me")));
  EXPECT_TRUE(IsUnauthenticated(wrong.Get("/certificates")));

  TestUser user = NewUser("pro");
  EXPECT_THAT(user.api_key, StartsWith("cdns_"));
  ASSERT_TRUE(HasStatus(user.api.Get("/me"), 200));
  ApiClient tampered = Anonymous();
  tampered.SetApiKey(user.api_key + "x");
  EXPECT_TRUE(IsUnauthenticated(tampered.Get("/me")));

  // A second key; revoking it (by its displayed prefix) leaves the first one working.
  CommandResult second = service().Cli({"apikey", "create", "--email", user.email});
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  std::string second_key = second.out;
  while (!second_key.empty() && std::isspace(static_cast<unsigned char>(second_key.back()))) {
    second_key.pop_back();
  }
  ApiClient second_api = Anonymous();
  second_api.SetApiKey(second_key);
  ASSERT_TRUE(HasStatus(second_api.Get("/me"), 200));
  CommandResult revoked = service().Cli(
      {"apikey", "revoke", "--email", user.email, "--key", second_key.substr(0, 12)});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.Describe();
  EXPECT_TRUE(IsUnauthenticated(second_api.Get("/me")));
  EXPECT_TRUE(IsUnauthenticated(second_api.Get("/certificates")));
  EXPECT_TRUE(HasStatus(user.api.Get("/me"), 200));
  EXPECT_TRUE(HasStatus(user.api.Get("/certificates"), 200));
}

TEST_F(AuthE2e, SessionCookieNeedsCsrfTokenOnChangesAndEndsAtLogout) {
  const std::string password = "correct horse " + Unique("");
  TestUser user = NewUser("elite", password);
  ApiClient anonymous = Anonymous();

  EXPECT_TRUE(IsUnauthenticated(
      anonymous.Post("/auth/login", {{"email", user.email}, {"password", password + "x"}})));
  EXPECT_TRUE(IsUnauthenticated(
      anonymous.Post("/auth/login", {{"email", Unique("nobody-") + "@example.test"},
                                     {"password", password}})));

  ApiResponse login = anonymous.Post("/auth/login", {{"email", user.email}, {"password", password}});
  ASSERT_TRUE(HasStatus(login, 200));
  auto set_cookie = login.Header("Set-Cookie");
  ASSERT_TRUE(set_cookie.has_value()) << login.Describe();
  std::string attributes;
  const std::string cookie = CookiePair(*set_cookie, &attributes);
  EXPECT_THAT(cookie, StartsWith("certadns_session="));
  EXPECT_GT(cookie.size(), std::string("certadns_session=").size() + 20) << *set_cookie;
  EXPECT_THAT(attributes, HasSubstr("; httponly"));
  EXPECT_THAT(attributes, HasSubstr("; samesite="));
  const std::string csrf = login.json.value("csrf_token", "");
  ASSERT_FALSE(csrf.empty()) << login.body;

  ApiClient session = Anonymous();
  session.SetCookie(cookie);
  ApiResponse me = session.Get("/me");
  ASSERT_TRUE(HasStatus(me, 200));
  EXPECT_EQ(me.json.value("email", ""), user.email);
  EXPECT_EQ(me.json.value("plan", ""), "elite");
  EXPECT_TRUE(HasStatus(session.Get("/certificates"), 200));

  // A state change without the CSRF token, or with a wrong one, is refused and changes nothing.
  const json zone_body = {{"name", NewZoneName()}};
  ApiResponse no_token = session.Post("/zones", zone_body);
  EXPECT_EQ(no_token.status, 403) << no_token.Describe();
  session.SetCsrfToken(csrf + "x");
  ApiResponse wrong_token = session.Post("/zones", zone_body);
  EXPECT_EQ(wrong_token.status, 403) << wrong_token.Describe();
  EXPECT_EQ(session.Get("/zones").json["zones"].size(), 0u);
  // The CSRF token alone is nothing without the cookie.
  ApiClient token_only = Anonymous();
  token_only.SetCsrfToken(csrf);
  EXPECT_TRUE(IsUnauthenticated(token_only.Post("/zones", zone_body)));

  session.SetCsrfToken(csrf);
  ApiResponse with_token = session.Post("/zones", zone_body);
  EXPECT_TRUE(HasStatus(with_token, 201));
  EXPECT_EQ(session.Get("/zones").json["zones"].size(), 1u);

  // Logout ends the session (also for a copy of the cookie kept elsewhere).
  ApiResponse logout = session.Post("/auth/logout", json::object());
  ASSERT_TRUE(HasStatus(logout, 200));
  EXPECT_TRUE(IsUnauthenticated(session.Get("/me")));
  ApiClient copy = Anonymous();
  copy.SetCookie(cookie);
  EXPECT_TRUE(IsUnauthenticated(copy.Get("/me")));
  // The API key is not affected.
  EXPECT_TRUE(HasStatus(user.api.Get("/me"), 200));
}

}  // namespace
}  // namespace certadns::test
