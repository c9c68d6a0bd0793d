// MetricsPage: the /metrics page of the metrics listener (metrics.listen): the store's
// counts (store/stats_reader.h, cached for a few seconds so a scrape of a large database
// stays cheap), the key pool's depth, and the process's counters and histograms
// (core/metrics.h), in Prometheus's text format. docs/operations.md "## Metrics" lists
// every series. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "store/stats_reader.h"

namespace certadns::api {

struct MetricsOptions {
  /// certadns_certificate_expiry_timestamp_seconds, one series per certificate (opt-in:
  /// it does not scale to a million certificates).
  bool per_certificate = false;
  int max_certificate_series = 100000;  // beyond: the first ones by id only
  /// How long the store's counts are reused: at least this, and ten times as long as
  /// reading them took, so scrapes never hold the database more than a tenth of the time.
  core::Duration cache = std::chrono::seconds(5);
  core::Duration overdue_after = std::chrono::hours(24);  // renewals due longer are overdue
};

class MetricsPage {
 public:
  /// `key_pool` says how many keys the pool holds (nullopt: no pool).
  MetricsPage(store::StatsReader& stats, const core::Clock& clock,
              std::function<std::optional<int64_t>()> key_pool, MetricsOptions options,
              const core::metrics::ServiceMetrics& metrics = core::metrics::Process());

  /// The page, as of now.
  std::string Render();

 private:
  struct Cached {
    bool ok = false;
    store::ServiceStats stats;
    std::vector<store::CertificateExpiry> expiries;
    core::TimePoint read_at;
    core::Duration reuse{0};  // how long these counts are served
  };
  /// The store's counts, read again once the cache has aged (mutex_ held).
  const Cached& StoreCounts(core::TimePoint now);

  store::StatsReader& stats_;
  const core::Clock& clock_;
  std::function<std::optional<int64_t>()> key_pool_;
  const MetricsOptions options_;
  const core::metrics::ServiceMetrics& metrics_;
  std::mutex mutex_;              // one scrape at a time reads the store
  std::optional<Cached> cached_;  // guarded by mutex_
};

}  // namespace certadns::api
