// Who is calling: an API key (Authorization: Bearer) or the dashboard's session cookie,
// and the checks that depend on it (API access by plan, CSRF on state changes, request
// rate per caller).
// Private to src/api/.
#pragma once

#include <optional>
#include <string>

#include "api/call.h"
#include "api/services.h"

namespace certadns::api {

inline constexpr std::string_view kSessionCookie = "certadns_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

/// kUnauthenticated ("Authentication required" / "Invalid API key" / "Session expired")
/// when neither credential identifies a user.
core::Result<Principal> Authenticate(Services& s, const std::string& authorization,
                                     const std::string& cookie_header);
/// kPermissionDenied when a Free plan uses an API key (the spec: no API access on Free)
/// for anything but GET /me, or a cookie-authenticated state change lacks the CSRF token.
core::Status Authorize(const Principal& principal, const std::string& method,
                       const std::string& path, const std::string& csrf_header);

/// Takes a request token for the caller: per user once authenticated, else per client
/// address. kResourceExhausted (429, with retry_after) when the caller's bucket is empty.
core::Status Admit(Services& s, const Call& call);

std::string SessionCookie(const std::string& token, const ApiOptions& options);
std::string ExpiredSessionCookie(const ApiOptions& options);

}  // namespace certadns::api
