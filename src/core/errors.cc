#include "core/errors.h"

#include <array>
#include <string_view>
#include <utility>

namespace certadns::core::errors {
namespace {

// One row per error the spec names (section 10), so the message, code and API code of each
// are written exactly once.
struct Known {
  ErrorCode code;
  std::string_view api_code;
  std::string_view message;
};

constexpr Known kPaidPlanRequired{ErrorCode::kPermissionDenied, "paid_plan_required",
                                  "Certificate management requires paid subscription"};
constexpr Known kCertificateLimitReached{ErrorCode::kPermissionDenied, "certificate_limit_reached",
                                         "Certificate limit reached for plan"};
constexpr Known kWildcardRequiresElite{ErrorCode::kPermissionDenied, "wildcard_requires_elite",
                                       "Wildcard certificates require Elite plan"};
constexpr Known kAutoRenewRequiresPro{ErrorCode::kPermissionDenied, "auto_renew_requires_pro",
                                      "Auto-renewal requires Pro or Elite plan"};
constexpr Known kCertificateExists{ErrorCode::kAlreadyExists, "certificate_exists",
                                   "Certificate already exists for domain"};
constexpr Known kDomainNotUnderZone{ErrorCode::kInvalidArgument, "domain_not_under_zone",
                                    "Domain not under zone"};
constexpr Known kZoneNotFound{ErrorCode::kNotFound, "zone_not_found",
                              "Zone not found or no permission"};
constexpr Known kCertificateNotFound{ErrorCode::kNotFound, "certificate_not_found",
                                     "Certificate not found"};

constexpr Known kTooManyLoginAttempts{ErrorCode::kResourceExhausted, "too_many_login_attempts",
                                      "Too many failed login attempts; try again later"};
constexpr Known kTooManyRequests{ErrorCode::kResourceExhausted, "too_many_requests",
                                 "Too many requests; slow down"};
constexpr Known kLoginBusy{ErrorCode::kUnavailable, "login_busy",
                           "Too many logins in progress; try again shortly"};
constexpr Known kLoginRequiresJson{ErrorCode::kInvalidArgument, "json_required",
                                   "Login requires Content-Type: application/json"};

constexpr std::array kKnown = {
    kPaidPlanRequired,  kCertificateLimitReached, kWildcardRequiresElite, kAutoRenewRequiresPro,
    kCertificateExists, kDomainNotUnderZone,      kZoneNotFound,          kCertificateNotFound,
    kTooManyLoginAttempts, kTooManyRequests,      kLoginBusy,             kLoginRequiresJson};

Error Make(const Known& known) { return Error(known.code, std::string(known.message)); }

}  // namespace

Error PaidPlanRequired() { return Make(kPaidPlanRequired); }
Error CertificateLimitReached() { return Make(kCertificateLimitReached); }
Error WildcardRequiresElite() { return Make(kWildcardRequiresElite); }
Error AutoRenewRequiresPro() { return Make(kAutoRenewRequiresPro); }
Error CertificateExists() { return Make(kCertificateExists); }
Error DomainNotUnderZone() { return Make(kDomainNotUnderZone); }
Error ZoneNotFound() { return Make(kZoneNotFound); }
Error CertificateNotFound() { return Make(kCertificateNotFound); }
Error InvalidRequest(std::string detail) { return InvalidArgument(std::move(detail)); }
Error TooManyLoginAttempts(long retry_after_s) {
  return Make(kTooManyLoginAttempts).WithRetryAfter(retry_after_s);
}
Error TooManyRequests(long retry_after_s) {
  return Make(kTooManyRequests).WithRetryAfter(retry_after_s);
}
Error LoginBusy(long retry_after_s) { return Make(kLoginBusy).WithRetryAfter(retry_after_s); }
Error LoginRequiresJson() { return Make(kLoginRequiresJson); }

std::string ApiCode(const Error& error) {
  for (const Known& known : kKnown) {
    if (error.code() == known.code && error.message() == known.message) {
      return std::string(known.api_code);
    }
  }
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return "invalid_request";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "conflict";
    case ErrorCode::kPermissionDenied:
      return "forbidden";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kFailedPrecondition:
      return "conflict";
    case ErrorCode::kResourceExhausted:
      return "rate_limited";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

int HttpStatus(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;  // plan limits and plan features
    case ErrorCode::kNotFound:
      return 404;  // also another tenant's thing
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace certadns::core::errors
