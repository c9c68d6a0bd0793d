// RateLimiter: Let's Encrypt's issuance limits, known before asking the CA. Each order the
// service is about to place is admitted (and recorded in the store's RateLimitLedger, in the
// same serialised step, so two requests never both take the last slot) or refused with the
// limit's code, the user's words for it and when it frees up. Sliding windows: a slot frees
// up when the event that holds it leaves the window. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/rate_limit_ledger.h"

namespace certadns::issuance {

/// The limits (Let's Encrypt's, https://letsencrypt.org/docs/rate-limits/).
struct RateLimitPolicy {
  int certificates_per_domain = 50;  // per registered domain, across all accounts
  core::Duration domain_window{std::chrono::hours(24 * 7)};
  int duplicates = 5;  // certificates with the same set of names
  core::Duration duplicate_window{std::chrono::hours(24 * 7)};
  int new_orders = 300;  // per ACME account
  core::Duration order_window{std::chrono::hours(3)};
  int failed_validations = 5;  // per hostname
  core::Duration failure_window{std::chrono::hours(1)};
};

/// The API codes (Error::reason()) of a refusal, one per limit.
inline constexpr std::string_view kRegisteredDomainLimit = "rate_limit_registered_domain";
inline constexpr std::string_view kDuplicateLimit = "rate_limit_duplicate";
inline constexpr std::string_view kNewOrdersLimit = "rate_limit_new_orders";
inline constexpr std::string_view kFailedValidationsLimit = "rate_limit_failed_validations";

/// An order the service is about to place with the CA.
struct PlannedOrder {
  std::string id;  // the job that places it
  std::string certificate_id;
  std::vector<std::string> names;  // normalised; "*." kept
  /// A renewal of an issued certificate (the same names): exempt from the certificates per
  /// registered domain limit, as Let's Encrypt exempts renewals, though counted in it.
  bool renewal = false;
  /// A renewal inside the window the CA suggested (ARI, RFC 9773): exempt from every limit,
  /// and still counted.
  bool inside_ari_window = false;
};

class RateLimiter {
 public:
  /// `acme_account` names the account whose new-order budget orders spend (the directory
  /// URL: the service has one account per CA).
  RateLimiter(store::RateLimitLedger& ledger, const core::Clock& clock, std::string acme_account,
              RateLimitPolicy policy = {});

  /// Records `order` when every limit allows it; otherwise records nothing and returns
  /// kResourceExhausted with the limit's code as reason, a message saying which limit and
  /// when it frees up (RFC 3339, UTC), and retry_after_s the seconds until then. Where
  /// several limits refuse, the one that frees up last is named. Store errors pass through.
  core::Status Admit(const PlannedOrder& order);
  /// Admit for a renewal of `certificate` by job `job_id` (a renewal in Let's Encrypt's sense
  /// once it was issued: then exempt from the registered domain limit). `inside_ari_window`:
  /// whether now is inside the renewal window the CA suggested for it (ARI), which exempts it.
  core::Status AdmitRenewal(const core::Certificate& certificate, const std::string& job_id,
                            bool inside_ari_window);
  /// `order_id` was never placed (its request failed after Admit): it counts for nothing.
  void Forget(const std::string& order_id);
  /// `order_id` issued no certificate: it counts as an order only.
  void Release(const std::string& order_id);
  /// The job `order_id` places another order (after a failed validation).
  void RecordReorder(const std::string& order_id, const std::string& certificate_id,
                     int reorder);
  /// The CA found validation of `hostname` (without "*.") invalid; `authorization_url`
  /// makes a repeat count once.
  void RecordFailedValidation(const std::string& authorization_url, const std::string& hostname);

  const RateLimitPolicy& policy() const { return policy_; }

 private:
  void PruneNow(core::TimePoint now);

  store::RateLimitLedger& ledger_;
  const core::Clock& clock_;
  const std::string acme_account_;
  const RateLimitPolicy policy_;
  std::mutex prune_mutex_;
  std::optional<core::TimePoint> last_prune_;  // guarded by prune_mutex_
};

/// The sorted, distinct names joined by ",": what Let's Encrypt compares for duplicates.
std::string NameSet(std::vector<std::string> names);

}  // namespace certadns::issuance
