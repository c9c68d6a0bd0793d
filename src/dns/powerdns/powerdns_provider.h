// PowerDnsProvider: DnsProvider over the PowerDNS HTTP API (cf. lego providers/dns/pdns).
// Present/CleanUp read the TXT RRset, merge or remove our value and write the RRset back.
// Thread-safe: the read-modify-write is serialised per zone inside this object (PowerDNS's
// gsqlite3 backend answers concurrent writes to a zone with "database is locked"). Across
// processes PowerDNS 4.7 offers no compare-and-set on RRsets, so two certadns processes
// changing the same name at the same moment can lose each other's value; callers must keep
// one name's challenges on one process (or re-Present before validation).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "dns/dns_provider.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/http_client.h"

namespace certadns::dns::powerdns {

class PowerDnsProvider final : public DnsProvider {
 public:
  /// TTL of RRsets we write (short, so validators do not cache stale challenge values).
  static constexpr uint32_t kChallengeTtl = 60;

  /// `http` must outlive the provider.
  PowerDnsProvider(http::HttpClient& http, PowerDnsConfig config);

  /// Adds `record.value` (quoted) to the TXT RRset at `record.fqdn` in `record.zone` and
  /// writes the RRset back with TTL 60 (a disabled copy of our value is re-enabled).
  /// kInvalidArgument if the fqdn is outside the zone or the value cannot be a TXT string;
  /// kNotFound if PowerDNS does not host the zone; kUnavailable on transport errors.
  core::Status Present(const ChallengeRecord& record) override;

  /// Removes only `record.value`: the rest is written back with its TTL, or the RRset is
  /// deleted when nothing remains. An absent value, RRset or zone is a no-op success.
  /// kUnavailable on transport errors.
  core::Status CleanUp(const ChallengeRecord& record) override;

 private:
  struct NameLock {
    std::mutex mu;
    int users = 0;  // guarded by locks_mu_
  };
  class ScopedNameLock;

  PowerDnsClient client_;
  std::mutex locks_mu_;
  std::unordered_map<std::string, std::unique_ptr<NameLock>> locks_;  // guarded by locks_mu_
};

}  // namespace certadns::dns::powerdns
