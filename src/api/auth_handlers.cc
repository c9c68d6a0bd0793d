// /auth/login, /auth/logout and /me.
#include "api/auth.h"
#include "api/dto.h"
#include "api/routes.h"
#include "core/errors.h"
#include "crypto/api_key.h"
#include "crypto/encoding.h"
#include "crypto/password.h"

namespace certadns::api {

core::Result<Reply> HandleLoginPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(auto email, OptionalString(body, "email"));
  ASSIGN_OR_RETURN(auto password, OptionalString(body, "password"));
  if (!email || !password) return core::errors::InvalidRequest("email and password are required");
  std::string normalized = *email;
  for (char& ch : normalized) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto user = s.store.GetUserByEmail(normalized);
  // Verify even for an unknown email, so the answer's timing does not tell which it was.
  static const std::string kDummyHash = crypto::HashPassword("not-a-real-password").value();
  bool ok = crypto::VerifyPassword(
      user.ok() && !user->password_hash.empty() ? user->password_hash : kDummyHash, *password);
  if (!user.ok() || user->password_hash.empty() || !ok) {
    return core::Error(core::ErrorCode::kUnauthenticated, "Invalid email or password");
  }
  std::string token = crypto::Base64UrlEncode(crypto::RandomBytes(32));
  store::Session session{crypto::HashToken(token), user->id,
                         crypto::Base64UrlEncode(crypto::RandomBytes(24)), s.clock.Now(),
                         s.clock.Now() + s.options.session_ttl};
  RETURN_IF_ERROR(s.store.CreateSession(session));
  nlohmann::json json = UserJson(*user);
  json["csrf_token"] = session.csrf_token;
  return Reply{200, json, {{"Set-Cookie", SessionCookie(token, s.options)}}};
}

core::Result<Reply> HandleLogoutPost(Services& s, const Call& call) {
  if (call.principal->via_session) {
    RETURN_IF_ERROR(s.store.DeleteSession(call.principal->session_token_hash));
  }
  return Reply{200, {{"logged_out", true}}, {{"Set-Cookie", ExpiredSessionCookie(s.options)}}};
}

core::Result<Reply> HandleMeGet(Services& s, const Call& call) {
  nlohmann::json json = UserJson(call.user());
  auto plan = core::ParsePlan(call.user().plan).value_or(core::Plan::kFree);
  ASSIGN_OR_RETURN(int count, s.store.CountCertificates(call.user().id));
  json["limits"] = LimitsJson(core::LimitsOf(plan), count);
  if (call.principal->via_session) json["csrf_token"] = call.principal->csrf_token;
  return Reply{200, json};
}

}  // namespace certadns::api
