// core/metrics.h: histogram buckets (inclusive upper bounds, +Inf, cumulative), counters,
// the outcome of an HTTP status, and recording from many threads at once.
#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace certadns::core::metrics {
namespace {

TEST(HistogramTest, BucketsAreCumulativeWithInclusiveBoundsAndAnInfBucket) {
  Histogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 1.0, 3.0, 10.0, 11.0, 1000.0}) h.Observe(v);
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.upper_bounds, (std::vector<double>{0.1, 1, 10}));
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 4, 6}));  // le=0.1, le=1, le=10
  EXPECT_EQ(s.count, 8u);                                     // le=+Inf
  EXPECT_DOUBLE_EQ(s.sum, 0.05 + 0.1 + 0.5 + 1.0 + 3.0 + 10.0 + 11.0 + 1000.0);
}

TEST(HistogramTest, AnEmptyHistogramReadsZeros) {
  Histogram::Snapshot s = Histogram({1, 2}).Read();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum, 0);
}

TEST(OutcomeTest, ByStatusClass) {
  EXPECT_EQ(OutcomeOf(0), Outcome::kNetworkError);
  EXPECT_EQ(OutcomeOf(200), Outcome::kSuccess);
  EXPECT_EQ(OutcomeOf(204), Outcome::kSuccess);
  EXPECT_EQ(OutcomeOf(399), Outcome::kSuccess);
  EXPECT_EQ(OutcomeOf(400), Outcome::kClientError);
  EXPECT_EQ(OutcomeOf(429), Outcome::kClientError);
  EXPECT_EQ(OutcomeOf(500), Outcome::kServerError);
  EXPECT_EQ(OutcomeOf(503), Outcome::kServerError);
}

TEST(ServiceMetricsTest, RecordsByLabel) {
  ServiceMetrics m;
  m.AcmeRequest(AcmeEndpoint::kNewOrder, 201, 0.02);
  m.AcmeRequest(AcmeEndpoint::kNewOrder, 400, 0.03);
  m.AcmeRequest(AcmeEndpoint::kNewNonce, 0, 5.0);
  EXPECT_EQ(m.acme_requests(AcmeEndpoint::kNewOrder, Outcome::kSuccess).Value(), 1u);
  EXPECT_EQ(m.acme_requests(AcmeEndpoint::kNewOrder, Outcome::kClientError).Value(), 1u);
  EXPECT_EQ(m.acme_requests(AcmeEndpoint::kNewNonce, Outcome::kNetworkError).Value(), 1u);
  EXPECT_EQ(m.acme_requests(AcmeEndpoint::kFinalize, Outcome::kSuccess).Value(), 0u);
  EXPECT_EQ(m.acme_duration(AcmeEndpoint::kNewOrder).Read().count, 2u);

  m.PowerDnsAnswer(200);
  m.PowerDnsAnswer(500);
  m.PowerDnsAnswer(0);
  EXPECT_EQ(m.powerdns_errors(Outcome::kServerError).Value(), 1u);
  EXPECT_EQ(m.powerdns_errors(Outcome::kNetworkError).Value(), 1u);
  EXPECT_EQ(m.powerdns_errors(Outcome::kSuccess).Value(), 0u);

  m.IssuanceEnded(IssuanceKind::kIssue, IssuanceResult::kIssued, 12);
  m.IssuanceEnded(IssuanceKind::kRenew, IssuanceResult::kFailed, 99);
  EXPECT_EQ(m.issuances(IssuanceKind::kIssue, IssuanceResult::kIssued).Value(), 1u);
  EXPECT_EQ(m.issuances(IssuanceKind::kRenew, IssuanceResult::kFailed).Value(), 1u);
  EXPECT_EQ(m.issuance_duration().Read().count, 1u) << "only issuances are timed";
  EXPECT_EQ(m.issuance_duration().Read().sum, 12);
}

TEST(ServiceMetricsTest, ConcurrentRecordingLosesNothing) {
  ServiceMetrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i) m.AcmeRequest(AcmeEndpoint::kOrder, 200, 0.5);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.acme_requests(AcmeEndpoint::kOrder, Outcome::kSuccess).Value(), 40000u);
  auto s = m.acme_duration(AcmeEndpoint::kOrder).Read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_DOUBLE_EQ(s.sum, 20000.0);
}

}  // namespace
}  // namespace certadns::core::metrics
