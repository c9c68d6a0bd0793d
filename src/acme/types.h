// RFC 8555 wire objects as the service uses them: orders, authorizations, challenges and
// problem documents, with their JSON codecs. Thread-compatible value types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace certadns::acme {

/// RFC 8555 §6.7 problem document, with subproblems (§6.7.1).
struct Problem {
  struct Sub {
    std::string type;
    std::string detail;
    std::string identifier;  // the identifier's value, e.g. "app.example.com"
  };
  std::string type;    // full URN, e.g. "urn:ietf:params:acme:error:rateLimited"
  std::string detail;
  long status = 0;
  std::vector<Sub> subproblems;

  /// The type without the "urn:ietf:params:acme:error:" prefix ("rateLimited").
  std::string ShortType() const;
  /// One readable line: "rateLimited: too many certificates (status 429); app.example.com:
  /// dns: NXDOMAIN looking up TXT ...".
  std::string Describe() const;
};

/// RFC 8555 §7.1.5 challenge object.
struct Challenge {
  std::string type;    // "dns-01"
  std::string url;
  std::string token;
  std::string status;  // pending, processing, valid, invalid
  std::optional<Problem> error;
};

/// RFC 8555 §7.1.4 authorization object.
struct Authorization {
  std::string url;
  std::string status;      // pending, valid, invalid, deactivated, expired, revoked
  std::string identifier;  // the DNS name, without "*." (see `wildcard`)
  bool wildcard = false;
  std::vector<Challenge> challenges;
  std::optional<long> retry_after_s;

  /// The challenge of `type`, if the server offered it.
  const Challenge* FindChallenge(std::string_view type) const;
};

/// RFC 8555 §7.1.3 order object.
struct Order {
  std::string url;
  std::string status;  // pending, ready, processing, valid, invalid
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;
  std::optional<Problem> error;
  std::optional<long> retry_after_s;
};

/// The CA's directory (RFC 8555 section 7.1.1): the URLs the client needs.
struct Directory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string revoke_cert;  // "" when the CA offers none
  std::string renewal_info;  // RFC 9773 ARI base URL; "" when the CA offers none
  std::vector<std::string> caa_identities;  // meta.caaIdentities (RFC 8555 §7.1.1); may be empty
};

/// RFC 9773 §4.2: the CA's suggested renewal window for one certificate.
struct RenewalInfo {
  core::TimePoint window_start;
  core::TimePoint window_end;     // after window_start
  std::string explanation_url;    // "" when none (an https URL, bounded)
  /// When to ask again: the response's Retry-After clamped to [kMinAriRetryAfterSeconds,
  /// kMaxAriRetryAfterSeconds] (RFC 9773 §4.3: clients should poll at least daily), or
  /// kDefaultAriRetryAfterSeconds without one (§4.3.3: six hours after a long-term error).
  long retry_after_s = 0;
};
inline constexpr long kMinAriRetryAfterSeconds = 60 * 60;
inline constexpr long kMaxAriRetryAfterSeconds = 24 * 60 * 60;
inline constexpr long kDefaultAriRetryAfterSeconds = 6 * 60 * 60;
/// Bodies longer than this from the renewalInfo resource are refused (a hostile CA).
inline constexpr size_t kMaxRenewalInfoBytes = 16 * 1024;

/// The longest Retry-After (seconds) this client passes on, whatever the server sends: a
/// day. The engine caps its own waits further (EngineConfig::max_retry_delay).
inline constexpr long kMaxRetryAfterSeconds = 24 * 60 * 60;

core::Result<Problem> ParseProblem(const nlohmann::json& json);
core::Result<Challenge> ParseChallenge(const nlohmann::json& json);
core::Result<Authorization> ParseAuthorization(const nlohmann::json& json);
core::Result<Order> ParseOrder(const nlohmann::json& json);
/// kInvalidArgument when `json` is not an object or lacks newNonce, newAccount or newOrder
/// (a field of another type counts as missing).
core::Result<Directory> ParseDirectory(const nlohmann::json& json);
/// RFC 9773 §4.2 renewalInfo: `suggestedWindow` with RFC 3339 `start` before `end`, and an
/// optional https `explanationURL`; kInvalidArgument otherwise. retry_after_s is left 0.
core::Result<RenewalInfo> ParseRenewalInfo(const nlohmann::json& json);

/// The Error a problem document stands for: rateLimited -> kResourceExhausted (with the
/// response's Retry-After), unauthorized -> kPermissionDenied, malformed / rejectedIdentifier
/// / caa / dns -> kInvalidArgument or kFailedPrecondition, serverInternal and 5xx ->
/// kUnavailable. The message is Problem::Describe().
core::Error ProblemToError(const Problem& problem, std::optional<long> retry_after_s);

}  // namespace certadns::acme
