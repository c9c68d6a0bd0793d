// The service's own counters and histograms, as the layers that do the work record them
// (the ACME client, the PowerDNS client, the issuance engine), without knowing who reads
// them: api/metrics_page.h renders them for Prometheus. Recording is a few relaxed atomic
// operations, lock-free and allocation-free; reading is a consistent-enough snapshot for
// monitoring (a histogram read while it is written may be one observation apart between
// its buckets and its count). Every label set is fixed and small (enums), so cardinality
// never grows with traffic. Thread-safe.
//
// Process(): the process's metrics. Like the logger, metrics are a process-wide sink,
// so a recording site is one line and needs no constructor parameter.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace certadns::core::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// Observations counted into buckets by upper bound (Prometheus's "le", cumulative when
/// read), plus their count and sum.
class Histogram {
 public:
  /// `upper_bounds` ascending; an implicit +Inf bucket follows the last.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value) noexcept;

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<uint64_t> cumulative;  // per upper bound: observations <= it
    uint64_t count = 0;                // all observations (the +Inf bucket)
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // one per bound, then +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

/// Measures elapsed time for latency histograms (a monotonic clock: never the wall clock).
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// RFC 8555 resources the ACME client calls (never a URL: URLs hold ids).
enum class AcmeEndpoint {
  kDirectory,
  kNewNonce,
  kNewAccount,
  kNewOrder,
  kOrder,
  kAuthorization,
  kChallenge,
  kFinalize,
  kCertificate,
  kRevoke,
  kRenewalInfo,
  kOther
};
inline constexpr size_t kAcmeEndpoints = static_cast<size_t>(AcmeEndpoint::kOther) + 1;
std::string_view Name(AcmeEndpoint endpoint);

/// How an HTTP exchange ended: 1xx-3xx, 4xx, 5xx, or no answer at all.
enum class Outcome { kSuccess, kClientError, kServerError, kNetworkError };
inline constexpr size_t kOutcomes = 4;
std::string_view Name(Outcome outcome);
/// The outcome of an answer with HTTP `status` (0: none arrived).
Outcome OutcomeOf(long status);

/// Failed calls to the PowerDNS API, by kind (Outcome without kSuccess).
inline constexpr std::array<Outcome, 3> kErrorOutcomes = {
    Outcome::kClientError, Outcome::kServerError, Outcome::kNetworkError};

enum class IssuanceKind { kIssue, kRenew };
enum class IssuanceResult { kIssued, kFailed };
std::string_view Name(IssuanceKind kind);
std::string_view Name(IssuanceResult result);

class ServiceMetrics {
 public:
  ServiceMetrics();

  /// One HTTP exchange with the CA: `status` 0 when no answer came.
  void AcmeRequest(AcmeEndpoint endpoint, long status, double seconds) noexcept;
  /// One call to the PowerDNS API that ended with `status` (0: no answer); successes count
  /// nothing.
  void PowerDnsAnswer(long status) noexcept;
  /// A certificate operation ended: issued (or renewed), or failed for good;
  /// `seconds` from the request (the job's creation) to that end.
  void IssuanceEnded(IssuanceKind kind, IssuanceResult result, double seconds) noexcept;

  const Counter& acme_requests(AcmeEndpoint e, Outcome o) const {
    return acme_requests_[static_cast<size_t>(e)][static_cast<size_t>(o)];
  }
  const Histogram& acme_duration(AcmeEndpoint e) const {
    return *acme_duration_[static_cast<size_t>(e)];
  }
  const Counter& powerdns_errors(Outcome o) const {
    return powerdns_errors_[static_cast<size_t>(o)];
  }
  const Counter& issuances(IssuanceKind k, IssuanceResult r) const {
    return issuances_[static_cast<size_t>(k)][static_cast<size_t>(r)];
  }
  /// Request to issued (both kinds); failures are not observed here.
  const Histogram& issuance_duration() const { return issuance_duration_; }

 private:
  std::array<std::array<Counter, kOutcomes>, kAcmeEndpoints> acme_requests_;
  std::array<std::unique_ptr<Histogram>, kAcmeEndpoints> acme_duration_;
  std::array<Counter, kOutcomes> powerdns_errors_;
  std::array<std::array<Counter, 2>, 2> issuances_;
  Histogram issuance_duration_;
};

/// The process's metrics (see the file comment).
ServiceMetrics& Process();

}  // namespace certadns::core::metrics
