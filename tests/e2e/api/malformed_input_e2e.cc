// Malformed requests get a 400 whose detail names the problem, never a 500, and change
// nothing.
#include <gtest/gtest.h>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;

class MalformedInputE2e : public ApiE2eTest {};

TEST_F(MalformedInputE2e, CertificateRequestBodyProblemsAreNamed) {
  TestUser pro = NewUser("pro");
  TestZone zone = ImportZone(pro, /*verified=*/true);
  const std::string z = zone.name;
  const std::string long_label(64, 'a');
  struct Case {
    std::string_view desc;
    std::string body;
    std::vector<std::string> named;  // words the detail must contain
  };
  auto with = [&](json fields) {
    json body = {{"zone_id", zone.id}, {"domain", "app." + z}};
    for (auto& [key, value] : fields.items()) body[key] = value;
    return body.dump();
  };
  const Case cases[] = {
      {"not JSON", "zone_id=1&domain=app", {"JSON"}},
      {"JSON with trailing garbage", R"({"zone_id": "x"} x)", {"JSON"}},
      {"an empty body", "", {"JSON"}},
      {"a JSON list", R"(["zone_id", "domain"])", {"object"}},
      {"a JSON string", R"("app.example.com")", {"object"}},
      {"no zone_id", json{{"domain", "app." + z}}.dump(), {"zone_id"}},
      {"no domain", json{{"zone_id", zone.id}}.dump(), {"domain"}},
      {"an empty domain", with({{"domain", ""}}), {"domain"}},
      {"zone_id not a string", with({{"zone_id", 123}}), {"zone_id"}},
      {"domain not a string", with({{"domain", json::array({"app." + z})}}), {"domain"}},
      {"sans not a list", with({{"sans", "www." + z}}), {"sans"}},
      {"sans holding a number", with({{"sans", json::array({1})}}), {"sans"}},
      {"wildcard not a bool", with({{"wildcard", "yes"}}), {"wildcard"}},
      {"wildcard as a number", with({{"wildcard", 1}}), {"wildcard"}},
      {"auto_renew not a bool", with({{"auto_renew", "true"}}), {"auto_renew"}},
      {"an empty label", with({{"domain", "a..b." + z}}), {"a..b." + z}},
      {"a 64-character label", with({{"domain", long_label + "." + z}}), {long_label}},
      {"two wildcard labels", with({{"domain", "*.*." + z}}), {"*.*." + z}},
      {"a wildcard in the middle", with({{"domain", "a.*." + z}}), {"a.*." + z}},
      {"an IPv4 address", with({{"domain", "192.0.2.1"}}), {"192.0.2.1"}},
      {"an IPv6 address", with({{"domain", "2001:db8::1"}}), {"2001:db8::1"}},
      {"an underscore", with({{"domain", "app_1." + z}}), {"app_1." + z}},
      {"a space", with({{"domain", "my app." + z}}), {"my app." + z}},
      {"an invalid SAN", with({{"sans", {"www." + z, "a..b." + z}}}), {"a..b." + z}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    EXPECT_TRUE(IsBadRequestNaming(pro.api.Send("POST", "/certificates", c.body), c.named));
  }

  // More than 100 names (the domain and 100 SANs).
  std::vector<std::string> sans;
  for (int i = 0; i < 100; ++i) sans.push_back("s" + std::to_string(i) + "." + z);
  EXPECT_TRUE(IsBadRequestNaming(
      RequestCertificate(pro.api, {{"zone_id", zone.id}, {"domain", "app." + z}, {"sans", sans}}),
      {"100"}));

  // A body over the server's size limit is refused, not a crash.
  ApiResponse huge = pro.api.Send("POST", "/certificates",
                                  with({{"sans", json::array({std::string(2 << 20, 'a')})}}));
  EXPECT_GE(huge.status, 400) << huge.Describe().substr(0, 500);
  EXPECT_LT(huge.status, 500) << huge.Describe().substr(0, 500);

  // Nothing was created, and the service still works.
  EXPECT_EQ(CurrentCount(pro.api), 0);
  EXPECT_TRUE(ListedIds(pro.api).empty());
  EXPECT_TRUE(HasStatus(
      RequestCertificate(pro.api, {{"zone_id", zone.id}, {"domain", "app." + z}}), 202));
  EXPECT_EQ(CurrentCount(pro.api), 1);
}

TEST_F(MalformedInputE2e, OtherRoutesNameTheirProblemsAndChangeNothing) {
  TestUser pro = NewUser("pro");
  TestZone zone = ImportZone(pro, /*verified=*/true);
  ApiResponse created = RequestCertificate(
      pro.api, {{"zone_id", zone.id}, {"domain", "app." + zone.name}, {"auto_renew", true}});
  ASSERT_TRUE(HasStatus(created, 202));
  const std::string id = created.json.value("id", "");
  const std::string auto_renew = "/certificates/" + id + "/auto-renew";

  EXPECT_TRUE(IsBadRequestNaming(pro.api.Send("PUT", auto_renew, "off"), {"JSON"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Send("PUT", auto_renew, "[false]"), {"object"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Put(auto_renew, json::object()), {"enabled"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Put(auto_renew, {{"enabled", "no"}}), {"enabled"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Put(auto_renew, {{"enabled", 0}}), {"enabled"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Delete("/certificates/" + id + "?revoke=maybe"),
                                 {"revoke"}));

  ApiResponse after = pro.api.Get("/certificates/" + id);
  ASSERT_TRUE(HasStatus(after, 200));
  EXPECT_EQ(after.json.value("auto_renew", false), true);
  EXPECT_EQ(CurrentCount(pro.api), 1);

  // Zones.
  ApiResponse zones_before = pro.api.Get("/zones");
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Send("POST", "/zones", "name=x"), {"JSON"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Post("/zones", json::object()), {"name"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Post("/zones", {{"name", 5}}), {"name"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Post("/zones", {{"name", "a..b.test"}}), {"a..b.test"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Post("/zones", {{"name", "co.uk"}}), {"public suffix"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Post("/zones", {{"name", "*.x.test"}}), {"wildcard"}));
  EXPECT_TRUE(IsBadRequestNaming(pro.api.Post("/zones", {{"name", "shop.certadns.com"}}),
                                 {"certadns.com"}));
  EXPECT_EQ(pro.api.Get("/zones").json, zones_before.json);

  // Login.
  ApiClient anonymous = Anonymous();
  EXPECT_TRUE(IsBadRequestNaming(anonymous.Send("POST", "/auth/login", "email=a"), {"JSON"}));
  EXPECT_TRUE(IsBadRequestNaming(anonymous.Post("/auth/login", json::object()), {"email"}));
  EXPECT_TRUE(IsBadRequestNaming(anonymous.Post("/auth/login", {{"email", pro.email}, {"password", 7}}),
                                 {"password"}));
}

}  // namespace
}  // namespace certadns::test
