// PowerDnsProvider: DnsProvider over the PowerDNS HTTP API (cf. lego providers/dns/pdns).
// Present/CleanUp read the TXT RRsets, merge or remove our values and write them back.
// Thread-safe: the read-modify-write is serialised per zone inside this object (PowerDNS's
// gsqlite3 backend answers concurrent writes to a zone with "database is locked"), and the
// changes that callers ask for while a zone is being written go together in its next write:
// one read per name and one PATCH for all of them. Across
// processes PowerDNS 4.7 offers no compare-and-set on RRsets, so it is also serialised per
// name through `shared_locks` (the nodes' database): without them, two certadns processes
// changing the same name at the same moment can lose each other's value.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

  /// Changes waiting for `zone` while another is being written.
  size_t WaitingForTest(const std::string& zone);

 private:
  // One caller's change to one zone: our quoted values per fqdn, added or removed.
  struct Write {
    bool present = true;
    std::map<std::string, std::vector<std::string>> values;
    std::optional<core::Status> result;  // set by whoever wrote it; guarded by zones_mu_
  };
  // The changes waiting for a zone, and whether one of them is being written now.
  struct ZoneQueue {
    std::vector<Write*> pending;
    bool writing = false;
    int users = 0;  // callers inside Submit for this zone
  };
  core::Status Change(const std::vector<ChallengeRecord>& records, bool present);
  // Queues `write` for `zone` and returns once it has been written (by this caller or another).
  core::Status Submit(const std::string& zone, Write& write);
  // One read-modify-write of `zone` for every change in `batch`; their outcomes, in order.
  std::vector<core::Status> WriteBatch(const std::string& zone, const std::vector<Write*>& batch);
  // The cross-node lock on `fqdn`, or nothing to hold without shared locks.
  core::Result<std::unique_ptr<core::NameLock>> LockAcrossNodes(const std::string& fqdn);

  PowerDnsClient client_;
  core::NameLocks* shared_locks_;
  std::mutex zones_mu_;
  std::condition_variable zones_cv_;
  std::unordered_map<std::string, std::unique_ptr<ZoneQueue>> zones_;  // guarded by zones_mu_
};

}  // namespace certadns::dns::powerdns
