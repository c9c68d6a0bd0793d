#include "core/plan.h"

#include <gtest/gtest.h>

namespace certadns::core {
namespace {

TEST(PlanLimitsTest, MatchesTheSpecTable) {
  struct Case {
    std::string_view desc;
    Plan plan;
    int max_certificates;
    bool wildcard;
    bool auto_renew;
    bool manual_renewal;
    bool api_access;
  };
  // The spec's section 11 table, one row per plan.
  const Case cases[] = {
      {"free", Plan::kFree, 0, false, false, false, false},
      {"plus", Plan::kPlus, 5, false, false, true, true},
      {"pro", Plan::kPro, 25, false, true, true, true},
      {"elite", Plan::kElite, 100, true, true, true, true},
  };
  for (const Case& c : cases) {
    PlanLimits got = LimitsOf(c.plan);
    EXPECT_EQ(got.max_certificates, c.max_certificates) << c.desc;
    EXPECT_EQ(got.wildcard, c.wildcard) << c.desc;
    EXPECT_EQ(got.auto_renew, c.auto_renew) << c.desc;
    EXPECT_EQ(got.manual_renewal, c.manual_renewal) << c.desc;
    EXPECT_EQ(got.api_access, c.api_access) << c.desc;
  }
}

TEST(PlanTest, PrintsAndParsesCaseInsensitively) {
  struct Case {
    std::string_view desc;
    std::string_view text;
    std::optional<Plan> want;
  };
  const Case cases[] = {
      {"free", "free", Plan::kFree},
      {"plus", "plus", Plan::kPlus},
      {"pro", "pro", Plan::kPro},
      {"elite", "elite", Plan::kElite},
      {"upper case", "ELITE", Plan::kElite},
      {"mixed case", "Pro", Plan::kPro},
      {"unknown", "enterprise", std::nullopt},
      {"empty", "", std::nullopt},
      {"surrounding space", " pro", std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParsePlan(c.text), c.want) << c.desc;
  }
  for (Plan plan : {Plan::kFree, Plan::kPlus, Plan::kPro, Plan::kElite}) {
    EXPECT_EQ(ParsePlan(ToString(plan)), plan) << ToString(plan);
  }
}

}  // namespace
}  // namespace certadns::core
