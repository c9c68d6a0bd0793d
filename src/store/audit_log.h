// AuditLog: who did what to which certificate (or zone, or API key), when, from which client
// address and with which credential. Append-only: entries are written once and never changed
// or removed by the service (they go with their account only). Read back by their owner,
// newest first, in pages. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace certadns::store {

struct AuditEntry {
  std::string id;        // "audit_..."
  std::string owner_id;  // the account whose resource it was
  core::TimePoint at;
  std::string action;          // e.g. "certificate.downloaded" (api/audit.h lists them)
  std::string target_id;       // "cert_...", "zone_...", "key_..."
  std::string target_name;     // the certificate's domain, the zone's name, the key's prefix
  std::string client_address;  // the caller's IP address
  std::string credential;      // "api_key:key_..." or "session"; never a secret
  std::string detail = "{}";   // a small JSON object, e.g. {"format":"pem"}
  /// The order of appends, set by the store (AppendAudit ignores it): later entries have
  /// larger numbers, also within one millisecond.
  int64_t sequence = 0;
};

/// A page of one account's entries, newest first (in the order they were appended).
struct AuditQuery {
  std::string owner_id;
  std::optional<std::string> action;
  std::optional<std::string> target_id;
  std::optional<core::TimePoint> since;  // at >= since
  std::optional<core::TimePoint> until;  // at < until
  /// Paging: only entries appended before the one with this sequence number.
  std::optional<int64_t> before_sequence;
  int limit = 50;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  /// Appends `entry`; kAlreadyExists when its id is taken, kNotFound when its owner is not.
  virtual core::Status AppendAudit(const AuditEntry& entry) = 0;
  /// The owner's entries matching `query`, newest first, at most `query.limit`.
  virtual core::Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) = 0;
};

}  // namespace certadns::store
