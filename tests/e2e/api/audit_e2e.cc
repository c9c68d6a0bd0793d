// The audit log over the API (GET /audit): every action on a certificate leaves one entry
// (created, each download, renewed, auto-renew toggled, revoked, deleted) with the caller's
// address and credential; another account sees none of them; filters and pages work, and a
// bad filter is a 400 that says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;

class AuditE2e : public ApiE2eTest {
 protected:
  /// GET /audit with `query` ("" or "?..."); every page followed (at most 20).
  static std::vector<json> AllEntries(const ApiClient& api, const std::string& query = "") {
    std::vector<json> out;
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
      std::string sep = query.empty() ? "?" : "&";
      ApiResponse r = api.Get("/audit" + query + (cursor.empty() ? "" : sep + "cursor=" + cursor));
      EXPECT_TRUE(HasStatus(r, 200));
      if (r.status != 200) break;
      for (const json& e : r.json["entries"]) out.push_back(e);
      if (r.json["next_cursor"].is_null()) break;
      cursor = r.json["next_cursor"].get<std::string>();
    }
    return out;
  }

  static std::vector<std::string> Actions(const std::vector<json>& entries) {
    std::vector<std::string> out;
    for (const json& e : entries) out.push_back(e.value("action", ""));
    return out;
  }

  std::string IssuedCertificate(const TestUser& user, const TestZone& zone,
                                const std::string& label) {
    ApiResponse created =
        RequestCertificate(user.api, {{"zone_id", zone.id}, {"domain", label + "." + zone.name}});
    EXPECT_TRUE(HasStatus(created, 202));
    const std::string id = created.json.value("id", "");
    ApiResponse issued = WaitSettled(user.api, id);
    EXPECT_EQ(issued.json.value("status", ""), "issued") << issued.Describe() << "\n"
                                                         << LogsText(user.api, id);
    return id;
  }
};

TEST_F(AuditE2e, EachActionOnACertificateIsRecordedForItsOwnerOnly) {
  TestUser a = NewUser("elite");
  TestUser b = NewUser("elite");
  TestZone zone = ImportZone(a, /*verified=*/true);
  const std::string id = IssuedCertificate(a, zone, "app");
  const std::string domain = "app." + zone.name;

  ASSERT_TRUE(HasStatus(a.api.Get("/certificates/" + id + "/download"), 200));
  ASSERT_TRUE(HasStatus(a.api.Get("/certificates/" + id + "/download"), 200));
  ASSERT_TRUE(HasStatus(a.api.Post("/certificates/" + id + "/renew", json::object()), 202));
  ASSERT_EQ(WaitSettled(a.api, id).json.value("status", ""), "issued") << LogsText(a.api, id);
  ASSERT_TRUE(
      HasStatus(a.api.Put("/certificates/" + id + "/auto-renew", {{"enabled", true}}), 200));
  ASSERT_TRUE(HasStatus(a.api.Delete("/certificates/" + id + "?revoke=true"), 200));
  // What failed is not recorded: B's attempts on A's certificate are 404s.
  EXPECT_EQ(b.api.Get("/certificates/" + id + "/download").status, 404);

  std::vector<json> entries = AllEntries(a.api, "?target=" + id);
  EXPECT_THAT(Actions(entries),
              ::testing::ElementsAre("certificate.deleted", "certificate.revoked",
                                     "certificate.auto_renew_changed", "certificate.renewed",
                                     "certificate.downloaded", "certificate.downloaded",
                                     "certificate.created"));
  // The API key's id, never the key; the caller's address; the certificate's domain.
  ApiResponse keys = a.api.Get("/api-keys");
  ASSERT_TRUE(HasStatus(keys, 200));
  const std::string key_id = keys.json["api_keys"][0].value("id", "");
  std::set<std::string> times;
  for (const json& e : entries) {
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(e["target"].value("id", ""), id);
    EXPECT_EQ(e["target"].value("name", ""), domain);
    EXPECT_EQ(e.value("client_address", ""), "127.0.0.1");
    EXPECT_EQ(e.value("credential", ""), "api_key:" + key_id);
    EXPECT_EQ(e.dump().find(a.api_key), std::string::npos);
    EXPECT_TRUE(e["detail"].is_object());
    times.insert(e.value("at", ""));
  }
  ASSERT_EQ(entries.size(), 7u);
  EXPECT_EQ(entries[0]["detail"], json({{"revoke", true}, {"revoked", true}}));
  EXPECT_EQ(entries[2]["detail"], json({{"auto_renew", true}}));
  EXPECT_EQ(entries[4]["detail"], json({{"format", "pem"}}));
  EXPECT_EQ(entries[6]["detail"].value("auto_renew", true), false);

  // The action filter.
  EXPECT_EQ(AllEntries(a.api, "?action=certificate.downloaded").size(), 2u);
  // B sees nothing of A's, by target or at all.
  EXPECT_TRUE(AllEntries(b.api, "?target=" + id).empty());
  for (const json& e : AllEntries(b.api)) EXPECT_NE(e["target"].value("id", ""), id);
}

TEST_F(AuditE2e, PagesFollowOneAnotherWithoutRepeats) {
  TestUser a = NewUser("elite");
  TestZone zone = ImportZone(a, /*verified=*/true);
  const std::string id = IssuedCertificate(a, zone, "pages");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(HasStatus(a.api.Get("/certificates/" + id + "/download"), 200));
  }
  ApiResponse first = a.api.Get("/audit?action=certificate.downloaded&limit=2");
  ASSERT_TRUE(HasStatus(first, 200));
  EXPECT_EQ(first.json["entries"].size(), 2u);
  EXPECT_TRUE(first.json["next_cursor"].is_string());
  std::vector<json> all = AllEntries(a.api, "?action=certificate.downloaded&limit=2");
  std::set<std::string> ids;
  for (const json& e : all) ids.insert(e.value("id", ""));
  EXPECT_EQ(all.size(), 5u);
  EXPECT_EQ(ids.size(), 5u);
  // since/until: everything is before "now + 1 h" and nothing is before a time long past.
  EXPECT_EQ(AllEntries(a.api, "?action=certificate.downloaded&since=2000-01-01T00:00:00Z").size(),
            5u);
  EXPECT_TRUE(AllEntries(a.api, "?until=2000-01-01T00:00:00Z").empty());
}

TEST_F(AuditE2e, ASessionIsRecordedAsSuchAndLoginIsAnEntry) {
  TestUser a = NewUser("elite", "correct horse battery");
  ApiClient browser = Anonymous();
  ApiResponse login =
      browser.Post("/auth/login", {{"email", a.email}, {"password", "correct horse battery"}});
  ASSERT_TRUE(HasStatus(login, 200));
  auto set_cookie = login.Header("Set-Cookie");
  ASSERT_TRUE(set_cookie.has_value());
  browser.SetCookie(set_cookie->substr(0, set_cookie->find(';')));
  browser.SetCsrfToken(login.json.value("csrf_token", ""));
  ASSERT_TRUE(HasStatus(browser.Post("/zones", {{"name", NewZoneName()}}), 201));

  std::vector<json> entries = AllEntries(a.api);
  ASSERT_EQ(Actions(entries), (std::vector<std::string>{"zone.created", "session.created"}));
  EXPECT_EQ(entries[0].value("credential", ""), "session");
  EXPECT_EQ(entries[1].value("credential", ""), "session");
  EXPECT_EQ(entries[1]["target"].value("name", ""), a.email);
}

TEST_F(AuditE2e, ABadFilterIsA400ThatSaysWhatIsWrong) {
  TestUser a = NewUser("pro");
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?limit=0"), {"limit", "1", "200"}));
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?limit=201"), {"limit", "200"}));
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?limit=ten"), {"limit"}));
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?action=certificate.stolen"),
                                 {"action", "certificate.downloaded"}));
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?since=yesterday"), {"since", "RFC 3339"}));
  EXPECT_TRUE(
      IsBadRequestNaming(a.api.Get("/audit?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"),
                         {"since", "until"}));
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?cursor=not-a-cursor"), {"cursor"}));
  EXPECT_TRUE(IsBadRequestNaming(a.api.Get("/audit?page=2"), {"page"}));
  EXPECT_TRUE(HasStatus(Anonymous().Get("/audit"), 401));
}

}  // namespace
}  // namespace certadns::test
