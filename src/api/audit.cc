#include "api/audit.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "api/routes.h"
#include "core/errors.h"
#include "crypto/encoding.h"

namespace certadns::api {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;

constexpr std::array<std::string_view, 13> kActions = {audit::kCertificateCreated,
                                                       audit::kCertificateDownloaded,
                                                       audit::kCertificateRenewed,
                                                       audit::kCertificateAutoRenewChanged,
                                                       audit::kCertificateRevoked,
                                                       audit::kCertificateDeleted,
                                                       audit::kZoneCreated,
                                                       audit::kZoneVerified,
                                                       audit::kZoneDeleted,
                                                       audit::kApiKeyCreated,
                                                       audit::kApiKeyRevoked,
                                                       audit::kPasswordChanged,
                                                       audit::kLoggedIn};

std::string Credential(const Call& call) {
  if (!call.principal) return "";
  return call.principal->via_session ? "session" : "api_key:" + call.principal->api_key_id;
}

// The opaque cursor: base64url of "a<sequence>" of the last entry of a page.
std::string EncodeCursor(const store::AuditEntry& e) {
  return crypto::Base64UrlEncode("a" + std::to_string(e.sequence));
}

core::Status DecodeCursor(const std::string& cursor, store::AuditQuery& q) {
  auto bad = core::errors::InvalidRequest("cursor is not one this API gave out");
  auto text = crypto::Base64UrlDecode(cursor);
  if (!text.ok()) return bad;
  if (text->size() < 2 || text->front() != 'a') return bad;
  int64_t sequence = 0;
  const char* last = text->data() + text->size();
  auto [end, ec] = std::from_chars(text->data() + 1, last, sequence);
  if (ec != std::errc() || end != last || sequence < 1) return bad;
  q.before_sequence = sequence;
  return core::Ok();
}

core::Result<std::optional<core::TimePoint>> TimeParam(const Call& call, const char* name) {
  auto it = call.query.find(name);
  if (it == call.query.end()) return std::optional<core::TimePoint>();
  auto t = core::ParseRfc3339(it->second);
  if (!t) {
    return core::errors::InvalidRequest(std::string(name) +
                                        " must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z");
  }
  return std::optional<core::TimePoint>(*t);
}

core::Result<store::AuditQuery> ParseQuery(const Call& call) {
  store::AuditQuery q;
  q.owner_id = call.user().id;
  q.limit = kDefaultLimit;
  for (const auto& [name, value] : call.query) {
    static const std::array<std::string_view, 6> kKnown = {"action", "target", "since",
                                                           "until",  "limit",  "cursor"};
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      return core::errors::InvalidRequest("unknown parameter " + name +
                                          " (action, target, since, until, limit, cursor)");
    }
  }
  if (auto it = call.query.find("action"); it != call.query.end()) {
    if (std::find(kActions.begin(), kActions.end(), it->second) == kActions.end()) {
      std::string known;
      for (auto a : kActions) known += (known.empty() ? "" : ", ") + std::string(a);
      return core::errors::InvalidRequest("action must be one of " + known);
    }
    q.action = it->second;
  }
  if (auto it = call.query.find("target"); it != call.query.end()) {
    if (it->second.empty() || it->second.size() > 64) {
      return core::errors::InvalidRequest("target must be a certificate, zone or API key id");
    }
    q.target_id = it->second;
  }
  ASSIGN_OR_RETURN(q.since, TimeParam(call, "since"));
  ASSIGN_OR_RETURN(q.until, TimeParam(call, "until"));
  if (q.since && q.until && *q.since >= *q.until) {
    return core::errors::InvalidRequest("since must be before until");
  }
  if (auto it = call.query.find("limit"); it != call.query.end()) {
    const std::string& v = it->second;
    int limit = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > kMaxLimit) {
      return core::errors::InvalidRequest("limit must be a whole number from 1 to " +
                                          std::to_string(kMaxLimit));
    }
    q.limit = limit;
  }
  if (auto it = call.query.find("cursor"); it != call.query.end()) {
    RETURN_IF_ERROR(DecodeCursor(it->second, q));
  }
  return q;
}

nlohmann::json EntryJson(const store::AuditEntry& e) {
  nlohmann::json detail = nlohmann::json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
  if (!detail.is_object()) detail = nlohmann::json::object();
  return {{"id", e.id},
          {"action", e.action},
          {"at", core::FormatRfc3339(e.at)},
          {"target", {{"id", e.target_id}, {"name", e.target_name}}},
          {"client_address", e.client_address},
          {"credential", e.credential},
          {"detail", detail}};
}

}  // namespace

void RecordAudit(Services& s, const Call& call, std::string_view action,
                 const std::string& target_id, const std::string& target_name,
                 nlohmann::json detail) {
  if (s.audit == nullptr || !call.principal) return;
  store::AuditEntry e;
  e.id = crypto::RandomId("audit");
  e.owner_id = call.user().id;
  e.at = s.clock.Now();
  e.action = std::string(action);
  e.target_id = target_id;
  e.target_name = target_name;
  e.client_address = call.client_address;
  e.credential = Credential(call);
  e.detail = detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (auto written = s.audit->AppendAudit(e); !written.ok()) {
    spdlog::error("audit log: cannot record {} of {} for {}: {}", e.action, target_id, e.owner_id,
                  written.error().message());
  }
}

void RecordDownload(Services& s, const Call& call, const core::Certificate& certificate,
                    std::string_view format) {
  RecordAudit(s, call, audit::kCertificateDownloaded, certificate.id, certificate.domain,
              {{"format", format}});
}

core::Result<Reply> HandleAuditGet(Services& s, const Call& call) {
  if (s.audit == nullptr) return core::Unavailable("the audit log is not available");
  ASSIGN_OR_RETURN(store::AuditQuery q, ParseQuery(call));
  const int page = q.limit;
  q.limit = page + 1;  // one more tells whether another page follows
  ASSIGN_OR_RETURN(auto entries, s.audit->ListAudit(q));
  nlohmann::json next = nullptr;
  if (entries.size() > static_cast<size_t>(page)) {
    entries.resize(page);
    next = EncodeCursor(entries.back());
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries) list.push_back(EntryJson(e));
  return Reply{200, {{"entries", list}, {"next_cursor", next}}};
}

}  // namespace certadns::api
