// The errors a user can cause, with the spec's exact words (section 10) and their API codes.
// Handlers return these; nothing else spells a user-facing message. Pure functions.
#pragma once

#include <string>

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

// Throttling (beyond the spec): 429/503 answers carry Retry-After from retry_after_s().
/// 429 "Too many failed login attempts; try again later" (too_many_login_attempts).
Error TooManyLoginAttempts(long retry_after_s);
/// 429 "Too many requests; slow down" (too_many_requests).
Error TooManyRequests(long retry_after_s);
/// 503 "Too many logins in progress; try again shortly" (login_busy).
Error LoginBusy(long retry_after_s);
/// 400 "Login requires Content-Type: application/json" (json_required).
Error LoginRequiresJson();

/// The API's snake_case code for an error made by the functions above, or a generic one
/// derived from its ErrorCode for any other error.
std::string ApiCode(const Error& error);
/// The HTTP status for an error (one mapping for the whole API).
int HttpStatus(const Error& error);

}  // namespace certadns::core::errors
