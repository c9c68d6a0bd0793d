// Throttling over HTTP against the real binary, with clients on several loopback addresses
// (127.0.0.2, 127.0.0.3, ...): login lockout per account and per address (429 with
// Retry-After, and a correct password working again once the lockout ends), API rate limits
// per key and per address, login only as JSON, and the Secure session cookie.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;

class ThrottleE2e : public ApiE2eTest {
 public:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith({{"limits",
                         {{"login_failures_per_account", "5"},
                          {"login_failures_per_address", "20"},
                          {"login_lockout_s", "2"},
                          {"api_requests_per_s", "5"},
                          {"api_burst", "20"},
                          {"anonymous_requests_per_s", "5"},
                          {"anonymous_burst", "50"}}},
                        {"server", {{"secure_cookies", "true"}}}});
  }

 protected:
  static ApiResponse Login(const ApiClient& client, const std::string& email,
                           const std::string& password) {
    return client.Post("/auth/login", {{"email", email}, {"password", password}});
  }
};

// Passes when `r` is a 429 with `code`, a JSON detail and a Retry-After of whole seconds.
::testing::AssertionResult IsThrottled(const ApiResponse& r, std::string_view code) {
  if (r.status != 429 || !r.json.is_object() || r.json.value("code", "") != code ||
      r.json.value("detail", "").empty()) {
    return ::testing::AssertionFailure() << "expected 429 " << code << ", got " << r.Describe();
  }
  auto retry_after = r.Header("Retry-After");
  if (!retry_after || retry_after->empty() ||
      retry_after->find_first_not_of("0123456789") != std::string::npos ||
      std::atol(retry_after->c_str()) < 1) {
    return ::testing::AssertionFailure()
           << "429 without a Retry-After of whole seconds: " << retry_after.value_or("(none)");
  }
  return ::testing::AssertionSuccess();
}

TEST_F(ThrottleE2e, FiveWrongPasswordsLockTheAccountUntilTheLockoutEnds) {
  TestUser user = NewUser("pro", "correct horse battery");
  ApiClient attacker = AnonymousFrom("127.0.0.2");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(HasStatus(Login(attacker, user.email, "wrong guess " + std::to_string(i)), 401))
        << "attempt " << i;
  }
  ApiResponse locked = Login(attacker, user.email, user.password);
  EXPECT_TRUE(IsThrottled(locked, "too_many_login_attempts"))
      << "even the right password is refused while locked";
  EXPECT_TRUE(IsThrottled(Login(AnonymousFrom("127.0.0.3"), user.email, user.password),
                          "too_many_login_attempts"))
      << "the account is locked from every address";

  // Once the lockout ends (Retry-After), the correct password works again.
  long wait_s = std::atol(locked.Header("Retry-After").value_or("1").c_str());
  ASSERT_LE(wait_s, 10) << "the suite's lockout is 2 s";
  std::this_thread::sleep_for(std::chrono::seconds(wait_s) + std::chrono::milliseconds(200));
  EXPECT_TRUE(HasStatus(Login(AnonymousFrom("127.0.0.3"), user.email, user.password), 200));
}

TEST_F(ThrottleE2e, TwentyFailuresFromOneAddressLockThatAddressOnly) {
  TestUser user = NewUser("pro", "correct horse battery");
  ApiClient guesser = AnonymousFrom("127.0.0.4");
  for (int i = 0; i < 20; ++i) {
    ApiResponse r = Login(guesser, Unique("nobody-") + "@example.test", "guess");
    ASSERT_TRUE(HasStatus(r, 401)) << "attempt " << i;
  }
  EXPECT_TRUE(IsThrottled(Login(guesser, user.email, user.password), "too_many_login_attempts"));
  EXPECT_TRUE(HasStatus(Login(AnonymousFrom("127.0.0.5"), user.email, user.password), 200))
      << "another address is not locked, nor is the account";
}

TEST_F(ThrottleE2e, AnApiKeyOverItsRateGets429WithRetryAfter) {
  TestUser busy = NewUser("pro");
  TestUser other = NewUser("pro");
  ApiResponse last;
  int answered = 0;
  for (; answered < 200; ++answered) {  // burst 20 at 5/s: refused long before 200
    last = busy.api.Get("/me");
    if (last.status != 200) break;
  }
  EXPECT_TRUE(IsThrottled(last, "too_many_requests")) << "after " << answered << " requests";
  EXPECT_GE(answered, 20) << "the burst is served";
  EXPECT_TRUE(HasStatus(other.api.Get("/me"), 200)) << "another key has its own budget";
}

TEST_F(ThrottleE2e, ADashboardSessionOverItsRateGets429WithRetryAfter) {
  TestUser user = NewUser("pro", "correct horse battery");
  ApiResponse login = Login(AnonymousFrom("127.0.0.10"), user.email, user.password);
  ASSERT_TRUE(HasStatus(login, 200));
  std::string cookie = login.Header("Set-Cookie").value_or("");
  ApiClient session = AnonymousFrom("127.0.0.10");
  session.SetCookie(cookie.substr(0, cookie.find(';')));
  ApiResponse last;
  int answered = 0;
  for (; answered < 200; ++answered) {
    last = session.Get("/me");
    if (last.status != 200) break;
  }
  EXPECT_TRUE(IsThrottled(last, "too_many_requests")) << "after " << answered << " requests";
  EXPECT_GE(answered, 20) << "the burst is served";
}

TEST_F(ThrottleE2e, RequestsWithoutCredentialsAreLimitedPerAddress) {
  ApiClient flooder = AnonymousFrom("127.0.0.6");
  ApiResponse last;
  int answered = 0;
  for (; answered < 300; ++answered) {  // burst 50 at 5/s
    last = flooder.Get("/certificates");
    if (last.status != 401) break;
  }
  EXPECT_TRUE(IsThrottled(last, "too_many_requests")) << "after " << answered << " requests";
  EXPECT_TRUE(HasStatus(AnonymousFrom("127.0.0.7").Get("/certificates"), 401))
      << "another address is not limited";
}

TEST_F(ThrottleE2e, LoginAcceptsOnlyJson) {
  TestUser user = NewUser("pro", "correct horse battery");
  ApiClient browser = AnonymousFrom("127.0.0.8");
  std::string form = "email=" + user.email + "&password=correct+horse+battery";
  for (const char* type : {"application/x-www-form-urlencoded", "text/plain"}) {
    ApiResponse r = browser.Send("POST", "/auth/login", form, type);
    EXPECT_TRUE(IsError(r, 400, "json_required", "Login requires Content-Type: application/json"))
        << type;
    EXPECT_FALSE(r.Header("Set-Cookie").has_value()) << type;
  }
  // (The HTTP library answers a malformed multipart body itself, before the route.)
  ApiResponse multipart =
      browser.Send("POST", "/auth/login", form, "multipart/form-data; boundary=x");
  EXPECT_TRUE(HasStatus(multipart, 400));
  EXPECT_FALSE(multipart.Header("Set-Cookie").has_value());
  // A JSON body sent as text/plain (what a cross-site form can do) is refused too.
  json body = {{"email", user.email}, {"password", user.password}};
  EXPECT_TRUE(HasStatus(browser.Send("POST", "/auth/login", body.dump(), "text/plain"), 400));
  EXPECT_TRUE(HasStatus(
      browser.Send("POST", "/auth/login", body.dump(), "application/json; charset=utf-8"), 200));
}

TEST_F(ThrottleE2e, TheSessionCookieIsSecureWhenConfigured) {
  TestUser user = NewUser("pro", "correct horse battery");
  ApiResponse login = Login(AnonymousFrom("127.0.0.9"), user.email, user.password);
  ASSERT_TRUE(HasStatus(login, 200));
  auto cookie = login.Header("Set-Cookie");
  ASSERT_TRUE(cookie.has_value());
  EXPECT_NE(cookie->find("; Secure"), std::string::npos) << *cookie;
  EXPECT_NE(cookie->find("HttpOnly"), std::string::npos) << *cookie;
}

// One password check at a time and no waiting for it: parallel logins beyond that are
// answered 503 with Retry-After at once, never queued without bound.
class PasswordCheckSlotsE2e : public ApiE2eTest {
 public:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith(
        {{"limits", {{"password_checks", "1"}, {"password_check_wait_ms", "0"}}}});
  }
};

TEST_F(PasswordCheckSlotsE2e, LoginsBeyondTheSlotsGet503WithRetryAfter) {
  constexpr int kClients = 16;
  std::vector<ApiClient> clients;
  std::vector<std::string> emails;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(AnonymousFrom("127.0.1." + std::to_string(i + 1)));
    emails.push_back(Unique("nobody-") + "@example.test");
  }
  std::vector<ApiResponse> answers(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      answers[i] = clients[i].Post("/auth/login", {{"email", emails[i]}, {"password", "guess"}});
    });
  }
  for (auto& t : threads) t.join();
  int checked = 0;
  int busy = 0;
  for (const ApiResponse& r : answers) {
    if (r.status == 401) {
      ++checked;
    } else if (r.status == 503) {
      ++busy;
      EXPECT_EQ(r.json.value("code", ""), "login_busy") << r.Describe();
      EXPECT_TRUE(r.Header("Retry-After").has_value()) << r.Describe();
    } else {
      ADD_FAILURE() << "every login is checked (401) or turned away (503): " << r.Describe();
    }
  }
  EXPECT_GE(checked, 1);
  EXPECT_GE(busy, 1) << kClients << " logins at once, one check at a time";
}

}  // namespace
}  // namespace certadns::test
