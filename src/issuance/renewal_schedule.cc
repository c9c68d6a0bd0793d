#include "issuance/renewal_schedule.h"

#include <algorithm>

#include "acme/types.h"

namespace certadns::issuance {
namespace {

core::Duration Scaled(core::Duration d, double factor) {
  return core::Duration(static_cast<int64_t>(static_cast<double>(d.count()) * factor));
}

}  // namespace

core::TimePoint RenewalRetryTime(core::TimePoint due, core::TimePoint now,
                                 const RenewalRetryPolicy& policy, double jitter) {
  auto overdue = std::chrono::duration_cast<core::Duration>(now - due);
  core::Duration base = std::clamp(overdue, policy.first, std::max(policy.first, policy.max));
  return now + base + Scaled(base, std::clamp(jitter, 0.0, 1.0) / 3);
}

core::Duration RenewalStartDelay(core::TimePoint now, core::TimePoint expires_at,
                                 core::Duration spread, double jitter) {
  auto left = std::chrono::duration_cast<core::Duration>(expires_at - now);
  const core::Duration zero(0);
  core::Duration window = std::clamp(left / 4, zero, std::max(spread, zero));
  return Scaled(window, std::clamp(jitter, 0.0, 1.0));
}

core::TimePoint PickInWindow(core::TimePoint start, core::TimePoint end, core::TimePoint now,
                             double jitter) {
  const core::TimePoint from = std::max(start, now);
  if (end <= from) return now;
  auto width = std::chrono::duration_cast<core::Duration>(end - from);
  return from + Scaled(width, std::clamp(jitter, 0.0, 1.0));
}

core::TimePoint AriCheckTime(core::TimePoint now, long retry_after_s) {
  return now + std::chrono::seconds(std::clamp(retry_after_s, acme::kMinAriRetryAfterSeconds,
                                               acme::kMaxAriRetryAfterSeconds));
}

core::TimePoint AriCheckRetryTime(core::TimePoint now, int failures,
                                  std::optional<long> retry_after_s, double jitter) {
  constexpr core::Duration kFirst = std::chrono::hours(1);
  constexpr core::Duration kMax = std::chrono::hours(6);
  constexpr long kLongestRetryAfter = 24 * 60 * 60;
  core::Duration base = kFirst;
  for (int i = 1; i < failures && base < kMax; ++i) base *= 2;
  base = std::min(base, kMax);
  if (retry_after_s && *retry_after_s > 0) {
    base = std::max<core::Duration>(base,
                                    std::chrono::seconds(std::min(*retry_after_s,
                                                                  kLongestRetryAfter)));
  }
  return now + base + Scaled(base, std::clamp(jitter, 0.0, 1.0) / 3);
}

}  // namespace certadns::issuance
