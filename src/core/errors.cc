#include "core/errors.h"

#include <utility>

namespace certadns::core::errors {
namespace {

// One row per error the spec names (section 10), so the code, reason and message of each
// are written exactly once.
struct Known {
  ErrorCode code;
  std::string_view reason;
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
constexpr Known kCaUnavailable{ErrorCode::kUnavailable, "ca_unavailable",
                               "The certificate authority is unavailable, try again later"};
constexpr Known kStorageUnwritable{
    ErrorCode::kUnavailable, "storage_unwritable",
    "The service's storage is full or cannot be written, try again later"};
constexpr Known kRevocationRefused{
    ErrorCode::kFailedPrecondition, "revocation_refused",
    "The certificate authority refused to revoke the certificate; see the certificate's logs"};

constexpr Known kTooManyLoginAttempts{ErrorCode::kResourceExhausted, "too_many_login_attempts",
                                      "Too many failed login attempts; try again later"};
constexpr Known kTooManyRequests{ErrorCode::kResourceExhausted, "too_many_requests",
                                 "Too many requests; slow down"};
constexpr Known kLoginBusy{ErrorCode::kUnavailable, "login_busy",
                           "Too many logins in progress; try again shortly"};
constexpr Known kLoginRequiresJson{ErrorCode::kInvalidArgument, "json_required",
                                   "Login requires Content-Type: application/json"};
constexpr Known kApiKeysRequirePaidPlan{ErrorCode::kPermissionDenied, "paid_plan_required",
                                        "API keys require a paid plan (Plus, Pro or Elite)"};
constexpr Known kApiKeyNotFound{ErrorCode::kNotFound, "api_key_not_found", "API key not found"};
constexpr Known kWrongPassword{ErrorCode::kPermissionDenied, "wrong_password",
                               "Current password is incorrect"};
constexpr Known kPasswordChangeNeedsSession{
    ErrorCode::kPermissionDenied, "session_required",
    "Changing the password needs a dashboard session (log in); an API key cannot change it"};
constexpr Known kZoneHasCertificates{ErrorCode::kFailedPrecondition, "zone_has_certificates",
                                     "Zone has certificates; delete them first"};

Error Make(const Known& known) {
  return Error(known.code, std::string(known.reason), std::string(known.message));
}

// Validation problems share the API code "invalid_request"; the detail names the problem.
Error Invalid(std::string detail) {
  return Error(ErrorCode::kInvalidArgument, "invalid_request", std::move(detail));
}

}  // namespace

Error PaidPlanRequired() { return Make(kPaidPlanRequired); }
Error CertificateLimitReached() { return Make(kCertificateLimitReached); }
Error WildcardRequiresElite() { return Make(kWildcardRequiresElite); }
Error AutoRenewRequiresPro() { return Make(kAutoRenewRequiresPro); }
Error CertificateExists() { return Make(kCertificateExists); }
Error DomainNotUnderZone() { return Make(kDomainNotUnderZone); }
Error ZoneNotFound() { return Make(kZoneNotFound); }
Error CertificateNotFound() { return Make(kCertificateNotFound); }
Error CertificateAuthorityUnavailable() { return Make(kCaUnavailable); }
Error RevocationRefused() { return Make(kRevocationRefused); }
Error StorageUnwritable(std::string message) {
  return Error(kStorageUnwritable.code, std::string(kStorageUnwritable.reason),
               std::move(message));
}
Error InvalidRequest(std::string detail) { return Invalid(std::move(detail)); }
Error TooManyLoginAttempts(long retry_after_s) {
  return Make(kTooManyLoginAttempts).WithRetryAfter(retry_after_s);
}
Error TooManyRequests(long retry_after_s) {
  return Make(kTooManyRequests).WithRetryAfter(retry_after_s);
}
Error LoginBusy(long retry_after_s) { return Make(kLoginBusy).WithRetryAfter(retry_after_s); }
Error LoginRequiresJson() { return Make(kLoginRequiresJson); }
Error ApiKeysRequirePaidPlan() { return Make(kApiKeysRequirePaidPlan); }
Error ApiKeyLimitReached(int max) {
  return Error(
      ErrorCode::kFailedPrecondition, "api_key_limit_reached",
      "An account can have at most " + std::to_string(max) + " active API keys; revoke one first");
}
Error ApiKeyNotFound() { return Make(kApiKeyNotFound); }
Error WebhookNotFound() {
  return Error(ErrorCode::kNotFound, "webhook_not_found", "Webhook not found");
}
Error WebhookLimitReached(int max) {
  return Error(ErrorCode::kFailedPrecondition, "webhook_limit_reached",
               "An account can have at most " + std::to_string(max) +
                   " webhooks; delete one first");
}
Error InvalidWebhook(std::string detail) {
  return Error(ErrorCode::kInvalidArgument, "invalid_webhook", std::move(detail));
}
Error NotificationsUnavailable() {
  return Error(ErrorCode::kUnavailable, "notifications_unavailable",
               "Notifications are not available on this database backend");
}
Error WrongPassword() { return Make(kWrongPassword); }
Error NewPasswordTooShort(size_t min) {
  return Invalid("New password must be at least " + std::to_string(min) + " characters");
}
Error NewPasswordTooLong(size_t max) {
  return Invalid("New password must be at most " + std::to_string(max) + " characters");
}
Error PasswordChangeNeedsSession() { return Make(kPasswordChangeNeedsSession); }
Error ZoneHasCertificates() { return Make(kZoneHasCertificates); }
Error TooManyNames(size_t max, size_t given) {
  return Invalid("A certificate can hold at most " + std::to_string(max) + " names (" +
                 std::to_string(given) + " given)");
}
Error NameTooLong(std::string_view field) {
  return Invalid(std::string(field) +
                 " holds a name longer than any domain name can be (253 characters)");
}
Error NameCoveredByWildcard(const std::string& name, const std::string& wildcard) {
  return Invalid(name + " is already covered by " + wildcard +
                 " in this request; Let's Encrypt refuses orders that list both. Remove " +
                 name + ".");
}

std::string_view GenericReason(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_request";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return "conflict";
    case ErrorCode::kPermissionDenied:
      return "forbidden";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kResourceExhausted:
      return "rate_limited";
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

std::string_view ServerErrorDetail(const Error& error) {
  if (error.reason() == kCaUnavailable.reason) return kCaUnavailable.message;
  if (error.reason() == kStorageUnwritable.reason) return kStorageUnwritable.message;
  switch (error.code()) {
    case ErrorCode::kUnavailable:
      return "The service is temporarily unavailable, try again later";
    case ErrorCode::kDeadlineExceeded:
      return "The request took too long, try again later";
    default:
      return "Internal error";
  }
}

}  // namespace certadns::core::errors
