// The errors a user can cause, with the spec's exact words (section 10) and their API codes.
// Each sets a stable snake_case reason (the API's "code"); tell errors apart by it. Handlers
// return these; nothing else spells a user-facing message. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace certadns::core::errors {

/// 403 "Certificate management requires paid subscription" (code paid_plan_required).
Error PaidPlanRequired();
/// 403 "Certificate limit reached for plan" (certificate_limit_reached).
Error CertificateLimitReached();
/// 403 "Wildcard certificates require Elite plan" (wildcard_requires_elite).
Error WildcardRequiresElite();
/// 403 "Auto-renewal requires Pro or Elite plan" (auto_renew_requires_pro).
Error AutoRenewRequiresPro();
/// 409 "Certificate already exists for domain" (certificate_exists).
Error CertificateExists();
/// 400 "Domain not under zone" (domain_not_under_zone).
Error DomainNotUnderZone();
/// 404 "Zone not found or no permission" (zone_not_found).
Error ZoneNotFound();
/// 404 "Certificate not found" (certificate_not_found).
Error CertificateNotFound();
/// 400 with `detail` saying what is wrong with the request (invalid_request).
Error InvalidRequest(std::string detail);
/// 400: more names than a certificate may hold, `given` counting the domain (too_many_names).
Error TooManyNames(size_t max, size_t given);
/// 400: a name in `field` is longer than any valid name can be (name_too_long).
Error NameTooLong(std::string_view field);
/// 400: `name` is already covered by `wildcard` in the same request, which Let's Encrypt
/// refuses (name_covered_by_wildcard).
Error NameCoveredByWildcard(const std::string& name, const std::string& wildcard);

// Accounts and zones (the dashboard's API, beyond the spec's section 10).
/// 403 "API keys require a paid plan (Plus, Pro or Elite)" (paid_plan_required).
Error ApiKeysRequirePaidPlan();
/// 409: the account has `max` active API keys already (api_key_limit_reached).
Error ApiKeyLimitReached(int max);
/// 404 "API key not found" (api_key_not_found): unknown, or another account's.
Error ApiKeyNotFound();
/// 403 "Current password is incorrect" (wrong_password).
Error WrongPassword();
/// 400: the new password is shorter than `min` or longer than `max` characters
/// (invalid_request).
Error NewPasswordTooShort(size_t min);
Error NewPasswordTooLong(size_t max);
/// 403: only a dashboard session may change the password, not an API key (session_required).
Error PasswordChangeNeedsSession();
/// 409 "Zone has certificates; delete them first" (zone_has_certificates).
Error ZoneHasCertificates();

// Notifications (beyond the spec).
/// 404 "Webhook not found" (webhook_not_found): unknown, or another account's.
Error WebhookNotFound();
/// 409: the account has `max` webhooks already (webhook_limit_reached).
Error WebhookLimitReached(int max);
/// 400: the webhook's url or events are refused, `detail` says why (invalid_webhook).
Error InvalidWebhook(std::string detail);
/// 503 "Notifications are not available on this database backend" (notifications_unavailable).
Error NotificationsUnavailable();

// Throttling (beyond the spec): 429/503 answers carry Retry-After from retry_after_s().
/// 429 "Too many failed login attempts; try again later" (too_many_login_attempts).
Error TooManyLoginAttempts(long retry_after_s);
/// 429 "Too many requests; slow down" (too_many_requests).
Error TooManyRequests(long retry_after_s);
/// 503 "Too many logins in progress; try again shortly" (login_busy).
Error LoginBusy(long retry_after_s);
/// 400 "Login requires Content-Type: application/json" (json_required).
Error LoginRequiresJson();

/// 503 "The certificate authority is unavailable, try again later" (ca_unavailable): what a
/// client hears when the CA failed; the CA's own words go to the log.
Error CertificateAuthorityUnavailable();
/// 503 "The service's storage is full or cannot be written, try again later"
/// (storage_unwritable): the database could not write (disk full, a file-size limit, an I/O
/// error on write). `message` (SQLite's words) is for the log only; nothing was written.
Error StorageUnwritable(std::string message);
/// 409: the CA refused to revoke (revocation_refused); its words are in the certificate's log.
Error RevocationRefused();

/// The API code for an error that carries no reason, from its ErrorCode ("invalid_request",
/// "not_found", "conflict", "unavailable", ...).
std::string_view GenericReason(ErrorCode code);
/// The stable sentence a client gets for a 5xx: never the error's own message, which may
/// hold an upstream's raw text.
std::string_view ServerErrorDetail(const Error& error);

/// An answer the HTTP server writes itself, before (or instead of) any handler: its status,
/// API code and detail. The server sends them as {"detail", "code"}.
struct HttpProblem {
  int status;
  const char* code;
  const char* detail;
};
inline constexpr HttpProblem kMalformedRequest{400, "bad_request", "Malformed HTTP request"};
inline constexpr HttpProblem kNoSuchEndpoint{404, "not_found", "No such endpoint"};
inline constexpr HttpProblem kMethodNotAllowed{405, "method_not_allowed",
                                               "Method not allowed for this endpoint"};
inline constexpr HttpProblem kRequestTimeout{408, "request_timeout",
                                             "Request not received in time"};
inline constexpr HttpProblem kBodyTooLarge{413, "payload_too_large",
                                           "Request body too large (limit 1 MiB)"};
inline constexpr HttpProblem kHeadersTooLarge{431, "headers_too_large",
                                              "Request headers too large (limit 16 KiB)"};
inline constexpr HttpProblem kInternalError{500, "internal", "Internal error"};
inline constexpr HttpProblem kServerBusy{503, "unavailable",
                                         "Server busy, try again shortly"};


}  // namespace certadns::core::errors
