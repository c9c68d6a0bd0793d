#include "acme/rfc8555_client.h"

#include <algorithm>
#include <ctime>

#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/jws.h"

namespace certadns::acme {
namespace {

constexpr int kMaxBadNonceRetries = 5;
constexpr std::string_view kJoseJson = "application/jose+json";

// RFC 8555 §6.6 / RFC 9110 §10.2.3: delay-seconds or an HTTP-date (measured from `now`, the
// injected clock's time), capped at kMaxRetryAfterSeconds whatever the server sends (a huge
// value must neither overflow a later conversion nor park a job for years).
std::optional<long> ParseRetryAfter(const http::Response& response, core::TimePoint now) {
  auto value = response.FindHeader("Retry-After");
  if (!value || value->empty()) return std::nullopt;
  if (value->find_first_not_of("0123456789") == std::string::npos) {
    // Digits only: anything longer than the cap's digits is past the cap.
    if (value->size() > 9) return kMaxRetryAfterSeconds;
    return std::min(std::stol(*value), kMaxRetryAfterSeconds);
  }
  std::tm tm{};
  const char* end = strptime(value->c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end != nullptr && *end == '\0') {
    std::time_t now_s = std::chrono::system_clock::to_time_t(now);
    long delta = static_cast<long>(timegm(&tm) - now_s);
    return std::clamp(delta, 0L, kMaxRetryAfterSeconds);
  }
  return std::nullopt;
}

// RFC 8555 §6.5.1: a nonce is base64url; anything else from the wire is not used.
bool IsNonce(const std::string& value) {
  if (value.empty() || value.size() > 256) return false;
  for (char c : value) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

nlohmann::json ParseJsonOrNull(const std::string& body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

// The CA's raw body is untrusted text: cut to 200 bytes on a character boundary and made
// valid UTF-8, so it can go into logs, the store and JSON.
std::string StatusLine(const http::Response& response) {
  std::string body = core::SafeText(response.body, 200);
  return "HTTP " + std::to_string(response.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

Rfc8555Client::Rfc8555Client(http::HttpClient& http, AcmeConfig config,
                             crypto::PrivateKey account_key, const core::Clock& clock)
    : http_(http),
      clock_(clock),
      config_(std::move(config)),
      account_key_(std::move(account_key)),
      thumbprint_(account_key_.JwkThumbprint()) {}

core::Result<Directory> Rfc8555Client::GetDirectory() {
  {
    std::lock_guard lock(mutex_);
    if (directory_) return *directory_;
  }
  http::Request request{.method = "GET", .url = config_.directory_url};
  ASSIGN_OR_RETURN(http::Response response, Send(core::metrics::AcmeEndpoint::kDirectory, request));
  if (response.status != 200) {
    core::Error error = core::Unavailable("ACME directory " + config_.directory_url +
                                          " answered " + StatusLine(response));
    // A 503 may say when to come back.
    error.WithRetryAfter(ParseRetryAfter(response, clock_.Now()));
    return error;
  }
  // A broken directory is the CA's fault, and may be mended: unavailable, not invalid.
  auto parsed = ParseDirectory(ParseJsonOrNull(response.body));
  if (!parsed.ok()) return core::Unavailable(parsed.error().message());
  const Directory d = *std::move(parsed);
  std::lock_guard lock(mutex_);
  directory_ = d;
  return d;
}

core::Result<std::vector<std::string>> Rfc8555Client::CaaIdentities() {
  ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  return directory.caa_identities;
}

core::Result<std::string> Rfc8555Client::FreshNonce(const Directory& directory) {
  if (auto cached = nonces_.Take()) return *std::move(cached);
  http::Request request{.method = "HEAD", .url = directory.new_nonce};
  ASSIGN_OR_RETURN(http::Response response, Send(core::metrics::AcmeEndpoint::kNewNonce, request));
  auto nonce = response.FindHeader("Replay-Nonce");
  if (!nonce || !IsNonce(*nonce)) {
    core::Error error = core::Unavailable("ACME newNonce gave no valid Replay-Nonce (" +
                                          StatusLine(response) + ")");
    // A 503 may say when to come back.
    error.WithRetryAfter(ParseRetryAfter(response, clock_.Now()));
    return error;
  }
  return *nonce;
}

core::Result<std::string> Rfc8555Client::Kid() {
  RETURN_IF_ERROR(EnsureAccount());
  std::lock_guard lock(mutex_);
  return account_url_;
}

core::Result<http::Response> Rfc8555Client::Send(core::metrics::AcmeEndpoint endpoint,
                                                 const http::Request& request) {
  core::metrics::Stopwatch stopwatch;
  core::Result<http::Response> response = http_.Send(request);
  core::metrics::Process().AcmeRequest(endpoint, response.ok() ? response->status : 0,
                                       stopwatch.Seconds());
  return response;
}

core::Result<Rfc8555Client::Reply> Rfc8555Client::Post(core::metrics::AcmeEndpoint endpoint,
                                                       const std::string& url,
                                                       const std::string& payload,
                                                       bool use_jwk, const std::string& accept) {
  ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  std::string kid;
  if (!use_jwk) {
    ASSIGN_OR_RETURN(kid, Kid());
  }
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(std::string nonce, FreshNonce(directory));
    nlohmann::json header = {{"nonce", nonce}, {"url", url}};
    if (use_jwk) {
      header["jwk"] = account_key_.PublicJwk();
    } else {
      header["kid"] = kid;
    }
    ASSIGN_OR_RETURN(nlohmann::json jws, crypto::SignJws(account_key_, header, payload));
    http::Request request{.method = "POST", .url = url};
    request.headers.push_back({"Content-Type", std::string(kJoseJson)});
    if (!accept.empty()) request.headers.push_back({"Accept", accept});
    request.body = jws.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ASSIGN_OR_RETURN(http::Response response, Send(endpoint, request));
    if (auto next = response.FindHeader("Replay-Nonce"); next && IsNonce(*next)) {
      nonces_.Put(*next);
    }

    Reply reply{std::move(response), nlohmann::json(), std::nullopt};
    reply.retry_after_s = ParseRetryAfter(reply.response, clock_.Now());
    reply.json = ParseJsonOrNull(reply.response.body);
    if (reply.response.status < 400) return reply;

    auto problem = ParseProblem(reply.json);
    if (!problem.ok()) {
      core::ErrorCode code = reply.response.status >= 500 ? core::ErrorCode::kUnavailable
                                                          : core::ErrorCode::kFailedPrecondition;
      core::Error error(code, "ACME " + url + " answered " + StatusLine(reply.response));
      error.WithRetryAfter(reply.retry_after_s);
      return error;
    }
    // RFC 8555 §6.5: a badNonce rejection carries a fresh nonce; retry with it.
    if (problem->ShortType() == "badNonce") {
      if (attempt < kMaxBadNonceRetries) continue;
      // Still refused: transient all the same, so the engine retries the step later.
      core::Error error(core::ErrorCode::kUnavailable, problem->Describe());
      error.WithRetryAfter(reply.retry_after_s);
      return error;
    }
    return ProblemToError(*problem, reply.retry_after_s);
  }
}

core::Status Rfc8555Client::EnsureAccount() {
  {
    std::lock_guard lock(mutex_);
    if (!account_url_.empty()) return core::Ok();
  }
  ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  // RFC 8555 §7.3: newAccount with an already registered key answers 200 and the same URL.
  nlohmann::json payload = {{"termsOfServiceAgreed", true}};
  if (!config_.contact_email.empty()) {
    payload["contact"] = nlohmann::json::array({"mailto:" + config_.contact_email});
  }
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kNewAccount, directory.new_account, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), /*use_jwk=*/true));
  auto location = reply.response.FindHeader("Location");
  if (!location || location->empty()) {
    return core::Unavailable("ACME newAccount answered without a Location header");
  }
  std::lock_guard lock(mutex_);
  account_url_ = *location;
  return core::Ok();
}

std::string Rfc8555Client::AccountUrl() {
  std::lock_guard lock(mutex_);
  return account_url_;
}

core::Result<std::string> Rfc8555Client::AccountThumbprint() { return thumbprint_; }

core::Result<Order> Rfc8555Client::NewOrder(const std::vector<std::string>& names) {
  return NewRenewalOrder(names, "");
}

core::Result<Order> Rfc8555Client::NewRenewalOrder(const std::vector<std::string>& names,
                                                   const std::string& replaces) {
  ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  nlohmann::json identifiers = nlohmann::json::array();
  for (const std::string& name : names) {
    identifiers.push_back({{"type", "dns"}, {"value", name}});
  }
  nlohmann::json payload = {{"identifiers", identifiers}};
  // RFC 9773 §5: only to a CA that offers ARI (others may reject the unknown field).
  if (!replaces.empty() && !directory.renewal_info.empty()) payload["replaces"] = replaces;
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kNewOrder, directory.new_order, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), false));
  ASSIGN_OR_RETURN(Order order, ParseOrder(reply.json));
  auto location = reply.response.FindHeader("Location");
  if (!location) return core::Unavailable("ACME newOrder answered without a Location header");
  order.url = *location;
  order.retry_after_s = reply.retry_after_s;
  return order;
}

core::Result<Order> Rfc8555Client::GetOrder(const std::string& url) {
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kOrder, url, "", false));
  ASSIGN_OR_RETURN(Order order, ParseOrder(reply.json));
  order.url = url;
  order.retry_after_s = reply.retry_after_s;
  return order;
}

core::Result<Authorization> Rfc8555Client::GetAuthorization(const std::string& url) {
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kAuthorization, url, "", false));
  ASSIGN_OR_RETURN(Authorization authz, ParseAuthorization(reply.json));
  authz.url = url;
  authz.retry_after_s = reply.retry_after_s;
  return authz;
}

core::Result<Challenge> Rfc8555Client::RespondToChallenge(const std::string& url) {
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kChallenge, url, "{}", false));
  return ParseChallenge(reply.json);
}

core::Result<Order> Rfc8555Client::Finalize(const std::string& order_url,
                                            const std::string& finalize_url,
                                            const std::string& csr_der) {
  nlohmann::json payload = {{"csr", crypto::Base64UrlEncode(csr_der)}};
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kFinalize, finalize_url, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), false));
  ASSIGN_OR_RETURN(Order order, ParseOrder(reply.json));
  order.url = order_url;
  order.retry_after_s = reply.retry_after_s;
  return order;
}

core::Result<std::string> Rfc8555Client::DownloadCertificate(const std::string& url) {
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kCertificate, url, "", false, "application/pem-certificate-chain"));
  if (reply.response.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return core::Unavailable("ACME certificate download returned no PEM certificate");
  }
  return std::move(reply.response.body);
}

core::Result<std::optional<RenewalInfo>> Rfc8555Client::GetRenewalInfo(
    const std::string& cert_id) {
  ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  if (directory.renewal_info.empty()) return std::optional<RenewalInfo>();
  // RFC 9773 §4.1: a plain GET of <renewalInfo>/<certID>; the id is base64url "." base64url.
  bool id_ok = !cert_id.empty() && cert_id.size() <= 512 &&
               cert_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789-_.") == std::string::npos;
  if (!id_ok) return core::InvalidArgument("ARI: malformed certificate identifier");
  std::string base = directory.renewal_info;
  if (base.back() != '/') base += '/';
  http::Request request{.method = "GET", .url = base + cert_id};
  ASSIGN_OR_RETURN(http::Response response, http_.Send(request));
  const std::optional<long> retry_after = ParseRetryAfter(response, clock_.Now());
  if (response.status != 200) {
    core::Error error = core::Unavailable("ACME renewalInfo answered " + StatusLine(response));
    error.WithRetryAfter(retry_after);
    return error;
  }
  if (response.body.size() > kMaxRenewalInfoBytes) {
    return core::Unavailable("ACME renewalInfo answered " + std::to_string(response.body.size()) +
                             " bytes, more than " + std::to_string(kMaxRenewalInfoBytes));
  }
  auto parsed = ParseRenewalInfo(ParseJsonOrNull(response.body));
  if (!parsed.ok()) return core::Unavailable(parsed.error().message());
  RenewalInfo info = *std::move(parsed);
  info.retry_after_s = std::clamp(retry_after.value_or(kDefaultAriRetryAfterSeconds),
                                  kMinAriRetryAfterSeconds, kMaxAriRetryAfterSeconds);
  return std::optional<RenewalInfo>(std::move(info));
}

core::Status Rfc8555Client::RevokeCertificate(const std::string& certificate_der, int reason) {
  ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  if (directory.revoke_cert.empty()) {
    return core::FailedPrecondition("ACME directory offers no revokeCert");
  }
  nlohmann::json payload = {{"certificate", crypto::Base64UrlEncode(certificate_der)},
                            {"reason", reason}};
  ASSIGN_OR_RETURN(Reply reply, Post(core::metrics::AcmeEndpoint::kRevoke, directory.revoke_cert, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), false));
  (void)reply;
  return core::Ok();
}

}  // namespace certadns::acme
