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

/// The API's snake_case code for an error made by the functions above, or a generic one
/// derived from its ErrorCode for any other error.
std::string ApiCode(const Error& error);
/// The HTTP status for an error (one mapping for the whole API).
int HttpStatus(const Error& error);

}  // namespace certadns::core::errors
