// RateLimitLedger: what the CA's rate limits count (issuance/rate_limits.h applies them), kept
// by the store so every node counts the same events: the certificate orders admitted (their
// name set, registered domains, ACME account and time) and the failed validations per
// hostname. Counting and recording happen together (ReserveOrder), serialised with every
// other reservation, also across processes, so two requests never both take the last slot.
// Rows older than the longest window are pruned (PruneLedger). Implementations are
// thread-safe and safe to share between processes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace certadns::store {

/// One order placed (or about to be placed) with the CA.
struct LedgerOrder {
  std::string id;              // unique: the job that places it
  std::string certificate_id;
  std::string acme_account;    // whose new-order budget it spends (the directory URL)
  /// The certificate's names, sorted and comma-joined; "" for an order that makes no new
  /// certificate of its own (a second order of the same job after a failed validation).
  std::string name_set;
  std::vector<std::string> registered_domains;  // distinct; empty when name_set is ""
  core::TimePoint at;
};

/// Events of one kind inside a window.
struct LedgerWindow {
  int64_t count = 0;
  /// When count >= the query's limit: the time of the event whose leaving the window
  /// brings the count under the limit (the (count - limit + 1)-th oldest).
  std::optional<core::TimePoint> pivot;
};

/// What to count, each kind after its own `*_since` (an event exactly at it has left the
/// window), with the limit that decides each LedgerWindow::pivot.
struct LedgerQuery {
  std::vector<std::string> registered_domains;  // certificates per registered domain
  core::TimePoint domains_since;
  int64_t domain_limit = 0;
  std::string name_set;  // duplicate certificates
  core::TimePoint duplicates_since;
  int64_t duplicate_limit = 0;
  std::string acme_account;  // new orders
  core::TimePoint orders_since;
  int64_t order_limit = 0;
  std::vector<std::string> hostnames;  // failed validations
  core::TimePoint failures_since;
  int64_t failure_limit = 0;
};

struct LedgerCounts {
  std::map<std::string, LedgerWindow> certificates_per_domain;  // by registered domain
  LedgerWindow duplicates;
  LedgerWindow orders;
  std::map<std::string, LedgerWindow> failed_validations;  // by hostname
};

class RateLimitLedger {
 public:
  virtual ~RateLimitLedger() = default;

  /// Counts what `query` asks (every name it lists has an entry in the maps).
  virtual core::Result<LedgerCounts> CountLedger(const LedgerQuery& query) = 0;
  /// Counts `query`, asks `admit`, and records `order` only when it answers true, in one
  /// transaction that no other ReserveOrder interleaves with (any process). Returns admit's
  /// answer. kAlreadyExists when `order.id` is recorded already (nothing changes).
  virtual core::Result<bool> ReserveOrder(
      const LedgerQuery& query, const LedgerOrder& order,
      const std::function<bool(const LedgerCounts&)>& admit) = 0;
  /// Records an order without a check (one the CA is about to get regardless: a renewal
  /// inside its ARI window, a second order of a job). Recording an id twice changes nothing.
  virtual core::Status RecordOrder(const LedgerOrder& order) = 0;
  /// Order `id` issued nothing: it no longer counts as a certificate (duplicates, registered
  /// domains), only as an order, as the CA counts it. A missing id is fine.
  virtual core::Status ReleaseOrder(const std::string& id) = 0;
  /// Order `id` was never placed (the request it was reserved for was refused after the
  /// reservation): it counts for nothing. A missing id is fine.
  virtual core::Status ForgetOrder(const std::string& id) = 0;
  /// Records a failed validation of `hostname`; `id` (the authorization's URL) makes it
  /// idempotent: recording it twice counts once.
  virtual core::Status RecordFailedValidation(const std::string& id, const std::string& hostname,
                                              core::TimePoint at) = 0;
  /// Deletes every event older than `before`; returns how many rows went.
  virtual core::Result<int64_t> PruneLedger(core::TimePoint before) = 0;
};

}  // namespace certadns::store
