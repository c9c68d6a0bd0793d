// Two tenants: B gets 404 for everything of A's, exactly as for things that do not exist,
// and nothing of A's changes.
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

class TenancyE2e : public ApiE2eTest {};

TEST_F(TenancyE2e, AnotherTenantsCertificateAndZoneAreNotFound) {
  TestUser a = NewUser("elite");
  TestUser b = NewUser("elite");
  TestZone a_zone = ImportZone(a, /*verified=*/true);
  TestZone b_zone = ImportZone(b, /*verified=*/true);

  ApiResponse created = RequestCertificate(
      a.api, {{"zone_id", a_zone.id}, {"domain", "app." + a_zone.name}, {"auto_renew", true}});
  ASSERT_TRUE(HasStatus(created, 202));
  const std::string id = created.json.value("id", "");
  ApiResponse issued = WaitSettled(a.api, id);
  ASSERT_EQ(issued.json.value("status", ""), "issued")
      << issued.Describe() << "\n" << LogsText(a.api, id);
  // "issued" is committed before the job's last step (removing the TXT records) logs its
  // line: wait, bounded, until the log stops growing, so the comparison below is fair.
  ApiResponse a_logs_before = a.api.Get("/certificates/" + id + "/logs");
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ApiResponse again = a.api.Get("/certificates/" + id + "/logs");
    if (again.json == a_logs_before.json) break;
    a_logs_before = again;
  }
  const ApiResponse a_download_before = a.api.Get("/certificates/" + id + "/download");
  const ApiResponse a_zones_before = a.api.Get("/zones");
  ASSERT_TRUE(HasStatus(a_download_before, 200));

  // Every certificate route, with A's id and with an id that does not exist: the same 404.
  for (const std::string& target : {id, std::string("cert_doesnotexist0000")}) {
    SCOPED_TRACE(target);
    const std::string path = "/certificates/" + target;
    auto not_found = [](const ApiResponse& r) {
      return IsError(r, 404, "certificate_not_found", spec::kCertificateNotFound);
    };
    EXPECT_TRUE(not_found(b.api.Get(path)));
    EXPECT_TRUE(not_found(b.api.Get(path + "/logs")));
    EXPECT_TRUE(not_found(b.api.Get(path + "/download")));
    EXPECT_TRUE(not_found(b.api.Post(path + "/renew", json::object())));
    EXPECT_TRUE(not_found(b.api.Put(path + "/auto-renew", {{"enabled", false}})));
    EXPECT_TRUE(not_found(b.api.Put(path + "/auto-renew", {{"enabled", true}})));
    EXPECT_TRUE(not_found(b.api.Delete(path)));
    EXPECT_TRUE(not_found(b.api.Delete(path + "?revoke=true")));
  }

  // A's zone: verify, and as the zone of a certificate request (even for a name in it).
  EXPECT_TRUE(IsError(b.api.Post("/zones/" + a_zone.id + "/verify", json::object()), 404,
                      "zone_not_found", spec::kZoneNotFound));
  EXPECT_TRUE(IsError(RequestCertificate(b.api, {{"zone_id", a_zone.id},
                                                 {"domain", "other." + a_zone.name}}),
                      404, "zone_not_found", spec::kZoneNotFound));
  // B's own zone with A's names: not under B's zone.
  EXPECT_TRUE(IsError(RequestCertificate(b.api, {{"zone_id", b_zone.id},
                                                 {"domain", "app." + a_zone.name}}),
                      400, "domain_not_under_zone", spec::kDomainNotUnderZone));
  // B may hold a pending import of A's zone (the domain may change hands), but it grants
  // nothing: B cannot verify it, and A's zone is untouched.
  ApiResponse pending = b.api.Post("/zones", {{"name", a_zone.name}});
  ASSERT_TRUE(HasStatus(pending, 201));
  ApiResponse tried = b.api.Post("/zones/" + pending.json.value("id", "") + "/verify",
                                 nlohmann::json::object());
  EXPECT_FALSE(tried.status == 200 && tried.json.value("verified", false)) << tried.Describe();
  EXPECT_TRUE(IsError(RequestCertificate(b.api, {{"zone_id", pending.json.value("id", "")},
                                                 {"domain", "x." + a_zone.name}}),
                      404, "zone_not_found", spec::kZoneNotFound));

  // B sees nothing of A's.
  EXPECT_THAT(ListedIds(b.api), Not(Contains(id)));
  EXPECT_EQ(CurrentCount(b.api), 0);
  ApiResponse b_zones = b.api.Get("/zones");
  ASSERT_TRUE(HasStatus(b_zones, 200));
  ASSERT_EQ(b_zones.json["zones"].size(), 2u) << b_zones.body;
  for (const auto& z : b_zones.json["zones"]) {
    EXPECT_NE(z.value("id", ""), a_zone.id);
    EXPECT_EQ(z.value("verified", true), z.value("id", "") == b_zone.id) << z.dump();
  }

  // Nothing of A's changed.
  ApiResponse after = a.api.Get("/certificates/" + id);
  ASSERT_TRUE(HasStatus(after, 200));
  EXPECT_EQ(after.json, issued.json);
  EXPECT_EQ(a.api.Get("/certificates/" + id + "/logs").json, a_logs_before.json);
  EXPECT_EQ(a.api.Get("/certificates/" + id + "/download").json, a_download_before.json);
  EXPECT_EQ(a.api.Get("/zones").json, a_zones_before.json);
  EXPECT_THAT(ListedIds(a.api), ElementsAre(id));
  EXPECT_EQ(CurrentCount(a.api), 1);
}

// A zone inside another tenant's zone would take over part of that tenant's namespace on our
// nameservers (PowerDNS answers from the most specific zone), and, with recursive resolvers
// following the owner's delegation to us, would pass verification: it must be refused.
TEST_F(TenancyE2e, ZoneInsideAnotherTenantsZoneIsRefused) {
  TestUser owner = NewUser("pro");
  TestUser other = NewUser("pro");
  TestZone zone = ImportZone(owner, /*verified=*/true);
  const std::string inside = "shop." + zone.name;
  CleanUpZoneLater(inside);

  ApiResponse imported = other.api.Post("/zones", {{"name", inside}});
  EXPECT_GE(imported.status, 400) << imported.Describe();
  EXPECT_LT(imported.status, 500) << imported.Describe();
  auto hosted = pdns().ZoneExists(inside);
  ASSERT_TRUE(hosted.ok()) << hosted.error().message();
  EXPECT_FALSE(*hosted) << inside << " now exists in PowerDNS, shadowing " << zone.name
                        << " of another tenant";
  ApiResponse zones = other.api.Get("/zones");
  ASSERT_TRUE(HasStatus(zones, 200));
  EXPECT_TRUE(zones.json["zones"].empty()) << zones.body;
}

// The child zone was imported first by one account, its parent later by another: names in
// the child belong to the child's owner, and the parent's owner cannot get them.
TEST_F(TenancyE2e, NamesInAnotherTenantsChildZoneAreNotUnderTheParent) {
  TestUser child_owner = NewUser("elite");
  TestUser parent_owner = NewUser("elite");
  const std::string parent = NewZoneName();
  TestZone child = ImportZone(child_owner, /*verified=*/true, "v." + parent);
  TestZone parent_zone = ImportZone(parent_owner, /*verified=*/true, parent);

  for (const std::string& domain : {"www." + child.name, "*." + child.name, child.name}) {
    SCOPED_TRACE(domain);
    EXPECT_TRUE(IsError(RequestCertificate(parent_owner.api,
                                           {{"zone_id", parent_zone.id}, {"domain", domain}}),
                        400, "domain_not_under_zone", spec::kDomainNotUnderZone));
  }
  EXPECT_TRUE(IsError(RequestCertificate(parent_owner.api, {{"zone_id", parent_zone.id},
                                                            {"domain", "app." + parent},
                                                            {"sans", {"api." + child.name}}}),
                      400, "domain_not_under_zone", spec::kDomainNotUnderZone));
  EXPECT_EQ(CurrentCount(parent_owner.api), 0);
  // The parent's own names are fine.
  EXPECT_TRUE(HasStatus(RequestCertificate(parent_owner.api, {{"zone_id", parent_zone.id},
                                                              {"domain", "app." + parent}}),
                        202));
}

}  // namespace
}  // namespace certadns::test
