// Plans and what each allows: the spec's section 11 table, in one place. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace certadns::core {

enum class Plan { kFree, kPlus, kPro, kElite };

/// "free", "plus", "pro", "elite" (as on the command line and in JSON).
std::string_view ToString(Plan plan);
/// Case-insensitive; nullopt for anything else.
std::optional<Plan> ParsePlan(std::string_view text);

struct PlanLimits {
  int max_certificates;  // Free 0, Plus 5, Pro 25, Elite 100
  bool wildcard;         // Elite
  bool auto_renew;       // Pro, Elite
  bool manual_renewal;   // Plus, Pro, Elite
  bool api_access;       // Plus, Pro, Elite
};

PlanLimits LimitsOf(Plan plan);

}  // namespace certadns::core
