// The audit log as the API writes and serves it: one call per successful action
// (RecordAudit, or RecordDownload for any download format), after the action, with the
// caller's address and credential; and GET /audit (routes.h). Private to src/api/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/call.h"
#include "api/services.h"
#include "core/certificate.h"

namespace certadns::api {

/// The actions the log records (an entry's "action"; GET /audit?action= takes these).
namespace audit {
inline constexpr std::string_view kCertificateCreated = "certificate.created";
inline constexpr std::string_view kCertificateDownloaded = "certificate.downloaded";
inline constexpr std::string_view kCertificateRenewed = "certificate.renewed";
inline constexpr std::string_view kCertificateAutoRenewChanged = "certificate.auto_renew_changed";
inline constexpr std::string_view kCertificateRevoked = "certificate.revoked";
inline constexpr std::string_view kCertificateDeleted = "certificate.deleted";
inline constexpr std::string_view kZoneCreated = "zone.created";
inline constexpr std::string_view kZoneVerified = "zone.verified";
inline constexpr std::string_view kZoneDeleted = "zone.deleted";
inline constexpr std::string_view kApiKeyCreated = "api_key.created";
inline constexpr std::string_view kApiKeyRevoked = "api_key.revoked";
inline constexpr std::string_view kPasswordChanged = "account.password_changed";
inline constexpr std::string_view kLoggedIn = "session.created";
}  // namespace audit

/// Appends an entry for the authenticated caller of `call` (its account, address and
/// credential). Best effort: the action has happened, so a failed write is logged, never
/// turned into an error for the caller.
void RecordAudit(Services& s, const Call& call, std::string_view action,
                 const std::string& target_id, const std::string& target_name,
                 nlohmann::json detail = nlohmann::json::object());
/// certificate.downloaded of `certificate` in `format` ("pem", "pkcs12", "bundle", ...).
void RecordDownload(Services& s, const Call& call, const core::Certificate& certificate,
                    std::string_view format);

}  // namespace certadns::api
