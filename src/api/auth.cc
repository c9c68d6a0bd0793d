#include "api/auth.h"

#include "api/throttle.h"
#include "core/errors.h"
#include "crypto/api_key.h"

namespace certadns::api {
namespace {

// The value of cookie `name` in a Cookie header ("a=1; b=2").
std::optional<std::string> CookieValue(const std::string& header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view part(header.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

core::Error Unauthenticated(std::string message) {
  return {core::ErrorCode::kUnauthenticated, std::move(message)};
}

}  // namespace

core::Result<Principal> Authenticate(Services& s, const std::string& authorization,
                                     const std::string& cookie_header) {
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.rfind(kBearer, 0) != 0) {
      return Unauthenticated("Authorization must be \"Bearer <API key>\"");
    }
    auto owner =
        s.accounts.FindApiKeyOwner(crypto::HashToken(authorization.substr(kBearer.size())));
    if (!owner.ok()) return Unauthenticated("Invalid API key");
    // A write at most once a minute per key: other calls stay reads. Best effort: a failed
    // write costs the key's "last used" time, never the request.
    const core::TimePoint now = s.clock.Now();
    if (!owner->key.last_used_at || *owner->key.last_used_at <= now - store::kApiKeyUseResolution) {
      (void)s.accounts.TouchApiKey(owner->key.id, now);
    }
    return Principal{std::move(owner->user), false, "", "", owner->key.id};
  }
  if (auto token = CookieValue(cookie_header, kSessionCookie)) {
    std::string hash = crypto::HashToken(*token);
    auto session = s.accounts.FindSession(hash, s.clock.Now());
    if (!session.ok()) return Unauthenticated("Session expired; log in again");
    auto user = s.accounts.GetUser(session->user_id);
    if (!user.ok()) return Unauthenticated("Session expired; log in again");
    return Principal{*user, true, hash, session->csrf_token};
  }
  return Unauthenticated("Authentication required");
}

core::Status Authorize(const Principal& principal, const std::string& method,
                       const std::string& path, const std::string& csrf_header) {
  if (!principal.via_session) {
    auto plan = core::ParsePlan(principal.user.plan).value_or(core::Plan::kFree);
    if (!core::LimitsOf(plan).api_access && !(method == "GET" && path == "/me")) {
      return core::errors::PaidPlanRequired();
    }
    return core::Ok();
  }
  bool changes_state = method != "GET" && method != "HEAD";
  if (changes_state && (csrf_header.empty() ||
                        !crypto::ConstantTimeEquals(csrf_header, principal.csrf_token))) {
    return core::PermissionDenied("Missing or invalid CSRF token");
  }
  return core::Ok();
}

core::Status Admit(Services& s, const Call& call) {
  if (s.throttle == nullptr) return core::Ok();
  auto wait = call.principal ? s.throttle->users().Take(call.principal->user.id)
                             : s.throttle->anonymous().Take(ClientKey(call.client_address));
  if (wait) return core::errors::TooManyRequests(RetryAfterSeconds(*wait));
  return core::Ok();
}

std::string SessionCookie(const std::string& token, const ApiOptions& options) {
  return std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(options.session_ttl.count()) + (options.secure_cookies ? "; Secure" : "");
}

std::string ExpiredSessionCookie(const ApiOptions& options) {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
         (options.secure_cookies ? "; Secure" : "");
}

}  // namespace certadns::api
