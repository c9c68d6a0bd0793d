// DnsProvider publishes and withdraws ACME DNS-01 challenge values (cf. lego's
// challenge.Provider), and PropagationChecker tells when every authoritative nameserver
// serves them. Implementations are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::dns {

/// One TXT value at `_acme-challenge.<domain>` inside `zone`.
struct ChallengeRecord {
  std::string zone;   // "example.com" (no trailing dot)
  std::string fqdn;   // "_acme-challenge.app.example.com" (no trailing dot)
  std::string value;  // the DNS-01 value (base64url), unquoted
};

class DnsProvider {
 public:
  virtual ~DnsProvider() = default;
  /// Adds `record.value` to the TXT RRset at `record.fqdn`; other values in the RRset are
  /// preserved; adding a value already present is a no-op. kNotFound if the zone is not
  /// hosted; kUnavailable on transport errors.
  virtual core::Status Present(const ChallengeRecord& record) = 0;
  /// Removes only `record.value`; other values are preserved; the RRset is deleted when it
  /// becomes empty; removing an absent value is a no-op.
  virtual core::Status CleanUp(const ChallengeRecord& record) = 0;
  /// Present for each of `records` (one certificate's names), in as few writes as the
  /// provider can; Ok when every value is served. By default one Present after another.
  virtual core::Status PresentAll(const std::vector<ChallengeRecord>& records) {
    for (const ChallengeRecord& record : records) RETURN_IF_ERROR(Present(record));
    return core::Ok();
  }
  /// CleanUp for each of `records`; Ok when none of the values is left. By default one
  /// CleanUp after another, all of them tried; the first error is returned.
  virtual core::Status CleanUpAll(const std::vector<ChallengeRecord>& records) {
    core::Status first = core::Ok();
    for (const ChallengeRecord& record : records) {
      auto status = CleanUp(record);
      if (!status.ok() && first.ok()) first = status;
    }
    return first;
  }
};

class PropagationChecker {
 public:
  virtual ~PropagationChecker() = default;
  /// True when every authoritative nameserver answers TXT queries for `fqdn` with all of
  /// `values` (others may be present too). False when one does not yet (not an error);
  /// kUnavailable when no nameserver could be asked at all.
  virtual core::Result<bool> IsServed(const std::string& fqdn,
                                      const std::vector<std::string>& values) = 0;
};

}  // namespace certadns::dns
