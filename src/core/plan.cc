#include "core/plan.h"

#include <cctype>

namespace certadns::core {

std::string_view ToString(Plan plan) {
  switch (plan) {
    case Plan::kFree:
      return "free";
    case Plan::kPlus:
      return "plus";
    case Plan::kPro:
      return "pro";
    case Plan::kElite:
      return "elite";
  }
  return "unknown";
}

std::optional<Plan> ParsePlan(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (Plan plan : {Plan::kFree, Plan::kPlus, Plan::kPro, Plan::kElite}) {
    if (lower == ToString(plan)) return plan;
  }
  return std::nullopt;
}

// The spec's section 11 table.
PlanLimits LimitsOf(Plan plan) {
  switch (plan) {
    case Plan::kFree:
      return {.max_certificates = 0,
              .wildcard = false,
              .auto_renew = false,
              .manual_renewal = false,
              .api_access = false};
    case Plan::kPlus:
      return {.max_certificates = 5,
              .wildcard = false,
              .auto_renew = false,
              .manual_renewal = true,
              .api_access = true};
    case Plan::kPro:
      return {.max_certificates = 25,
              .wildcard = false,
              .auto_renew = true,
              .manual_renewal = true,
              .api_access = true};
    case Plan::kElite:
      return {.max_certificates = 100,
              .wildcard = true,
              .auto_renew = true,
              .manual_renewal = true,
              .api_access = true};
  }
  // Unreachable for a valid enumerator; an invalid one gets nothing.
  return {.max_certificates = 0,
          .wildcard = false,
          .auto_renew = false,
          .manual_renewal = false,
          .api_access = false};
}

}  // namespace certadns::core
