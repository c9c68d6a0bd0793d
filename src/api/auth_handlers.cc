// /auth/login (JSON only, throttled: lockout per account and address, bounded concurrent
// password checks), /auth/logout, /me and PUT /me/password (checked as a login is).
#include "api/audit.h"
#include "api/auth.h"
#include "api/dto.h"
#include "api/routes.h"
#include "api/throttle.h"
#include "core/errors.h"
#include "crypto/api_key.h"
#include "crypto/encoding.h"
#include "crypto/password.h"

namespace certadns::api {

namespace {

// The media type of a Content-Type header ("application/json; charset=utf-8" ->
// "application/json"), lower-cased.
std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  auto begin = type.find_first_not_of(" \t");
  auto end = type.find_last_not_of(" \t");
  type = begin == std::string::npos ? "" : type.substr(begin, end - begin + 1);
  for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return type;
}

// One password check as the login throttle sees it: begun before the check, finished on
// every way out (as not checked unless told otherwise).
class LoginAttempt {
 public:
  LoginAttempt(Throttle* throttle, const std::string& account, const std::string& address)
      : throttle_(throttle), account_(account), address_(address) {}
  LoginAttempt(const LoginAttempt&) = delete;
  LoginAttempt& operator=(const LoginAttempt&) = delete;
  ~LoginAttempt() { Finish(LoginThrottle::Outcome::kNotChecked); }

  /// nullopt when the check may run; else how long the caller must wait.
  std::optional<core::Duration> Begin() {
    if (throttle_ == nullptr) return std::nullopt;
    auto wait = throttle_->login().Begin(account_, address_);
    begun_ = !wait;
    return wait;
  }
  void Finish(LoginThrottle::Outcome outcome) {
    if (!begun_) return;
    begun_ = false;
    throttle_->login().Finish(account_, address_, outcome);
  }

 private:
  Throttle* throttle_;
  const std::string& account_;
  const std::string& address_;
  bool begun_ = false;
};

// A password check as a login runs it: refused at once while the account or the address is
// locked out, run in one of the bounded Argon2id slots (64 MiB each), and counted toward the
// lockout. The slot is handed back, for more Argon2id work (hashing a new password) in it.
struct PasswordCheck {
  bool matched = false;
  std::optional<PasswordCheckSlots::Slot> slot;
};

core::Result<PasswordCheck> CheckPassword(Services& s, const std::string& account,
                                          const std::string& address, const std::string& hash,
                                          const std::string& password) {
  LoginAttempt attempt(s.throttle, account, address);
  if (auto wait = attempt.Begin()) {
    return core::errors::TooManyLoginAttempts(RetryAfterSeconds(*wait));
  }
  PasswordCheck check;
  if (s.throttle != nullptr) {
    check.slot = s.throttle->password_checks().Acquire(s.throttle->options().password_check_wait);
    if (!check.slot) return core::errors::LoginBusy(1);
  }
  // An account without a password (or none at all) is checked against a dummy hash, so the
  // answer's timing does not tell which it was.
  static const std::string kDummyHash = crypto::HashPassword("not-a-real-password").value();
  check.matched =
      crypto::VerifyPassword(hash.empty() ? kDummyHash : hash, password) && !hash.empty();
  attempt.Finish(check.matched ? LoginThrottle::Outcome::kSucceeded
                               : LoginThrottle::Outcome::kFailed);
  return check;
}

// Characters (UTF-8 code points) in `text`.
size_t CharacterCount(const std::string& text) {
  size_t count = 0;
  for (char ch : text) count += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

constexpr size_t kMinNewPassword = 10;
constexpr size_t kMaxNewPassword = 256;

}  // namespace

core::Result<Reply> HandleLoginPost(Services& s, const Call& call) {
  // A cross-site HTML form can send only form or text types: refusing them keeps another
  // site from logging a victim's browser into an account of the attacker's choosing.
  if (MediaType(call.content_type) != "application/json") {
    return core::errors::LoginRequiresJson();
  }
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(auto email, OptionalString(body, "email"));
  ASSIGN_OR_RETURN(auto password, OptionalString(body, "password"));
  if (!email || !password) return core::errors::InvalidRequest("email and password are required");
  std::string normalized = *email;
  for (char& ch : normalized) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto user = s.accounts.GetUserByEmail(normalized);
  // Checked even for an unknown email, so the answer's timing does not tell which it was.
  ASSIGN_OR_RETURN(PasswordCheck check,
                   CheckPassword(s, normalized, ClientKey(call.client_address),
                                 user.ok() ? user->password_hash : "", *password));
  check.slot.reset();
  if (!user.ok() || !check.matched) {
    return core::Error(core::ErrorCode::kUnauthenticated, "Invalid email or password");
  }
  std::string token = crypto::Base64UrlEncode(crypto::RandomBytes(32));
  store::Session session{crypto::HashToken(token), user->id,
                         crypto::Base64UrlEncode(crypto::RandomBytes(24)), s.clock.Now(),
                         s.clock.Now() + s.options.session_ttl};
  RETURN_IF_ERROR(s.accounts.CreateSession(session));
  Call who;  // the new session's caller, for its audit entry (never the body: the password)
  who.client_address = call.client_address;
  who.principal = Principal{*user, true, session.token_hash, session.csrf_token};
  RecordAudit(s, who, audit::kLoggedIn, user->id, user->email);
  nlohmann::json json = UserJson(*user);
  json["csrf_token"] = session.csrf_token;
  return Reply{200, json, {{"Set-Cookie", SessionCookie(token, s.options)}}};
}

core::Result<Reply> HandleLogoutPost(Services& s, const Call& call) {
  if (call.principal->via_session) {
    RETURN_IF_ERROR(s.accounts.DeleteSession(call.principal->session_token_hash));
  }
  return Reply{200, {{"logged_out", true}}, {{"Set-Cookie", ExpiredSessionCookie(s.options)}}};
}

core::Result<Reply> HandleMeGet(Services& s, const Call& call) {
  nlohmann::json json = UserJson(call.user());
  auto plan = core::ParsePlan(call.user().plan).value_or(core::Plan::kFree);
  ASSIGN_OR_RETURN(int count, s.certificates.Count(call.user()));
  json["limits"] = LimitsJson(core::LimitsOf(plan), count);
  if (call.principal->via_session) json["csrf_token"] = call.principal->csrf_token;
  return Reply{200, json};
}

core::Result<Reply> HandleMePasswordPut(Services& s, const Call& call) {
  // An API key is a credential for machines: it must not be able to take the account over.
  if (!call.principal->via_session) return core::errors::PasswordChangeNeedsSession();
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(auto current, OptionalString(body, "current_password"));
  ASSIGN_OR_RETURN(auto next, OptionalString(body, "new_password"));
  if (!current || !next) {
    return core::errors::InvalidRequest("current_password and new_password are required");
  }
  // Length first: no Argon2id work for a request that cannot succeed.
  const size_t length = CharacterCount(*next);
  if (length < kMinNewPassword) return core::errors::NewPasswordTooShort(kMinNewPassword);
  if (length > kMaxNewPassword) return core::errors::NewPasswordTooLong(kMaxNewPassword);
  const store::User& user = call.user();
  ASSIGN_OR_RETURN(PasswordCheck check, CheckPassword(s, user.email, ClientKey(call.client_address),
                                                      user.password_hash, *current));
  if (!check.matched) return core::errors::WrongPassword();
  ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(*next));
  check.slot.reset();
  // The other sessions end (someone else may hold one); the caller's stays.
  RETURN_IF_ERROR(s.accounts.ChangePassword(user.id, hash, call.principal->session_token_hash));
  RecordAudit(s, call, audit::kPasswordChanged, user.id, user.email);
  return Reply{200, {{"password_changed", true}}};
}

}  // namespace certadns::api
