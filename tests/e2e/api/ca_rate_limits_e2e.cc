// Let's Encrypt's limits at POST /certificates, against the real binary and the devstack with
// acme.rate_limits = "letsencrypt" (Pebble enforces none, so these are the service's own):
// the sixth certificate for the same names within 7 days is refused with 429, Retry-After, the
// limit's code and when it frees up, and nothing is created.
#include <gtest/gtest.h>

#include <string>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

class CaRateLimitsE2e : public ApiE2eTest {
 public:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith({{"acme", {{"rate_limits", Toml("letsencrypt")}}}});
  }
};

TEST_F(CaRateLimitsE2e, TheSixthDuplicateCertificateIsRefusedWithNothingCreated) {
  TestUser pro = NewUser("pro");
  TestZone zone = ImportZone(pro, /*verified=*/true);
  const std::string domain = "app." + zone.name;
  const nlohmann::json body = {{"zone_id", zone.id}, {"domain", domain}};
  for (int i = 0; i < 5; ++i) {
    ApiResponse created = RequestCertificate(pro.api, body);
    ASSERT_TRUE(HasStatus(created, 202)) << i;
    const std::string id = created.json.value("id", "");
    ApiResponse settled = WaitSettled(pro.api, id);
    ASSERT_EQ(settled.json.value("status", ""), "issued") << LogsText(pro.api, id);
    // The user starts over: the certificate goes, Let's Encrypt's count stays.
    ApiResponse deleted = pro.api.Delete("/certificates/" + id);
    ASSERT_TRUE(deleted.status == 200 || deleted.status == 204) << deleted.Describe();
  }

  ApiResponse refused = RequestCertificate(pro.api, body);
  ASSERT_EQ(refused.status, 429) << refused.Describe();
  EXPECT_EQ(refused.json.value("code", ""), "rate_limit_duplicate");
  const std::string detail = refused.json.value("detail", "");
  const std::string words = "Let's Encrypt allows 5 certificates for the same set of names (" +
                            domain + ") per 7 days; the next one is possible at ";
  EXPECT_EQ(detail.substr(0, words.size()), words) << detail;
  EXPECT_EQ(detail.size(), words.size() + std::string("2026-12-09T10:00:00Z").size()) << detail;
  auto retry_after = refused.Header("Retry-After");
  ASSERT_TRUE(retry_after.has_value());
  const long seconds = std::stol(*retry_after);
  // The first of the five was issued moments ago: its slot frees up in just under 7 days.
  EXPECT_GT(seconds, 7 * 24 * 3600 - 600);
  EXPECT_LE(seconds, 7 * 24 * 3600);

  EXPECT_EQ(CurrentCount(pro.api), 0) << "nothing created";
  EXPECT_TRUE(ListedIds(pro.api).empty());
  // Other names in the same zone are fine (5 certificates are far from the registered
  // domain's 50).
  ApiResponse other = RequestCertificate(pro.api, {{"zone_id", zone.id}, {"domain", "www." + zone.name}});
  EXPECT_TRUE(HasStatus(other, 202));
}

}  // namespace
}  // namespace certadns::test
