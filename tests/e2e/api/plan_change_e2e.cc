// Plan rules after a downgrade (issue 6, defect 6), over HTTP against the real binary: the
// spec's 403 for renewing a wildcard below Elite, and `certadns user set-plan` turning
// auto-renewal off with a line in the certificate's log, deleting and revoking nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using ::testing::HasSubstr;

class PlanChangeE2e : public ApiE2eTest {};

TEST_F(PlanChangeE2e, ADowngradeTurnsAutoRenewalOffAndRefusesAWildcardRenewal) {
  TestUser user = NewUser("elite");
  TestZone zone = ImportZone(user, /*verified=*/true);
  ApiResponse wildcard = RequestCertificate(
      user.api,
      {{"zone_id", zone.id}, {"domain", zone.name}, {"wildcard", true}, {"auto_renew", true}});
  ASSERT_TRUE(HasStatus(wildcard, 202));
  const std::string id = wildcard.json.value("id", "");
  ApiResponse settled = WaitSettled(user.api, id);
  ASSERT_EQ(settled.json.value("status", ""), "issued") << settled.Describe() << "\n"
                                                        << LogsText(user.api, id);

  CommandResult pro = service().Cli({"user", "set-plan", "--email", user.email, "--plan", "pro"});
  ASSERT_EQ(pro.exit_code, 0) << pro.Describe();
  EXPECT_TRUE(IsError(user.api.Post("/certificates/" + id + "/renew", nlohmann::json::object()),
                      403, "wildcard_requires_elite", spec::kWildcardRequiresElite));
  EXPECT_TRUE(IsError(user.api.Put("/certificates/" + id + "/auto-renew", {{"enabled", true}}), 403,
                      "wildcard_requires_elite", spec::kWildcardRequiresElite));
  ApiResponse after = user.api.Get("/certificates/" + id);
  ASSERT_TRUE(HasStatus(after, 200));
  EXPECT_EQ(after.json.value("auto_renew", true), false);
  EXPECT_EQ(after.json.value("status", ""), "issued") << "a downgrade revokes nothing";
  EXPECT_THAT(LogsText(user.api, id), HasSubstr("Auto-renewal turned off"));
  EXPECT_TRUE(HasStatus(user.api.Get("/certificates/" + id + "/download"), 200));
}

}  // namespace
}  // namespace certadns::test
