// JSON codecs for the PowerDNS 4.7 API documents PowerDnsClient sends and reads. Internal to
// dns/powerdns/; nlohmann::json stays inside powerdns_json.cc and its exceptions never
// escape. Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dns/powerdns/powerdns_client.h"

namespace certadns::dns::powerdns::json {

/// Body of PATCH /zones/{zone} making every change at once (PowerDNS applies a PATCH in one
/// transaction). Names must be canonical.
std::string EncodeRrsetChanges(const std::vector<RrsetChange>& changes);

/// Body of PATCH /zones/{zone} replacing one RRset. Names must be canonical.
std::string EncodeReplaceRrset(std::string_view name, std::string_view type, uint32_t ttl,
                               const std::vector<Record>& records);

/// Body of PATCH /zones/{zone} deleting one RRset. Names must be canonical.
std::string EncodeDeleteRrset(std::string_view name, std::string_view type);

/// Body of POST /zones creating a Native zone.
std::string EncodeCreateZone(std::string_view name, const std::vector<std::string>& nameservers);

/// Picks the RRset `name`/`type` (name canonical, compared case-insensitively) out of a zone
/// document (GET /zones/{zone}). Absent RRset: no records. kInternal if the document is
/// malformed.
core::Result<Rrset> DecodeRrset(std::string_view zone_document, std::string_view name,
                                std::string_view type);

/// The "error" text of an API error document; the trimmed body itself when it is not one
/// (PowerDNS 4.7 answers 404 and 409 with text/plain "Not Found"/"Conflict").
std::string DecodeErrorText(std::string_view body);

}  // namespace certadns::dns::powerdns::json
