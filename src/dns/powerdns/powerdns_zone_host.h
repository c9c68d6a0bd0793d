// PowerDnsZoneHost: ZoneHost over the PowerDNS HTTP API (create or adopt a Native zone,
// delete it). It holds no mutable state: thread-safe when its HttpClient is.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "dns/powerdns/powerdns_client.h"
#include "dns/zone_host.h"
#include "http/http_client.h"

namespace certadns::dns::powerdns {

class PowerDnsZoneHost final : public ZoneHost {
 public:
  /// `http` must outlive the host.
  PowerDnsZoneHost(http::HttpClient& http, PowerDnsConfig config);

  /// See ZoneHost::Host. kInvalidArgument for a name PowerDNS cannot hold; kInternal for
  /// other API errors.
  core::Status Host(const std::string& zone, const std::vector<std::string>& nameservers) override;
  /// See ZoneHost::Withdraw.
  core::Status Withdraw(const std::string& zone) override;

 private:
  PowerDnsClient client_;
};

}  // namespace certadns::dns::powerdns
