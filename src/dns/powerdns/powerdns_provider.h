// PowerDnsProvider: DnsProvider over the PowerDNS HTTP API (cf. lego providers/dns/pdns).
// Present/CleanUp read the TXT RRset, merge or remove our value and write the RRset back.
// Thread-safe: the read-modify-write is serialised per zone inside this object (PowerDNS's
// gsqlite3 backend answers concurrent writes to a zone with "database is locked"). Across
// processes PowerDNS 4.7 offers no compare-and-set on RRsets, so it is also serialised per
// name through `shared_locks` (the nodes' database): without them, two certadns processes
// changing the same name at the same moment can lose each other's value.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/name_locks.h"
#include "core/result.h"
#include "dns/dns_provider.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/http_client.h"

namespace certadns::dns::powerdns {

class PowerDnsProvider final : public DnsProvider {
 public:
  /// TTL of RRsets we write (short, so validators do not cache stale challenge values).
  static constexpr uint32_t kChallengeTtl = 60;

  /// `http` and `shared_locks` must outlive the provider. `shared_locks` (may be null for a
  /// single process) serialise one name's changes across every node.
  PowerDnsProvider(http::HttpClient& http, PowerDnsConfig config,
                   core::NameLocks* shared_locks = nullptr);

  /// Adds `record.value` (quoted) to the TXT RRset at `record.fqdn` in `record.zone` and
  /// writes the RRset back with TTL 60 (a disabled copy of our value is re-enabled).
  /// kInvalidArgument if the fqdn is outside the zone or the value cannot be a TXT string;
  /// kNotFound if PowerDNS does not host the zone; kUnavailable on transport errors or when
  /// another node held the name's lock past its bound.
  core::Status Present(const ChallengeRecord& record) override;

  /// Removes only `record.value`: the rest is written back with its TTL, or the RRset is
  /// deleted when nothing remains. An absent value, RRset or zone is a no-op success.
  /// kUnavailable on transport errors.
  core::Status CleanUp(const ChallengeRecord& record) override;
  /// Present / CleanUp of several records with one read per name and one PATCH per zone,
  /// which PowerDNS applies at once.
  core::Status PresentAll(const std::vector<ChallengeRecord>& records) override;
  core::Status CleanUpAll(const std::vector<ChallengeRecord>& records) override;

 private:
  core::Status Change(const std::vector<ChallengeRecord>& records, bool present);
  // The read-modify-write of one zone's challenge RRsets (fqdn -> our quoted values).
  core::Status ChangeZone(const std::string& zone,
                          const std::map<std::string, std::vector<std::string>>& by_name,
                          bool present);
  struct NameLock {
    std::mutex mu;
    int users = 0;  // guarded by locks_mu_
  };
  class ScopedNameLock;
  // The cross-node lock on `fqdn`, or nothing to hold without shared locks.
  core::Result<std::unique_ptr<core::NameLock>> LockAcrossNodes(const std::string& fqdn);

  PowerDnsClient client_;
  core::NameLocks* shared_locks_;
  std::mutex locks_mu_;
  std::unordered_map<std::string, std::unique_ptr<NameLock>> locks_;  // guarded by locks_mu_
};

}  // namespace certadns::dns::powerdns
