// StatsReader: the counts an operator watches (exported on /metrics by api/metrics_page.h):
// certificates by state and plan, renewals due and overdue, the job queue's backlog, and
// per-certificate expiry times (opt-in: one series per certificate). Each is one
// aggregate query; callers cache the answer, so a scrape of a large database stays cheap.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace certadns::store {

struct CertificateCount {
  std::string state;  // core::ToString(CertificateState)
  std::string plan;   // the owner's plan
  int64_t count = 0;
};

struct ServiceStats {
  std::vector<CertificateCount> certificates;  // only the (state, plan) pairs that occur
  /// Issued certificates with auto-renewal whose next_renewal_at has come.
  int64_t renewals_due = 0;
  /// Of those, the ones whose next_renewal_at passed more than `overdue_after` ago.
  int64_t renewals_overdue = 0;
  /// Jobs due (run_at has come) that no live lease holds: waiting for a worker.
  int64_t jobs_due = 0;
  /// The run_at of the oldest of those; nullopt when there is none.
  std::optional<core::TimePoint> oldest_due_job;
};

struct CertificateExpiry {
  std::string id;
  std::string domain;
  core::TimePoint expires_at;
};

class StatsReader {
 public:
  virtual ~StatsReader() = default;

  /// The counts as of `now`.
  virtual core::Result<ServiceStats> ReadServiceStats(core::TimePoint now,
                                                      core::Duration overdue_after) = 0;
  /// Certificates that have an expiry time (issued at least once), by id, at most `limit`.
  virtual core::Result<std::vector<CertificateExpiry>> ListCertificateExpiries(int limit) = 0;
};

}  // namespace certadns::store
