// DELETE /zones/{id}: refused while the zone holds any certificate; otherwise the zone is
// gone from the account, and a verified one from our DNS. Another account's zone is a 404.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;

class ZoneDeleteE2e : public ApiE2eTest {
 protected:
  static bool Listed(const ApiClient& api, const std::string& zone_id) {
    ApiResponse zones = api.Get("/zones");
    EXPECT_TRUE(HasStatus(zones, 200));
    if (!zones.json.is_object() || !zones.json["zones"].is_array()) return false;
    for (const json& zone : zones.json["zones"]) {
      if (zone.value("id", "") == zone_id) return true;
    }
    return false;
  }
  static bool Hosted(const std::string& name) {
    auto hosted = pdns().ZoneExists(name);
    EXPECT_TRUE(hosted.ok()) << hosted.error().message();
    return hosted.ok() && *hosted;
  }
};

TEST_F(ZoneDeleteE2e, APendingZoneIsDeleted) {
  TestUser user = NewUser("plus");
  TestZone zone = ImportZone(user, /*verified=*/false);
  ASSERT_TRUE(Listed(user.api, zone.id));

  ApiResponse deleted = user.api.Delete("/zones/" + zone.id);
  ASSERT_TRUE(HasStatus(deleted, 200));
  EXPECT_EQ(deleted.json, json({{"deleted", true}}));
  EXPECT_FALSE(Listed(user.api, zone.id));
  EXPECT_TRUE(
      IsError(user.api.Delete("/zones/" + zone.id), 404, "zone_not_found", spec::kZoneNotFound));
  // The name can be imported again.
  EXPECT_TRUE(HasStatus(user.api.Post("/zones", {{"name", zone.name}}), 201));
}

TEST_F(ZoneDeleteE2e, AZoneWithACertificateIsRefusedUntilTheCertificateIsDeleted) {
  TestUser user = NewUser("pro");
  TestZone zone = ImportZone(user, /*verified=*/true);
  ASSERT_TRUE(Hosted(zone.name));
  ApiResponse created =
      RequestCertificate(user.api, {{"zone_id", zone.id}, {"domain", "www." + zone.name}});
  ASSERT_TRUE(HasStatus(created, 202));
  const std::string certificate_id = created.json.value("id", "");
  ApiResponse settled = WaitSettled(user.api, certificate_id);
  ASSERT_EQ(settled.json.value("status", ""), "issued") << settled.Describe() << "\n"
                                                        << LogsText(user.api, certificate_id);

  EXPECT_TRUE(IsError(user.api.Delete("/zones/" + zone.id), 409, "zone_has_certificates",
                      "Zone has certificates; delete them first"));
  EXPECT_TRUE(Listed(user.api, zone.id));
  EXPECT_TRUE(Hosted(zone.name));
  EXPECT_TRUE(HasStatus(user.api.Get("/certificates/" + certificate_id), 200));

  // Once its certificate is gone, the verified zone goes, from the account and from our DNS.
  ASSERT_TRUE(HasStatus(user.api.Delete("/certificates/" + certificate_id), 200));
  ApiResponse deleted = user.api.Delete("/zones/" + zone.id);
  ASSERT_TRUE(HasStatus(deleted, 200));
  EXPECT_FALSE(Listed(user.api, zone.id));
  EXPECT_FALSE(Hosted(zone.name)) << zone.name << " is still served by PowerDNS";
}

TEST_F(ZoneDeleteE2e, AnotherAccountsZoneIsNotFoundAndStays) {
  TestUser a = NewUser("elite");
  TestUser b = NewUser("elite");
  TestZone zone = ImportZone(a, /*verified=*/true);
  ASSERT_TRUE(Hosted(zone.name));

  EXPECT_TRUE(
      IsError(b.api.Delete("/zones/" + zone.id), 404, "zone_not_found", spec::kZoneNotFound));
  EXPECT_TRUE(IsError(b.api.Delete("/zones/zone_doesnotexist"), 404, "zone_not_found",
                      spec::kZoneNotFound));
  EXPECT_TRUE(Listed(a.api, zone.id));
  EXPECT_TRUE(Hosted(zone.name));

  // B's own pending import of the same name does not touch A's zone either.
  ApiResponse b_import = b.api.Post("/zones", {{"name", zone.name}});
  ASSERT_TRUE(HasStatus(b_import, 201));
  ASSERT_TRUE(HasStatus(b.api.Delete("/zones/" + b_import.json.value("id", "")), 200));
  EXPECT_TRUE(Listed(a.api, zone.id));
  EXPECT_TRUE(Hosted(zone.name));
}

}  // namespace
}  // namespace certadns::test
