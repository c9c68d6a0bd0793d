#include "core/metrics.h"

#include <algorithm>
#include <utility>

namespace certadns::core::metrics {

namespace {

// Seconds: a CA answers in milliseconds to seconds.
const std::vector<double> kRequestBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};
// Seconds: a certificate takes seconds (Pebble) to minutes (DNS propagation, a busy CA),
// and up to a day when it waits out rate limits and retries.
const std::vector<double> kIssuanceBuckets = {1,   5,    10,   30,   60,    120,  300,
                                              600, 1800, 3600, 7200, 21600, 86400};

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) noexcept {
  // The first bound the value does not exceed ("le" is inclusive); past the last: +Inf.
  size_t i = static_cast<size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  running += buckets_[upper_bounds_.size()].load(std::memory_order_relaxed);
  // +Inf is the count: kept equal to the buckets' total so the exposition is consistent.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::string_view Name(AcmeEndpoint endpoint) {
  switch (endpoint) {
    case AcmeEndpoint::kDirectory:
      return "directory";
    case AcmeEndpoint::kNewNonce:
      return "newNonce";
    case AcmeEndpoint::kNewAccount:
      return "newAccount";
    case AcmeEndpoint::kNewOrder:
      return "newOrder";
    case AcmeEndpoint::kOrder:
      return "order";
    case AcmeEndpoint::kAuthorization:
      return "authz";
    case AcmeEndpoint::kChallenge:
      return "challenge";
    case AcmeEndpoint::kFinalize:
      return "finalize";
    case AcmeEndpoint::kCertificate:
      return "certificate";
    case AcmeEndpoint::kRevoke:
      return "revokeCert";
    case AcmeEndpoint::kRenewalInfo:
      return "renewalInfo";
    case AcmeEndpoint::kOther:
      return "other";
  }
  return "other";
}

std::string_view Name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kClientError:
      return "client_error";
    case Outcome::kServerError:
      return "server_error";
    case Outcome::kNetworkError:
      return "network_error";
  }
  return "network_error";
}

Outcome OutcomeOf(long status) {
  if (status <= 0) return Outcome::kNetworkError;
  if (status >= 500) return Outcome::kServerError;
  if (status >= 400) return Outcome::kClientError;
  return Outcome::kSuccess;
}

std::string_view Name(IssuanceKind kind) {
  return kind == IssuanceKind::kIssue ? "issue" : "renew";
}

std::string_view Name(IssuanceResult result) {
  return result == IssuanceResult::kIssued ? "issued" : "failed";
}

ServiceMetrics::ServiceMetrics() : issuance_duration_(kIssuanceBuckets) {
  for (auto& h : acme_duration_) h = std::make_unique<Histogram>(kRequestBuckets);
}

void ServiceMetrics::AcmeRequest(AcmeEndpoint endpoint, long status, double seconds) noexcept {
  const auto e = static_cast<size_t>(endpoint);
  acme_requests_[e][static_cast<size_t>(OutcomeOf(status))].Add();
  acme_duration_[e]->Observe(seconds);
}

void ServiceMetrics::PowerDnsAnswer(long status) noexcept {
  Outcome outcome = OutcomeOf(status);
  if (outcome != Outcome::kSuccess) powerdns_errors_[static_cast<size_t>(outcome)].Add();
}

void ServiceMetrics::IssuanceEnded(IssuanceKind kind, IssuanceResult result,
                                   double seconds) noexcept {
  issuances_[static_cast<size_t>(kind)][static_cast<size_t>(result)].Add();
  if (result == IssuanceResult::kIssued) issuance_duration_.Observe(seconds);
}

ServiceMetrics& Process() {
  static ServiceMetrics* const metrics = new ServiceMetrics();  // never destroyed: threads
  return *metrics;                                              // may record during exit
}

}  // namespace certadns::core::metrics
