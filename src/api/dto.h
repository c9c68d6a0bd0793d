// JSON shapes of the API (the spec's section 8 for certificates and limits). Private to
// src/api/.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/certificate.h"
#include "core/plan.h"
#include "store/records.h"
#include "zones/zone_service.h"

namespace certadns::api {

/// Exactly the spec's fields: id, domain, sans, is_wildcard, auto_renew, status, issued_at,
/// expires_at, next_renewal_at (RFC 3339 UTC or null).
nlohmann::json CertificateJson(const core::Certificate& c);
nlohmann::json LimitsJson(const core::PlanLimits& limits, int current_count);
nlohmann::json EventJson(const core::CertificateEvent& e);
/// A zone with what its owner must do to verify it (the account's nameservers and TXT token).
nlohmann::json ZoneJson(const store::Zone& zone, const zones::ZoneService& zones);
nlohmann::json UserJson(const store::User& user);
/// An API key as its owner sees it: id, prefix, created_at, last_used_at (or null); never
/// its hash.
nlohmann::json ApiKeyJson(const store::ApiKey& key);

}  // namespace certadns::api
