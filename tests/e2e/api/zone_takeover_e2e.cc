// Zone takeover, tried over the API against the real binary and the devstack's "world"
// PowerDNS (the public internet's DNS): a squatter's pending import blocks nobody, proof of
// control is per account (its own TXT token or its own nameserver names), shared nameservers
// prove nothing, and a zone goes live in our PowerDNS only for the account that proved it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

class ZoneTakeoverE2e : public ApiE2eTest {
 protected:
  void SetUp() override {
    ApiE2eTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    ASSERT_FALSE(env().world_pdns_api_url.empty()) << "the stack has no world PowerDNS";
    parent_ = Unique("p") + ".test";
    zone_ = Unique("z") + "." + parent_;
    CleanUpZoneLater(zone_);
    CleanUpWorldZoneLater(parent_);
    ASSERT_TRUE(world().CreateZone(parent_, {"ns1.registry-e2e.test"}).ok());
  }

  // In the world: the parent delegates zone_ to `nameservers`.
  void Delegate(const std::vector<std::string>& nameservers) {
    std::vector<dns::powerdns::Record> records;
    for (const std::string& ns : nameservers) records.push_back({ns + ".", false});
    auto delegated = world().ReplaceRrset(parent_, zone_, "NS", 300, records);
    ASSERT_TRUE(delegated.ok()) << delegated.error().message();
  }

  // In the world: TXT _certadns-verify.<zone_> holds `values`.
  void PublishTxt(const std::vector<std::string>& values) {
    std::vector<dns::powerdns::Record> records;
    for (const std::string& value : values) records.push_back({"\"" + value + "\"", false});
    auto published = world().ReplaceRrset(parent_, "_certadns-verify." + zone_, "TXT", 60, records);
    ASSERT_TRUE(published.ok()) << published.error().message();
  }

  static std::vector<std::string> Nameservers(const ApiResponse& imported) {
    std::vector<std::string> names;
    for (const auto& ns : imported.json["verification"]["nameservers"]) {
      names.push_back(ns.get<std::string>());
    }
    return names;
  }

  bool LiveInOurDns() {
    auto hosted = pdns().ZoneExists(zone_);
    EXPECT_TRUE(hosted.ok()) << hosted.error().message();
    return hosted.ok() && *hosted;
  }

  std::string parent_, zone_;
};

// The squatter imports first; the real owner's import is not blocked, and the owner's TXT
// token verifies the owner's zone, not the squatter's.
TEST_F(ZoneTakeoverE2e, PendingImportBlocksNobodyAndTheTokenIsPerAccount) {
  TestUser squatter = NewUser("pro");
  TestUser owner = NewUser("pro");
  ApiResponse squatted = squatter.api.Post("/zones", {{"name", zone_}});
  ASSERT_TRUE(HasStatus(squatted, 201));
  EXPECT_FALSE(LiveInOurDns()) << "an unverified import put " << zone_ << " in our DNS";

  ApiResponse imported = owner.api.Post("/zones", {{"name", zone_}});
  ASSERT_TRUE(HasStatus(imported, 201));
  const std::string owner_zone = imported.json.value("id", "");
  const std::string squatter_zone = squatted.json.value("id", "");
  const std::string owner_token = imported.json["verification"].value("txt_value", "");
  EXPECT_NE(owner_token, squatted.json["verification"].value("txt_value", ""));

  PublishTxt({owner_token});
  ApiResponse squatter_try = squatter.api.Post("/zones/" + squatter_zone + "/verify", json{});
  ASSERT_TRUE(HasStatus(squatter_try, 200));
  EXPECT_EQ(squatter_try.json.value("verified", true), false) << squatter_try.body;
  EXPECT_THAT(squatter_try.json["verification"].value("detail", ""),
              HasSubstr("_certadns-verify." + zone_));

  ApiResponse verified = owner.api.Post("/zones/" + owner_zone + "/verify", json{});
  ASSERT_TRUE(HasStatus(verified, 200));
  EXPECT_EQ(verified.json.value("verified", false), true) << verified.body;
  EXPECT_TRUE(LiveInOurDns()) << "verification did not put " << zone_ << " in our DNS";

  EXPECT_TRUE(IsError(
      RequestCertificate(squatter.api, {{"zone_id", squatter_zone}, {"domain", "app." + zone_}}),
      404, "zone_not_found", spec::kZoneNotFound));
  // Verified by its TXT record; issuance waits for the delegation (pre-flight).
  DelegateInWorld(parent_, zone_, imported.json["verification"]["nameservers"]);
  ApiResponse created =
      RequestCertificate(owner.api, {{"zone_id", owner_zone}, {"domain", "app." + zone_}});
  ASSERT_TRUE(HasStatus(created, 202));
  ApiResponse settled = WaitSettled(owner.api, created.json.value("id", ""));
  EXPECT_EQ(settled.json.value("status", ""), "issued")
      << settled.Describe() << "\n"
      << LogsText(owner.api, created.json.value("id", ""));
}

// The owner delegates to the nameservers the service named for the owner's account: that
// proves nothing for the squatter, and delegation to the shared names proves nothing at all.
TEST_F(ZoneTakeoverE2e, DelegationProvesControlOnlyForTheAccountItNames) {
  TestUser squatter = NewUser("pro");
  TestUser owner = NewUser("pro");
  ApiResponse squatted = squatter.api.Post("/zones", {{"name", zone_}});
  ASSERT_TRUE(HasStatus(squatted, 201));
  ApiResponse imported = owner.api.Post("/zones", {{"name", zone_}});
  ASSERT_TRUE(HasStatus(imported, 201));
  const std::vector<std::string> owner_ns = Nameservers(imported);
  const std::vector<std::string> squatter_ns = Nameservers(squatted);
  ASSERT_FALSE(owner_ns.empty()) << imported.body;
  EXPECT_NE(owner_ns, squatter_ns) << "both accounts were told the same nameservers";

  // The shared names (zones.nameservers of the service's config) prove nothing.
  Delegate({"ns1.certadns.test", "ns2.certadns.test"});
  for (const ApiResponse* mine : {&squatted, &imported}) {
    const TestUser& who = mine == &squatted ? squatter : owner;
    ApiResponse tried = who.api.Post("/zones/" + mine->json.value("id", "") + "/verify", json{});
    ASSERT_TRUE(HasStatus(tried, 200));
    EXPECT_EQ(tried.json.value("verified", true), false) << tried.body;
  }
  EXPECT_FALSE(LiveInOurDns());

  Delegate(owner_ns);
  ApiResponse squatter_try =
      squatter.api.Post("/zones/" + squatted.json.value("id", "") + "/verify", json{});
  ASSERT_TRUE(HasStatus(squatter_try, 200));
  EXPECT_EQ(squatter_try.json.value("verified", true), false) << squatter_try.body;
  EXPECT_THAT(squatter_try.json["verification"].value("detail", ""), HasSubstr(owner_ns[0]));

  ApiResponse verified =
      owner.api.Post("/zones/" + imported.json.value("id", "") + "/verify", json{});
  ASSERT_TRUE(HasStatus(verified, 200));
  EXPECT_EQ(verified.json.value("verified", false), true) << verified.body;
  EXPECT_TRUE(LiveInOurDns());
  // Once verified by the owner, the squatter cannot verify even with the same delegation.
  squatter_try = squatter.api.Post("/zones/" + squatted.json.value("id", "") + "/verify", json{});
  ASSERT_TRUE(HasStatus(squatter_try, 200));
  EXPECT_EQ(squatter_try.json.value("verified", true), false) << squatter_try.body;
}

// The squatter imports the name alone; the real owner then delegates the domain to our
// shared nameserver names: that proves nothing for the squatter, and nothing goes live.
TEST_F(ZoneTakeoverE2e, TheSquatterCannotVerifyThroughTheSharedNameservers) {
  TestUser squatter = NewUser("pro");
  ApiResponse squatted = squatter.api.Post("/zones", {{"name", zone_}});
  ASSERT_TRUE(HasStatus(squatted, 201));
  Delegate({"ns1.certadns.test", "ns2.certadns.test"});

  ApiResponse tried =
      squatter.api.Post("/zones/" + squatted.json.value("id", "") + "/verify", json{});
  ASSERT_TRUE(HasStatus(tried, 200));
  EXPECT_EQ(tried.json.value("verified", true), false) << tried.body;
  EXPECT_FALSE(LiveInOurDns());
  EXPECT_TRUE(IsError(RequestCertificate(squatter.api, {{"zone_id", squatted.json.value("id", "")},
                                                        {"domain", "app." + zone_}}),
                      404, "zone_not_found", spec::kZoneNotFound));
}

// A pending import of a parent blocks nobody's import of a zone below it; a verified one does.
TEST_F(ZoneTakeoverE2e, OnlyAVerifiedParentRefusesZonesInsideIt) {
  TestUser squatter = NewUser("pro");
  TestUser owner = NewUser("pro");
  ASSERT_TRUE(HasStatus(squatter.api.Post("/zones", {{"name", parent_}}), 201));
  const std::string shop = "shop." + zone_;
  CleanUpZoneLater(shop);
  ASSERT_TRUE(HasStatus(owner.api.Post("/zones", {{"name", zone_}}), 201));

  ApiResponse imported = owner.api.Post("/zones", {{"name", shop}});
  EXPECT_TRUE(HasStatus(imported, 201));
  // The owner's own second import of the same name is a conflict.
  EXPECT_EQ(owner.api.Post("/zones", {{"name", zone_}}).status, 409);
}

}  // namespace
}  // namespace certadns::test
