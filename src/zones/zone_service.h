// ZoneService: importing a zone (created in PowerDNS with our nameservers) and verifying
// that its owner controls it (delegation to us, or a TXT token), with the user's errors in
// the user's words. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "dns/powerdns/powerdns_client.h"
#include "dns/zone_verifier.h"
#include "store/store.h"

namespace certadns::zones {

struct ZoneConfig {
  std::vector<std::string> nameservers;   // ours, e.g. ns1.certadns.com
  std::vector<std::string> public_zones;  // e.g. certadns.com: never imported
};

/// The TXT record that proves control of a zone: `_certadns-verify.<zone>`.
std::string VerificationRecordName(const std::string& zone);
std::string VerificationRecordValue(const store::Zone& zone);

struct VerifyOutcome {
  store::Zone zone;
  std::string detail;  // what the check saw, when not verified
};

class ZoneService {
 public:
  ZoneService(store::Store& store, dns::powerdns::PowerDnsClient& pdns,
              dns::ZoneVerifier* verifier, const core::Clock& clock, ZoneConfig config);

  /// kInvalidArgument for a malformed name, a public suffix or a public CertaDNS zone;
  /// kAlreadyExists when the zone is imported already (by anyone).
  core::Result<store::Zone> Import(const store::User& user, const std::string& raw_name,
                                   bool verified = false);
  core::Result<std::vector<store::Zone>> List(const store::User& user);
  /// Checks the zone now; marks it verified when the check passes.
  core::Result<VerifyOutcome> Verify(const store::User& user, const std::string& id);

  const ZoneConfig& config() const { return config_; }

 private:
  store::Store& store_;
  dns::powerdns::PowerDnsClient& pdns_;
  dns::ZoneVerifier* verifier_;
  const core::Clock& clock_;
  const ZoneConfig config_;
};

}  // namespace certadns::zones
