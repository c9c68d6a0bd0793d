// FakeDnsProvider: an in-memory DnsProvider (TXT RRsets keyed by fqdn) that records every
// call, can fail on demand, and doubles as the PropagationChecker of that same data (values
// are "served" as soon as they are presented, unless SetServing(false)). Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "dns/dns_provider.h"

namespace certadns::test {

class FakeDnsProvider final : public dns::DnsProvider, public dns::PropagationChecker {
 public:
  struct Call {
    enum class Kind { kPresent, kCleanUp, kIsServed };
    Kind kind;
    dns::ChallengeRecord record;  // for kIsServed: fqdn only
  };

  /// Adds the value to the fqdn's RRset (idempotent). kNotFound when hosted zones were set
  /// and `record.zone` is not one of them.
  core::Status Present(const dns::ChallengeRecord& record) override;
  /// Removes only the value; the RRset disappears when empty; absent values are a no-op.
  core::Status CleanUp(const dns::ChallengeRecord& record) override;
  /// True when every value is in the fqdn's RRset and serving is on.
  core::Result<bool> IsServed(const std::string& fqdn,
                              const std::vector<std::string>& values) override;

  /// Restricts the hosted zones (default: every zone is hosted).
  void SetHostedZones(std::vector<std::string> zones);
  /// With false, IsServed answers false (simulates propagation lag).
  void SetServing(bool serving);
  /// The next Present/CleanUp/IsServed call (in order, one each) fails with `error`.
  void FailNext(core::Error error);
  /// While down, every call fails with kUnavailable, as a stopped PowerDNS would.
  void SetDown(bool down);

  /// Values at `fqdn`, in insertion order (empty when there is no RRset).
  std::vector<std::string> Values(const std::string& fqdn) const;
  /// Puts a value directly, without recording a call (a record someone else owns).
  void AddForeignValue(const std::string& fqdn, const std::string& value);
  std::vector<Call> Calls() const;
  size_t CallCount(Call::Kind kind) const;

 private:
  std::optional<core::Error> TakeFailure();  // requires mu_

  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> rrsets_;  // guarded by mu_
  std::set<std::string> hosted_zones_;                      // guarded by mu_
  bool serving_ = true;                                     // guarded by mu_
  bool down_ = false;                                       // guarded by mu_
  std::deque<core::Error> failures_;                        // guarded by mu_
  std::vector<Call> calls_;                                 // guarded by mu_
};

}  // namespace certadns::test
