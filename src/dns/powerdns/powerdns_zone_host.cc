// PowerDnsZoneHost: a zone is created with the account's NS set; an existing one is adopted
// by replacing its NS set and removing any verification TXT record in it.
#include "dns/powerdns/powerdns_zone_host.h"

#include <utility>

namespace certadns::dns::powerdns {
namespace {

constexpr uint32_t kNsTtl = 3600;
constexpr char kVerifyLabel[] = "_certadns-verify.";

}  // namespace

PowerDnsZoneHost::PowerDnsZoneHost(http::HttpClient& http, PowerDnsConfig config)
    : client_(http, std::move(config)) {}

core::Status PowerDnsZoneHost::Host(const std::string& zone,
                                    const std::vector<std::string>& nameservers) {
  core::Status created = client_.CreateZone(zone, nameservers);
  if (created.ok()) return created;
  if (created.error().code() != core::ErrorCode::kAlreadyExists) return created;
  // Adopt the zone PowerDNS holds already: it now answers for this account only.
  if (!nameservers.empty()) {
    std::vector<Record> records;
    for (const std::string& ns : nameservers) records.push_back({CanonicalName(ns), false});
    RETURN_IF_ERROR(client_.ReplaceRrset(zone, zone, "NS", kNsTtl, records));
  }
  return client_.DeleteRrset(zone, kVerifyLabel + zone, "TXT");
}

core::Status PowerDnsZoneHost::Withdraw(const std::string& zone) {
  core::Status deleted = client_.DeleteZone(zone);
  if (!deleted.ok() && deleted.error().code() == core::ErrorCode::kNotFound) return core::Ok();
  return deleted;
}

}  // namespace certadns::dns::powerdns
