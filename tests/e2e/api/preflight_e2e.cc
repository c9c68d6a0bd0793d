// Pre-flight checks against the real stack: a CAA record for another CA (in our zone or up
// the tree in the world's DNS) makes POST /certificates fail fast, with nothing created and no
// order at Pebble; issuewild for wildcards; a CNAME at _acme-challenge; and
// POST /certificates/preflight reporting the same checks without creating anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>


#include "tests/e2e/api/e2e_fixture.h"
#include "tests/support/file_text.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// newOrder requests Pebble has logged so far (its log is the stack's pebble.log).
int PebbleNewOrders() {
  const std::string log = ReadFileText(EnvOr("STACK_DIR") + "/pebble.log");
  int count = 0;
  for (size_t at = log.find("POST /order-plz"); at != std::string::npos;
       at = log.find("POST /order-plz", at + 1)) {
    ++count;
  }
  return count;
}

json CheckNamed(const json& report, const std::string& name) {
  for (const auto& check : report.value("checks", json::array())) {
    if (check.value("name", "") == name) return check;
  }
  return json::object();
}

class PreflightE2e : public ApiE2eTest {
 protected:
  // An Elite user's zone, imported, delegated in the world's DNS and verified.
  void SetUp() override {
    ApiE2eTest::SetUp();
    ASSERT_FALSE(env().world_pdns_api_url.empty()) << "the stack has no world PowerDNS";
    parent_ = Unique("p") + ".test";
    zone_ = Unique("z") + "." + parent_;
    CleanUpZoneLater(zone_);
    CleanUpWorldZoneLater(parent_);
    ApiResponse imported = user_.api.Post("/zones", {{"name", zone_}});
    ASSERT_TRUE(HasStatus(imported, 201));
    zone_id_ = imported.json.value("id", "");
    ASSERT_TRUE(world().CreateZone(parent_, {"ns1.registry-e2e.test"}).ok());
    DelegateInWorld(parent_, zone_, imported.json["verification"]["nameservers"]);
    ApiResponse verified = user_.api.Post("/zones/" + zone_id_ + "/verify", json::object());
    ASSERT_EQ(verified.json.value("verified", false), true) << verified.body;
  }

  json Body(const std::string& domain, bool wildcard = false) const {
    return {{"zone_id", zone_id_}, {"domain", domain}, {"wildcard", wildcard}};
  }
  void Caa(const std::string& zone, const std::string& name,
           std::vector<dns::powerdns::Record> records, bool in_world = false) {
    auto& server = in_world ? world() : pdns();
    auto set = server.ReplaceRrset(zone, name, "CAA", 60, records);
    ASSERT_TRUE(set.ok()) << set.error().message();
  }

  TestUser user_ = NewUser("elite");
  std::string parent_, zone_, zone_id_;
};

TEST_F(PreflightE2e, AllChecksPassForADelegatedZoneWithoutCaa) {
  ApiResponse report = user_.api.Post("/certificates/preflight", Body("app." + zone_));
  ASSERT_TRUE(HasStatus(report, 200));
  EXPECT_EQ(report.json.value("ok", false), true) << report.body;
  std::vector<std::string> names;
  for (const auto& check : report.json["checks"]) {
    names.push_back(check.value("name", ""));
    EXPECT_TRUE(check.value("ok", false)) << check.dump();
    EXPECT_FALSE(check.value("detail", "").empty()) << check.dump();
  }
  EXPECT_EQ(names, (std::vector<std::string>{"domain_under_zone", "zone_delegated", "caa",
                                             "challenge_cname"}));
  EXPECT_EQ(CurrentCount(user_.api), 0) << "preflight created something";
}

TEST_F(PreflightE2e, CaaForAnotherCaInOurZoneFailsFastWithNoOrder) {
  Caa(zone_, zone_, {{"0 issue \"ca.example.net\"", false}});
  ApiResponse report = user_.api.Post("/certificates/preflight", Body("app." + zone_));
  ASSERT_TRUE(HasStatus(report, 200));
  EXPECT_EQ(report.json.value("ok", true), false);
  json caa = CheckNamed(report.json, "caa");
  EXPECT_EQ(caa.value("ok", true), false) << report.body;
  EXPECT_EQ(caa.value("code", ""), "caa_forbids_issuance");
  EXPECT_THAT(caa.value("detail", ""), HasSubstr("ca.example.net"));

  const int orders_before = PebbleNewOrders();
  ApiResponse refused = RequestCertificate(user_.api, Body("app." + zone_));
  EXPECT_TRUE(HasStatus(refused, 400));
  EXPECT_EQ(refused.json.value("code", ""), "caa_forbids_issuance") << refused.body;
  EXPECT_THAT(refused.json.value("detail", ""), HasSubstr("ca.example.net"));
  EXPECT_THAT(refused.json.value("detail", ""), HasSubstr(zone_));
  EXPECT_EQ(CurrentCount(user_.api), 0) << "a refused request created a certificate";
  EXPECT_EQ(PebbleNewOrders(), orders_before) << "an order reached Pebble";

  // Allowing the CA (letsencrypt.org, the default identity) lets it through.
  Caa(zone_, zone_, {{"0 issue \"ca.example.net\"", false},
                     {"0 issue \"letsencrypt.org\"", false}});
  ApiResponse created = RequestCertificate(user_.api, Body("app." + zone_));
  ASSERT_TRUE(HasStatus(created, 202));
  EXPECT_EQ(WaitSettled(user_.api, created.json.value("id", "")).json.value("status", ""),
            "issued");
}

TEST_F(PreflightE2e, CaaUpTheTreeInTheWorldDecidesWhenTheZoneHasNone) {
  Caa(parent_, parent_, {{"0 issue \"ca.example.net\"", false}}, /*in_world=*/true);
  ApiResponse refused = RequestCertificate(user_.api, Body("deep.app." + zone_));
  EXPECT_TRUE(HasStatus(refused, 400));
  EXPECT_EQ(refused.json.value("code", ""), "caa_forbids_issuance") << refused.body;
  EXPECT_THAT(refused.json.value("detail", ""), HasSubstr("CAA at " + parent_));
  // A nearer RRset, in our zone, overrides it.
  Caa(zone_, "app." + zone_, {{"0 issue \"letsencrypt.org\"", false}});
  ApiResponse report = user_.api.Post("/certificates/preflight", Body("deep.app." + zone_));
  EXPECT_EQ(report.json.value("ok", false), true) << report.body;
}

TEST_F(PreflightE2e, IssuewildGovernsWildcards) {
  Caa(zone_, zone_, {{"0 issue \"letsencrypt.org\"", false}, {"0 issuewild \";\"", false}});
  EXPECT_EQ(user_.api.Post("/certificates/preflight", Body("app." + zone_)).json.value("ok", false),
            true);
  ApiResponse refused = RequestCertificate(user_.api, Body(zone_, /*wildcard=*/true));
  EXPECT_TRUE(HasStatus(refused, 400));
  EXPECT_EQ(refused.json.value("code", ""), "caa_forbids_issuance") << refused.body;
  EXPECT_THAT(refused.json.value("detail", ""), HasSubstr("wildcard"));
}

TEST_F(PreflightE2e, UnknownCriticalCaaPropertyForbids) {
  Caa(zone_, zone_, {{"0 issue \"letsencrypt.org\"", false}, {"128 tbs \"x\"", false}});
  ApiResponse refused = RequestCertificate(user_.api, Body("app." + zone_));
  EXPECT_TRUE(HasStatus(refused, 400));
  EXPECT_EQ(refused.json.value("code", ""), "caa_forbids_issuance") << refused.body;
  EXPECT_THAT(refused.json.value("detail", ""), HasSubstr("critical"));
}

TEST_F(PreflightE2e, CnameAtAcmeChallengeFails) {
  auto set = pdns().ReplaceRrset(zone_, "_acme-challenge.app." + zone_, "CNAME", 60,
                                 {{"acme.elsewhere.example.net.", false}});
  ASSERT_TRUE(set.ok()) << set.error().message();
  ApiResponse refused = RequestCertificate(user_.api, Body("app." + zone_));
  EXPECT_TRUE(HasStatus(refused, 400));
  EXPECT_EQ(refused.json.value("code", ""), "cname_shadows_challenge") << refused.body;
  EXPECT_THAT(refused.json.value("detail", ""),
              HasSubstr("_acme-challenge.app." + zone_ + " is a CNAME to acme.elsewhere.example.net"));
  EXPECT_EQ(CurrentCount(user_.api), 0);
}

TEST_F(PreflightE2e, NameOutsideTheZoneIsAFailedCheckAndAMalformedBodyA400) {
  ApiResponse outside = user_.api.Post("/certificates/preflight", Body("app.elsewhere.test"));
  ASSERT_TRUE(HasStatus(outside, 200));
  EXPECT_EQ(outside.json.value("ok", true), false);
  json under = CheckNamed(outside.json, "domain_under_zone");
  EXPECT_EQ(under.value("ok", true), false) << outside.body;
  EXPECT_EQ(under.value("code", ""), "domain_not_under_zone");
  EXPECT_TRUE(IsBadRequestNaming(user_.api.Post("/certificates/preflight", {{"zone_id", zone_id_}}),
                                 {"domain"}));
  EXPECT_TRUE(HasStatus(Anonymous().Post("/certificates/preflight", Body("app." + zone_)), 401));
}

}  // namespace
}  // namespace certadns::test
