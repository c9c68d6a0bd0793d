#include "acme/types.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace certadns::acme {
namespace {

constexpr std::string_view kErrorPrefix = "urn:ietf:params:acme:error:";

std::string StringOr(const nlohmann::json& json, const char* key, std::string fallback = "") {
  auto it = json.find(key);
  if (it == json.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

}  // namespace

std::string Problem::ShortType() const {
  if (type.rfind(kErrorPrefix, 0) == 0) return type.substr(kErrorPrefix.size());
  return type;
}

std::string Problem::Describe() const {
  std::string out = ShortType().empty() ? "problem" : ShortType();
  if (!detail.empty()) out += ": " + detail;
  if (status != 0) out += " (status " + std::to_string(status) + ")";
  for (const Sub& sub : subproblems) {
    out += "; ";
    if (!sub.identifier.empty()) out += sub.identifier + ": ";
    std::string short_type = sub.type.rfind(kErrorPrefix, 0) == 0
                                 ? sub.type.substr(kErrorPrefix.size())
                                 : sub.type;
    out += short_type;
    if (!sub.detail.empty()) out += ": " + sub.detail;
  }
  return out;
}

const Challenge* Authorization::FindChallenge(std::string_view wanted) const {
  for (const Challenge& c : challenges) {
    if (c.type == wanted) return &c;
  }
  return nullptr;
}

core::Result<Problem> ParseProblem(const nlohmann::json& json) {
  if (!json.is_object()) return core::InvalidArgument("problem document is not an object");
  Problem p;
  p.type = StringOr(json, "type");
  p.detail = StringOr(json, "detail");
  if (auto it = json.find("status"); it != json.end() && it->is_number_integer()) {
    p.status = it->get<long>();
  }
  if (auto it = json.find("subproblems"); it != json.end() && it->is_array()) {
    for (const auto& sub : *it) {
      if (!sub.is_object()) continue;
      Problem::Sub s{StringOr(sub, "type"), StringOr(sub, "detail"), ""};
      if (auto id = sub.find("identifier"); id != sub.end() && id->is_object()) {
        s.identifier = StringOr(*id, "value");
      }
      p.subproblems.push_back(std::move(s));
    }
  }
  return p;
}

core::Result<Challenge> ParseChallenge(const nlohmann::json& json) {
  if (!json.is_object()) return core::InvalidArgument("challenge is not an object");
  Challenge c;
  c.type = StringOr(json, "type");
  c.url = StringOr(json, "url");
  c.token = StringOr(json, "token");
  c.status = StringOr(json, "status");
  if (auto it = json.find("error"); it != json.end()) {
    ASSIGN_OR_RETURN(c.error, ParseProblem(*it));
  }
  if (c.type.empty() || c.url.empty() || c.status.empty()) {
    return core::InvalidArgument("challenge lacks type, url or status");
  }
  return c;
}

core::Result<Authorization> ParseAuthorization(const nlohmann::json& json) {
  if (!json.is_object()) return core::InvalidArgument("authorization is not an object");
  Authorization a;
  a.status = StringOr(json, "status");
  if (auto it = json.find("identifier"); it != json.end() && it->is_object()) {
    a.identifier = StringOr(*it, "value");
  }
  if (auto it = json.find("wildcard"); it != json.end() && it->is_boolean()) {
    a.wildcard = it->get<bool>();
  }
  if (auto it = json.find("challenges"); it != json.end() && it->is_array()) {
    for (const auto& c : *it) {
      auto parsed = ParseChallenge(c);
      if (parsed.ok()) a.challenges.push_back(std::move(parsed).value());
    }
  }
  if (a.status.empty() || a.identifier.empty()) {
    return core::InvalidArgument("authorization lacks status or identifier");
  }
  return a;
}

core::Result<Order> ParseOrder(const nlohmann::json& json) {
  if (!json.is_object()) return core::InvalidArgument("order is not an object");
  Order o;
  o.status = StringOr(json, "status");
  o.finalize = StringOr(json, "finalize");
  o.certificate = StringOr(json, "certificate");
  if (auto it = json.find("authorizations"); it != json.end() && it->is_array()) {
    for (const auto& url : *it) {
      if (url.is_string()) o.authorizations.push_back(url.get<std::string>());
    }
  }
  if (auto it = json.find("error"); it != json.end()) {
    ASSIGN_OR_RETURN(o.error, ParseProblem(*it));
  }
  if (o.status.empty() || o.finalize.empty()) {
    return core::InvalidArgument("order lacks status or finalize");
  }
  return o;
}

core::Result<Directory> ParseDirectory(const nlohmann::json& json) {
  if (!json.is_object()) return core::InvalidArgument("ACME directory is not a JSON object");
  Directory d{StringOr(json, "newNonce"), StringOr(json, "newAccount"),
              StringOr(json, "newOrder"), StringOr(json, "revokeCert"),
              StringOr(json, "renewalInfo")};
  if (d.new_nonce.empty() || d.new_account.empty() || d.new_order.empty()) {
    return core::InvalidArgument("ACME directory lacks newNonce, newAccount or newOrder");
  }
  if (auto meta = json.find("meta"); meta != json.end() && meta->is_object()) {
    if (auto ids = meta->find("caaIdentities"); ids != meta->end() && ids->is_array()) {
      for (const auto& id : *ids) {
        if (id.is_string() && !id.get<std::string>().empty()) {
          d.caa_identities.push_back(id.get<std::string>());
        }
      }
    }
  }
  return d;
}

core::Result<RenewalInfo> ParseRenewalInfo(const nlohmann::json& json) {
  if (!json.is_object()) return core::InvalidArgument("ACME renewalInfo is not a JSON object");
  auto window = json.find("suggestedWindow");
  if (window == json.end() || !window->is_object()) {
    return core::InvalidArgument("ACME renewalInfo has no suggestedWindow");
  }
  auto start = core::ParseRfc3339(StringOr(*window, "start"));
  auto end = core::ParseRfc3339(StringOr(*window, "end"));
  if (!start || !end) {
    return core::InvalidArgument("ACME renewalInfo's suggestedWindow lacks a valid start or end");
  }
  // RFC 9773 §4.2: a window whose end is not after its start is invalid.
  if (*end <= *start) {
    return core::InvalidArgument("ACME renewalInfo's window ends before it starts");
  }
  RenewalInfo info{*start, *end, "", 0};
  std::string url = StringOr(json, "explanationURL");
  // Shown to users: only a bounded https URL of printable ASCII is kept, anything else dropped.
  bool printable =
      std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (url.rfind("https://", 0) == 0 && url.size() <= 2048 && printable) info.explanation_url = url;
  return info;
}

core::Error ProblemToError(const Problem& problem, std::optional<long> retry_after_s) {
  const std::string type = problem.ShortType();
  core::ErrorCode code = core::ErrorCode::kFailedPrecondition;
  if (type == "rateLimited") {
    code = core::ErrorCode::kResourceExhausted;
  } else if (type == "unauthorized") {
    code = core::ErrorCode::kPermissionDenied;
  } else if (type == "malformed" || type == "rejectedIdentifier" || type == "badCSR" ||
             type == "unsupportedIdentifier" || type == "invalidContact") {
    code = core::ErrorCode::kInvalidArgument;
  } else if (type == "serverInternal" || problem.status >= 500) {
    code = core::ErrorCode::kUnavailable;
  }
  // The CA's words are untrusted text: bounded and valid UTF-8 before anyone keeps them.
  core::Error error(code, core::SafeText(problem.Describe()));
  error.WithRetryAfter(retry_after_s);
  error.WithAcmeProblem(problem.type);  // callers tell problems apart by type, not text
  return error;
}

}  // namespace certadns::acme
