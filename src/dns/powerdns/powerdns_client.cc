// PowerDnsClient: URL building, X-API-Key, and mapping PowerDNS 4.7 answers to ErrorCodes.
#include "dns/powerdns/powerdns_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include "core/metrics.h"
#include "dns/powerdns/powerdns_json.h"

namespace certadns::dns::powerdns {
namespace {

constexpr std::chrono::milliseconds kRequestTimeout{10000};

// Zone ids go into the URL path unescaped, so only plain host names are accepted (PowerDNS
// would encode anything else, e.g. '/' as "=2F").
bool IsPlainName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

bool IsSuccess(long status) { return status >= 200 && status < 300; }

core::Error ApiError(std::string_view what, const http::Response& response) {
  const std::string text = json::DecodeErrorText(response.body);
  std::string message =
      "powerdns: " + std::string(what) + ": HTTP " + std::to_string(response.status) + ": " + text;
  const long status = response.status;
  if (status == 404 || (status == 422 && text.find("Could not find domain") != std::string::npos)) {
    return core::NotFound(std::move(message));
  }
  // 500 is what PowerDNS answers when its backend is busy (gsqlite3: "database is locked"),
  // so server errors are worth a retry.
  if (status >= 500) {
    return core::Unavailable(std::move(message));
  }
  return core::Internal(std::move(message));
}

}  // namespace

std::string CanonicalName(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  out += '.';
  return out;
}

PowerDnsClient::PowerDnsClient(http::HttpClient& http, PowerDnsConfig config)
    : http_(http), config_(std::move(config)) {
  while (!config_.api_url.empty() && config_.api_url.back() == '/') config_.api_url.pop_back();
}

std::string PowerDnsClient::ZonesUrl() const {
  return config_.api_url + "/api/v1/servers/" + PercentEncode(config_.server_id) + "/zones";
}

core::Result<std::string> PowerDnsClient::ZoneUrl(std::string_view zone) const {
  const std::string canonical = CanonicalName(zone);
  if (canonical == "." || !IsPlainName(canonical)) {
    return core::InvalidArgument("powerdns: unsupported zone name '" + std::string(zone) + "'");
  }
  return ZonesUrl() + "/" + canonical;
}

core::Result<http::Response> PowerDnsClient::Call(std::string method, std::string url,
                                                  std::string body, std::string_view what) {
  http::Request request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers.push_back({"X-API-Key", config_.api_key});
  request.headers.push_back({"Accept", "application/json"});
  if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  request.timeout = kRequestTimeout;
  core::Result<http::Response> response = http_.Send(request);
  core::metrics::Process().PowerDnsAnswer(response.ok() ? response->status : 0);
  if (!response.ok()) return response.error().Wrap("powerdns: " + std::string(what));
  return response;
}

core::Result<Rrset> PowerDnsClient::GetRrset(std::string_view zone, std::string_view name,
                                             std::string_view type) {
  ASSIGN_OR_RETURN(std::string url, ZoneUrl(zone));
  const std::string owner = CanonicalName(name);
  // 4.7 filters server-side with these; DecodeRrset filters again, so an older server that
  // ignores them and returns the whole zone still gives the right answer.
  url += "?rrset_name=" + PercentEncode(owner) + "&rrset_type=" + PercentEncode(type);
  const std::string what = "GET zone " + CanonicalName(zone);
  ASSIGN_OR_RETURN(http::Response response, Call("GET", std::move(url), "", what));
  if (response.status != 200) return ApiError(what, response);
  core::Result<Rrset> rrset = json::DecodeRrset(response.body, owner, type);
  if (!rrset.ok()) return rrset.error().Wrap(what);
  return rrset;
}

core::Status PowerDnsClient::PatchRrsets(std::string_view zone, std::string body,
                                         std::string_view what) {
  ASSIGN_OR_RETURN(std::string url, ZoneUrl(zone));
  std::unique_lock write(write_mutex_);
  ASSIGN_OR_RETURN(http::Response response, Call("PATCH", std::move(url), std::move(body), what));
  write.unlock();
  if (!IsSuccess(response.status)) return ApiError(what, response);
  return core::Ok();
}

core::Status PowerDnsClient::ReplaceRrset(std::string_view zone, std::string_view name,
                                          std::string_view type, uint32_t ttl,
                                          const std::vector<Record>& records) {
  if (records.empty()) {
    return core::InvalidArgument("powerdns: ReplaceRrset with no records; use DeleteRrset");
  }
  const std::string owner = CanonicalName(name);
  return PatchRrsets(
      zone, json::EncodeReplaceRrset(owner, type, ttl, records),
      "PATCH zone " + CanonicalName(zone) + " REPLACE " + owner + " " + std::string(type));
}

core::Status PowerDnsClient::ChangeRrsets(std::string_view zone, std::vector<RrsetChange> changes) {
  if (changes.empty()) return core::Ok();
  std::string what = "PATCH zone " + CanonicalName(zone);
  for (RrsetChange& change : changes) {
    change.name = CanonicalName(change.name);
    what += std::string(change.records.empty() ? " DELETE " : " REPLACE ") + change.name + " " +
            change.type;
  }
  return PatchRrsets(zone, json::EncodeRrsetChanges(changes), what);
}

core::Status PowerDnsClient::DeleteRrset(std::string_view zone, std::string_view name,
                                         std::string_view type) {
  const std::string owner = CanonicalName(name);
  return PatchRrsets(
      zone, json::EncodeDeleteRrset(owner, type),
      "PATCH zone " + CanonicalName(zone) + " DELETE " + owner + " " + std::string(type));
}

core::Status PowerDnsClient::CreateZone(std::string_view name,
                                        const std::vector<std::string>& nameservers) {
  RETURN_IF_ERROR(ZoneUrl(name));  // validates the name
  const std::string canonical = CanonicalName(name);
  std::vector<std::string> ns;
  ns.reserve(nameservers.size());
  for (const std::string& n : nameservers) ns.push_back(CanonicalName(n));
  const std::string what = "POST zone " + canonical;
  ASSIGN_OR_RETURN(http::Response response,
                   Call("POST", ZonesUrl(), json::EncodeCreateZone(canonical, ns), what));
  if (IsSuccess(response.status)) return core::Ok();
  const std::string text = json::DecodeErrorText(response.body);
  if (response.status == 409 ||
      (response.status == 422 && (text.find("Conflict") != std::string::npos ||
                                  text.find("already exists") != std::string::npos))) {
    return core::AlreadyExists("powerdns: " + what + ": zone already exists");
  }
  return ApiError(what, response);
}

core::Result<bool> PowerDnsClient::ZoneExists(std::string_view name) {
  ASSIGN_OR_RETURN(std::string url, ZoneUrl(name));
  const std::string what = "GET zone " + CanonicalName(name);
  ASSIGN_OR_RETURN(http::Response response, Call("GET", url + "?rrsets=false", "", what));
  if (response.status == 200) return true;
  core::Error error = ApiError(what, response);
  if (error.code() == core::ErrorCode::kNotFound) return false;
  return error;
}

core::Status PowerDnsClient::DeleteZone(std::string_view name) {
  ASSIGN_OR_RETURN(std::string url, ZoneUrl(name));
  const std::string what = "DELETE zone " + CanonicalName(name);
  ASSIGN_OR_RETURN(http::Response response, Call("DELETE", std::move(url), "", what));
  if (!IsSuccess(response.status)) return ApiError(what, response);
  return core::Ok();
}

}  // namespace certadns::dns::powerdns
