// The spec's limits table (section 11) and its section 10 errors, over HTTP against the real
// binary: each answer's status, exact `detail` and `code`.
#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/api/e2e_fixture.h"
#include "tests/support/openssl_check.h"

namespace certadns::test {
namespace {

using nlohmann::json;

class LimitsE2e : public ApiE2eTest {};

TEST_F(LimitsE2e, FreeUserIsRefusedEverythingButMe) {
  TestUser free = NewUser("free");

  ApiResponse me = free.api.Get("/me");
  ASSERT_TRUE(HasStatus(me, 200));
  EXPECT_EQ(me.json.value("email", ""), free.email);
  EXPECT_EQ(me.json.value("plan", ""), "free");

  EXPECT_TRUE(IsError(free.api.Get("/certificates"), 403, "paid_plan_required",
                      spec::kPaidPlanRequired));
  EXPECT_TRUE(IsError(RequestCertificate(free.api, {{"zone_id", "zone_x"},
                                                    {"domain", "app.example.com"}}),
                      403, "paid_plan_required", spec::kPaidPlanRequired));
  // Even a body that is not JSON: the plan is what the caller hears about.
  EXPECT_TRUE(IsError(free.api.Send("POST", "/certificates", "not json"), 403,
                      "paid_plan_required", spec::kPaidPlanRequired));
  EXPECT_TRUE(IsError(free.api.Get("/zones"), 403, "paid_plan_required",
                      spec::kPaidPlanRequired));
  EXPECT_TRUE(IsError(free.api.Post("/zones", {{"name", NewZoneName()}}), 403,
                      "paid_plan_required", spec::kPaidPlanRequired));
  EXPECT_TRUE(IsError(free.api.Get("/certificates/cert_doesnotexist"), 403,
                      "paid_plan_required", spec::kPaidPlanRequired));

  // Upgraded (CLI `user set-plan`), the same key works at once.
  CommandResult upgraded =
      service().Cli({"user", "set-plan", "--email", free.email, "--plan", "plus"});
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.Describe();
  ApiResponse list = free.api.Get("/certificates");
  ASSERT_TRUE(HasStatus(list, 200));
  EXPECT_EQ(list.json["limits"].value("max_certificates", -1), 5) << list.body;
}

TEST_F(LimitsE2e, ListShowsEachPlansLimits) {
  struct Case {
    std::string_view desc;
    std::string plan;
    int max_certificates;
    bool wildcard_enabled;
    bool auto_renew_enabled;
  };
  const Case cases[] = {
      {"Plus: 5, no wildcard, no auto-renewal", "plus", 5, false, false},
      {"Pro: 25, auto-renewal", "pro", 25, false, true},
      {"Elite: 100, wildcard and auto-renewal", "elite", 100, true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    TestUser user = NewUser(c.plan);
    ApiResponse list = user.api.Get("/certificates");
    ASSERT_TRUE(HasStatus(list, 200));
    EXPECT_EQ(list.json["certificates"], json::array());
    EXPECT_EQ(list.json["limits"], (json{{"max_certificates", c.max_certificates},
                                         {"current_count", 0},
                                         {"wildcard_enabled", c.wildcard_enabled},
                                         {"auto_renew_enabled", c.auto_renew_enabled}}));
    EXPECT_EQ(list.json.size(), 2u) << list.body;
  }
}

TEST_F(LimitsE2e, PlusGetsFiveCertificatesAndTheSixthAfterADelete) {
  TestUser plus = NewUser("plus");
  TestZone zone = ImportZone(plus, /*verified=*/true);
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) {
    ApiResponse created = RequestCertificate(
        plus.api, {{"zone_id", zone.id}, {"domain", "h" + std::to_string(i) + "." + zone.name}});
    ASSERT_TRUE(HasStatus(created, 202));
    ids.push_back(created.json.value("id", ""));
    EXPECT_EQ(CurrentCount(plus.api), i);
  }

  ApiResponse sixth =
      RequestCertificate(plus.api, {{"zone_id", zone.id}, {"domain", "h6." + zone.name}});
  EXPECT_TRUE(IsError(sixth, 403, "certificate_limit_reached", spec::kLimitReached));
  EXPECT_EQ(CurrentCount(plus.api), 5);
  EXPECT_EQ(ListedIds(plus.api).size(), 5u);

  // The limit counts what exists: one deleted, one more may be requested.
  ApiResponse deleted = plus.api.Delete("/certificates/" + ids[0]);
  ASSERT_TRUE(HasStatus(deleted, 200));
  EXPECT_EQ(CurrentCount(plus.api), 4);
  ApiResponse again =
      RequestCertificate(plus.api, {{"zone_id", zone.id}, {"domain", "h6." + zone.name}});
  EXPECT_TRUE(HasStatus(again, 202));
  EXPECT_EQ(again.json.value("status", ""), "pending") << again.body;
  EXPECT_EQ(CurrentCount(plus.api), 5);
  EXPECT_TRUE(IsError(
      RequestCertificate(plus.api, {{"zone_id", zone.id}, {"domain", "h7." + zone.name}}), 403,
      "certificate_limit_reached", spec::kLimitReached));

  // Every accepted request ends issued (they all went through the real CA).
  ids.erase(ids.begin());
  ids.push_back(again.json.value("id", ""));
  for (const std::string& id : ids) {
    ApiResponse settled = WaitSettled(plus.api, id);
    EXPECT_EQ(settled.json.value("status", ""), "issued")
        << settled.Describe() << "\n" << LogsText(plus.api, id);
  }
}

TEST_F(LimitsE2e, WildcardNeedsElite) {
  for (const std::string plan : {"plus", "pro"}) {
    SCOPED_TRACE(plan);
    TestUser user = NewUser(plan);
    TestZone zone = ImportZone(user, /*verified=*/true);
    EXPECT_TRUE(IsError(RequestCertificate(user.api, {{"zone_id", zone.id},
                                                      {"domain", zone.name},
                                                      {"wildcard", true}}),
                        403, "wildcard_requires_elite", spec::kWildcardRequiresElite));
    EXPECT_TRUE(IsError(
        RequestCertificate(user.api, {{"zone_id", zone.id}, {"domain", "*." + zone.name}}), 403,
        "wildcard_requires_elite", spec::kWildcardRequiresElite));
    // "A domain starting with *. is a wildcard request whatever the flag says."
    EXPECT_TRUE(IsError(RequestCertificate(user.api, {{"zone_id", zone.id},
                                                      {"domain", "*." + zone.name},
                                                      {"wildcard", false}}),
                        403, "wildcard_requires_elite", spec::kWildcardRequiresElite));
    EXPECT_TRUE(IsError(RequestCertificate(user.api, {{"zone_id", zone.id},
                                                      {"domain", "app." + zone.name},
                                                      {"sans", {"*." + zone.name}}}),
                        403, "wildcard_requires_elite", spec::kWildcardRequiresElite));
    EXPECT_EQ(CurrentCount(user.api), 0);
  }
}

TEST_F(LimitsE2e, EliteGetsAWildcardShownAsStarDomain) {
  TestUser elite = NewUser("elite");
  TestZone zone = ImportZone(elite, /*verified=*/true);
  // The wildcard and the apex share _acme-challenge.<zone>: both TXT values must be served.
  ApiResponse created = RequestCertificate(
      elite.api,
      {{"zone_id", zone.id}, {"domain", zone.name}, {"wildcard", true}, {"sans", {zone.name}}});
  ASSERT_TRUE(HasStatus(created, 202));
  const std::string id = created.json.value("id", "");
  EXPECT_EQ(created.json.value("domain", ""), "*." + zone.name);
  EXPECT_EQ(created.json["sans"], json::array({zone.name}));
  EXPECT_EQ(created.json.value("is_wildcard", false), true);
  ApiResponse settled = WaitSettled(elite.api, id);
  ASSERT_EQ(settled.json.value("status", ""), "issued")
      << settled.Describe() << "\n" << LogsText(elite.api, id);
  ApiResponse download = elite.api.Get("/certificates/" + id + "/download");
  ASSERT_TRUE(HasStatus(download, 200));
  EXPECT_EQ(SanDnsNames(download.json.value("certificate_pem", "")),
            (std::vector<std::string>{"*." + zone.name, zone.name}));
}

TEST_F(LimitsE2e, AutoRenewNeedsProOrElite) {
  TestUser plus = NewUser("plus");
  TestZone zone = ImportZone(plus, /*verified=*/true);
  EXPECT_TRUE(IsError(RequestCertificate(plus.api, {{"zone_id", zone.id},
                                                    {"domain", "app." + zone.name},
                                                    {"auto_renew", true}}),
                      403, "auto_renew_requires_pro", spec::kAutoRenewRequiresPro));
  EXPECT_EQ(CurrentCount(plus.api), 0);

  ApiResponse created =
      RequestCertificate(plus.api, {{"zone_id", zone.id}, {"domain", "app." + zone.name}});
  ASSERT_TRUE(HasStatus(created, 202));
  const std::string id = created.json.value("id", "");
  EXPECT_EQ(created.json.value("auto_renew", true), false);
  EXPECT_TRUE(IsError(plus.api.Put("/certificates/" + id + "/auto-renew", {{"enabled", true}}),
                      403, "auto_renew_requires_pro", spec::kAutoRenewRequiresPro));
  ApiResponse after = plus.api.Get("/certificates/" + id);
  ASSERT_TRUE(HasStatus(after, 200));
  EXPECT_EQ(after.json.value("auto_renew", true), false);
  // Turning it off is not a Pro feature.
  EXPECT_TRUE(
      HasStatus(plus.api.Put("/certificates/" + id + "/auto-renew", {{"enabled", false}}), 200));

  TestUser pro = NewUser("pro");
  TestZone pro_zone = ImportZone(pro, /*verified=*/true);
  ApiResponse pro_created = RequestCertificate(
      pro.api, {{"zone_id", pro_zone.id}, {"domain", "app." + pro_zone.name}, {"auto_renew", true}});
  ASSERT_TRUE(HasStatus(pro_created, 202));
  EXPECT_EQ(pro_created.json.value("auto_renew", false), true);
}

TEST_F(LimitsE2e, SameDomainTwiceIsAConflict) {
  TestUser pro = NewUser("pro");
  TestZone zone = ImportZone(pro, /*verified=*/true);
  const std::string domain = "app." + zone.name;
  ASSERT_TRUE(HasStatus(RequestCertificate(pro.api, {{"zone_id", zone.id}, {"domain", domain}}),
                        202));
  EXPECT_TRUE(IsError(RequestCertificate(pro.api, {{"zone_id", zone.id}, {"domain", domain}}),
                      409, "certificate_exists", spec::kCertificateExists));
  // The same name as typed differently (case, trailing dot) is the same domain.
  EXPECT_TRUE(IsError(RequestCertificate(pro.api, {{"zone_id", zone.id},
                                                   {"domain", "APP." + zone.name + "."}}),
                      409, "certificate_exists", spec::kCertificateExists));
  EXPECT_EQ(CurrentCount(pro.api), 1);

  // Deleted, the domain may have a certificate again.
  std::vector<std::string> ids = ListedIds(pro.api);
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_TRUE(HasStatus(pro.api.Delete("/certificates/" + ids[0]), 200));
  EXPECT_TRUE(HasStatus(RequestCertificate(pro.api, {{"zone_id", zone.id}, {"domain", domain}}),
                        202));
  EXPECT_EQ(CurrentCount(pro.api), 1);
}

// Requests racing each other: the plan's limit and the one-active-certificate rule hold.
TEST_F(LimitsE2e, ConcurrentRequestsStayWithinTheRules) {
  TestUser plus = NewUser("plus");
  TestZone zone = ImportZone(plus, /*verified=*/true);
  auto race = [&](int n, auto domain_of) {
    std::vector<ApiResponse> answers(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        answers[i] = RequestCertificate(plus.api, {{"zone_id", zone.id}, {"domain", domain_of(i)}});
      });
    }
    for (auto& t : threads) t.join();
    return answers;
  };

  // Eight requests for one domain: one certificate.
  int accepted = 0;
  for (const ApiResponse& r : race(8, [&](int) { return "same." + zone.name; })) {
    if (r.status == 202) {
      ++accepted;
    } else {
      EXPECT_TRUE(IsError(r, 409, "certificate_exists", spec::kCertificateExists));
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(CurrentCount(plus.api), 1);

  // Twelve requests for different domains with four left: four certificates.
  accepted = 0;
  for (const ApiResponse& r :
       race(12, [&](int i) { return "r" + std::to_string(i) + "." + zone.name; })) {
    if (r.status == 202) {
      ++accepted;
    } else {
      EXPECT_TRUE(IsError(r, 403, "certificate_limit_reached", spec::kLimitReached));
    }
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(CurrentCount(plus.api), 5);
  EXPECT_EQ(ListedIds(plus.api).size(), 5u);
}

TEST_F(LimitsE2e, DomainOrSanOutsideTheZoneIsRefused) {
  TestUser pro = NewUser("pro");
  TestZone zone = ImportZone(pro, /*verified=*/true);
  struct Case {
    std::string_view desc;
    json body;
  };
  const Case cases[] = {
      {"another domain", {{"zone_id", zone.id}, {"domain", "app." + Unique("other") + ".test"}}},
      {"a name that merely ends like the zone",
       {{"zone_id", zone.id}, {"domain", "bad" + zone.name}}},
      {"a parent of the zone", {{"zone_id", zone.id}, {"domain", "certadns-e2e.test"}}},
      {"a SAN outside the zone",
       {{"zone_id", zone.id}, {"domain", "app." + zone.name}, {"sans", {"www.example.com"}}}},
      {"a SAN that merely ends like the zone",
       {{"zone_id", zone.id},
        {"domain", "app." + zone.name},
        {"sans", {"www." + zone.name, "www.bad" + zone.name}}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    EXPECT_TRUE(IsError(RequestCertificate(pro.api, c.body), 400, "domain_not_under_zone",
                        spec::kDomainNotUnderZone));
  }
  EXPECT_EQ(CurrentCount(pro.api), 0);
}

TEST_F(LimitsE2e, ZoneNotOwnedUnknownOrUnverifiedIsNotFound) {
  TestUser owner = NewUser("pro");
  TestZone owners_zone = ImportZone(owner, /*verified=*/true);
  TestUser other = NewUser("elite");
  TestZone unverified = ImportZone(other, /*verified=*/false);
  struct Case {
    std::string_view desc;
    std::string zone_id;
    std::string domain;
  };
  const Case cases[] = {
      {"another tenant's zone", owners_zone.id, "app." + owners_zone.name},
      {"an unknown zone id", "zone_doesnotexist0000", "app." + owners_zone.name},
      {"an unverified zone", unverified.id, "app." + unverified.name},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    EXPECT_TRUE(IsError(RequestCertificate(other.api, {{"zone_id", c.zone_id}, {"domain", c.domain}}),
                        404, "zone_not_found", spec::kZoneNotFound));
  }
  EXPECT_EQ(CurrentCount(other.api), 0);
  EXPECT_EQ(CurrentCount(owner.api), 0);
}

}  // namespace
}  // namespace certadns::test
