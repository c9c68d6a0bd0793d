// The dashboard's account routes: the caller's own API keys (GET/POST /api-keys,
// DELETE /api-keys/{id}) and PUT /me/password, with the exact answers of the UI contract.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using ::testing::StartsWith;

class AccountE2e : public ApiE2eTest {
 protected:
  /// A client logged in as `email` with the session cookie and its CSRF token; records a
  /// failure when the login does not succeed.
  ApiClient LogIn(const std::string& email, const std::string& password) const {
    ApiClient session = Anonymous();
    ApiResponse login = session.Post("/auth/login", {{"email", email}, {"password", password}});
    EXPECT_TRUE(HasStatus(login, 200));
    std::string cookie = login.Header("Set-Cookie").value_or("");
    session.SetCookie(cookie.substr(0, cookie.find(';')));
    session.SetCsrfToken(login.json.value("csrf_token", ""));
    return session;
  }

  /// The api_keys of GET /api-keys (an empty array when the answer is not a list).
  static json Keys(const ApiClient& api) {
    ApiResponse listed = api.Get("/api-keys");
    EXPECT_TRUE(HasStatus(listed, 200));
    if (!listed.json.is_object() || !listed.json["api_keys"].is_array()) return json::array();
    return listed.json["api_keys"];
  }

  static json KeyById(const json& keys, const std::string& id) {
    for (const json& key : keys) {
      if (key.value("id", "") == id) return key;
    }
    return nullptr;
  }
};

TEST_F(AccountE2e, ApiKeysAreCreatedShownOnceListedWithLastUseAndRevoked) {
  const std::string password = "long enough " + Unique("");
  TestUser user = NewUser("pro", password);  // holds one key from the CLI already
  ApiClient session = LogIn(user.email, password);

  json before = Keys(session);
  ASSERT_EQ(before.size(), 1u) << before.dump();

  ApiResponse created = session.Post("/api-keys", json::object());
  ASSERT_TRUE(HasStatus(created, 201));
  const std::string id = created.json.value("id", "");
  const std::string key = created.json.value("key", "");
  EXPECT_THAT(id, StartsWith("key_"));
  EXPECT_THAT(key, StartsWith("cdns_"));
  EXPECT_EQ(created.json.value("prefix", ""), key.substr(0, 12)) << created.body;
  EXPECT_TRUE(created.json["created_at"].is_string()) << created.body;
  EXPECT_TRUE(created.json["last_used_at"].is_null()) << created.body;

  // Listed without the key itself (nor its hash), not yet used.
  json listed = Keys(session);
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  json entry = KeyById(listed, id);
  ASSERT_TRUE(entry.is_object()) << listed.dump();
  EXPECT_EQ(entry.value("prefix", ""), key.substr(0, 12));
  EXPECT_TRUE(entry["last_used_at"].is_null()) << entry.dump();
  EXPECT_EQ(listed.dump().find(key), std::string::npos) << "the key is listed: " << listed.dump();
  for (const json& k : listed) {
    EXPECT_FALSE(k.contains("key") || k.contains("key_hash")) << k.dump();
  }

  // The new key works, and its use is recorded; a second use within the minute is not written.
  ApiClient with_key = Anonymous();
  with_key.SetApiKey(key);
  ASSERT_TRUE(HasStatus(with_key.Get("/me"), 200));
  json used = KeyById(Keys(session), id);
  ASSERT_TRUE(used["last_used_at"].is_string()) << used.dump();
  ASSERT_TRUE(HasStatus(with_key.Get("/certificates"), 200));
  EXPECT_EQ(KeyById(Keys(session), id)["last_used_at"], used["last_used_at"]);

  // Revoked: it stops working, leaves the list, and the other key is untouched.
  ApiResponse revoked = session.Delete("/api-keys/" + id);
  ASSERT_TRUE(HasStatus(revoked, 200));
  EXPECT_EQ(revoked.json, json({{"revoked", true}}));
  EXPECT_EQ(with_key.Get("/me").status, 401);
  json after = Keys(session);
  EXPECT_EQ(after.size(), 1u) << after.dump();
  EXPECT_TRUE(KeyById(after, id).is_null()) << after.dump();
  EXPECT_TRUE(HasStatus(user.api.Get("/me"), 200));

  // An API key may manage keys as well (paid plans): here it lists the same key, itself,
  // now with its own use recorded.
  json by_key = Keys(user.api);
  ASSERT_EQ(by_key.size(), 1u) << by_key.dump();
  EXPECT_EQ(by_key[0].value("id", ""), after[0].value("id", ""));
  EXPECT_TRUE(by_key[0]["last_used_at"].is_string()) << by_key.dump();
}

TEST_F(AccountE2e, FreePlanCannotCreateApiKeys) {
  const std::string password = "long enough " + Unique("");
  TestUser user = NewUser("free", password);
  ApiClient session = LogIn(user.email, password);
  EXPECT_TRUE(IsError(session.Post("/api-keys", json::object()), 403, "paid_plan_required",
                      "API keys require a paid plan (Plus, Pro or Elite)"));
  // Even a body that is not JSON: the plan is what the caller hears about.
  EXPECT_TRUE(IsError(session.Send("POST", "/api-keys", "not json"), 403, "paid_plan_required",
                      "API keys require a paid plan (Plus, Pro or Elite)"));
  EXPECT_EQ(Keys(session).size(), 1u);  // only the CLI's
}

TEST_F(AccountE2e, AnotherAccountsKeyIsNotFoundAndStaysValid) {
  const std::string password = "long enough " + Unique("");
  TestUser a = NewUser("plus", password);
  TestUser b = NewUser("plus", password);
  const std::string a_key_id = Keys(a.api).at(0).value("id", "");
  ASSERT_THAT(a_key_id, StartsWith("key_"));

  ApiClient b_session = LogIn(b.email, password);
  EXPECT_TRUE(IsError(b_session.Delete("/api-keys/" + a_key_id), 404, "api_key_not_found",
                      "API key not found"));
  EXPECT_TRUE(IsError(b.api.Delete("/api-keys/" + a_key_id), 404, "api_key_not_found",
                      "API key not found"));
  EXPECT_TRUE(IsError(b_session.Delete("/api-keys/key_doesnotexist"), 404, "api_key_not_found",
                      "API key not found"));
  // A display prefix is not an id.
  EXPECT_TRUE(IsError(b_session.Delete("/api-keys/" + a.api_key.substr(0, 12)), 404,
                      "api_key_not_found", "API key not found"));
  EXPECT_TRUE(HasStatus(a.api.Get("/me"), 200));
  EXPECT_EQ(Keys(a.api).size(), 1u);
}

TEST_F(AccountE2e, AnAccountHoldsAtMostTwentyActiveKeys) {
  TestUser user = NewUser("elite");  // one key from the CLI
  std::string last_id;
  for (int i = 1; i < 20; ++i) {
    ApiResponse created = user.api.Post("/api-keys", json::object());
    ASSERT_TRUE(HasStatus(created, 201)) << "key " << i + 1;
    last_id = created.json.value("id", "");
  }
  ApiResponse refused = user.api.Post("/api-keys", json::object());
  EXPECT_TRUE(IsError(refused, 409, "api_key_limit_reached",
                      "An account can have at most 20 active API keys; revoke one first"));
  EXPECT_EQ(Keys(user.api).size(), 20u);
  // The CLI makes keys through the same code, with the same bound.
  CommandResult cli = service().Cli({"apikey", "create", "--email", user.email});
  EXPECT_NE(cli.exit_code, 0) << cli.Describe();
  EXPECT_NE(cli.err.find("at most 20 active API keys"), std::string::npos) << cli.Describe();
  EXPECT_EQ(Keys(user.api).size(), 20u);

  ASSERT_TRUE(HasStatus(user.api.Delete("/api-keys/" + last_id), 200));
  EXPECT_TRUE(HasStatus(user.api.Post("/api-keys", json::object()), 201));
}

TEST_F(AccountE2e, PasswordChangeChecksTheCurrentOneAndEndsOtherSessions) {
  const std::string old_password = "old password " + Unique("");
  const std::string new_password = "new password " + Unique("");
  TestUser user = NewUser("plus", old_password);
  ApiClient mine = LogIn(user.email, old_password);
  ApiClient other = LogIn(user.email, old_password);
  ASSERT_TRUE(HasStatus(other.Get("/me"), 200));

  EXPECT_TRUE(IsError(mine.Put("/me/password", {{"current_password", old_password + "x"},
                                                {"new_password", new_password}}),
                      403, "wrong_password", "Current password is incorrect"));
  EXPECT_TRUE(IsError(
      mine.Put("/me/password", {{"current_password", old_password}, {"new_password", "short"}}),
      400, "invalid_request", "New password must be at least 10 characters"));
  EXPECT_TRUE(IsError(mine.Put("/me/password", {{"current_password", old_password},
                                                {"new_password", std::string(257, 'p')}}),
                      400, "invalid_request", "New password must be at most 256 characters"));
  EXPECT_TRUE(IsBadRequestNaming(mine.Put("/me/password", {{"new_password", new_password}}),
                                 {"current_password"}));
  // Nothing of that changed anything.
  ASSERT_TRUE(HasStatus(other.Get("/me"), 200));

  ApiResponse changed = mine.Put(
      "/me/password", {{"current_password", old_password}, {"new_password", new_password}});
  ASSERT_TRUE(HasStatus(changed, 200));
  EXPECT_EQ(changed.json, json({{"password_changed", true}}));
  EXPECT_TRUE(HasStatus(mine.Get("/me"), 200));      // the caller's session stays
  EXPECT_EQ(other.Get("/me").status, 401);           // every other one ends
  EXPECT_TRUE(HasStatus(user.api.Get("/me"), 200));  // API keys are not sessions

  EXPECT_EQ(
      Anonymous().Post("/auth/login", {{"email", user.email}, {"password", old_password}}).status,
      401);
  EXPECT_TRUE(HasStatus(
      Anonymous().Post("/auth/login", {{"email", user.email}, {"password", new_password}}), 200));
}

TEST_F(AccountE2e, AnApiKeyCannotChangeThePassword) {
  const std::string password = "long enough " + Unique("");
  TestUser user = NewUser("elite", password);
  ApiResponse refused = user.api.Put(
      "/me/password", {{"current_password", password}, {"new_password", "another one 123"}});
  EXPECT_EQ(refused.status, 403) << refused.Describe();
  EXPECT_EQ(refused.json.value("code", ""), "session_required") << refused.Describe();
  EXPECT_NE(refused.json.value("detail", "").find("API key"), std::string::npos)
      << refused.Describe();
  EXPECT_TRUE(HasStatus(
      Anonymous().Post("/auth/login", {{"email", user.email}, {"password", password}}), 200));
}

}  // namespace
}  // namespace certadns::test
