// api/metrics_page.h: what the page holds by default and with metrics.per_certificate, the
// store's counts reused within the cache time and read again after it, a store that
// cannot answer, and the process's counters.
#include "api/metrics_page.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace certadns::api {
namespace {

using std::chrono::seconds;

class FakeStats final : public store::StatsReader {
 public:
  core::Result<store::ServiceStats> ReadServiceStats(core::TimePoint now, core::Duration) override {
    ++reads;
    if (fail) return core::Unavailable("database is down");
    store::ServiceStats s = stats;
    if (s.oldest_due_job) s.oldest_due_job = now - seconds(90);
    return s;
  }
  core::Result<std::vector<store::CertificateExpiry>> ListCertificateExpiries(int) override {
    ++expiry_reads;
    return expiries;
  }
  store::ServiceStats stats;
  std::vector<store::CertificateExpiry> expiries;
  bool fail = false;
  int reads = 0;
  int expiry_reads = 0;
};

bool Has(const std::string& page, const std::string& line) {
  return page.find("\n" + line + "\n") != std::string::npos || page.rfind(line + "\n", 0) == 0;
}

class MetricsPageTest : public ::testing::Test {
 protected:
  MetricsPageTest() {
    stats_.stats.certificates = {{"issued", "pro", 7}, {"pending", "free", 2}};
    stats_.stats.renewals_due = 3;
    stats_.stats.renewals_overdue = 1;
    stats_.stats.jobs_due = 4;
    stats_.stats.oldest_due_job = clock_.Now();
    stats_.expiries = {{"cert_1", "a.example.com", core::FromUnixMillis(1767225600000)}};
  }
  MetricsPage Page(MetricsOptions options = {}) {
    return MetricsPage(
        stats_, clock_, [] { return std::optional<int64_t>(5); }, options, metrics_);
  }

  FakeStats stats_;
  test::FakeClock clock_;
  core::metrics::ServiceMetrics metrics_;
};

TEST_F(MetricsPageTest, ByDefaultCountsOnlyAndNoSeriesPerCertificate) {
  metrics_.AcmeRequest(core::metrics::AcmeEndpoint::kNewOrder, 201, 0.2);
  metrics_.IssuanceEnded(core::metrics::IssuanceKind::kIssue,
                         core::metrics::IssuanceResult::kIssued, 42);
  metrics_.PowerDnsAnswer(500);
  std::string page = Page().Render();
  EXPECT_TRUE(Has(page, R"(certadns_certificates{state="issued",plan="pro"} 7)"));
  EXPECT_TRUE(Has(page, R"(certadns_certificates{state="pending",plan="free"} 2)"));
  EXPECT_TRUE(Has(page, R"(certadns_certificates{state="revoked",plan="elite"} 0)"))
      << "every known state and plan, so no series comes and goes";
  EXPECT_TRUE(Has(page, "certadns_renewals_due 3"));
  EXPECT_TRUE(Has(page, "certadns_renewals_overdue 1"));
  EXPECT_TRUE(Has(page, "certadns_jobs_due 4"));
  EXPECT_TRUE(Has(page, "certadns_oldest_due_job_age_seconds 90"));
  EXPECT_TRUE(Has(page, "certadns_key_pool_keys 5"));
  EXPECT_TRUE(
      Has(page, R"(certadns_acme_requests_total{endpoint="newOrder",outcome="success"} 1)"));
  EXPECT_TRUE(
      Has(page, R"(certadns_acme_requests_total{endpoint="finalize",outcome="success"} 0)"));
  EXPECT_TRUE(Has(page, R"(certadns_acme_request_duration_seconds_count{endpoint="newOrder"} 1)"));
  EXPECT_EQ(page.find(R"(certadns_acme_request_duration_seconds_count{endpoint="finalize"})"),
            std::string::npos);
  EXPECT_TRUE(Has(page, R"(certadns_issuances_total{kind="issue",outcome="issued"} 1)"));
  EXPECT_TRUE(Has(page, "certadns_issuance_duration_seconds_sum 42"));
  EXPECT_TRUE(Has(page, R"(certadns_powerdns_api_errors_total{kind="server_error"} 1)"));
  EXPECT_EQ(page.find("certadns_certificate_expiry_timestamp_seconds"), std::string::npos);
  EXPECT_EQ(stats_.expiry_reads, 0) << "no per-certificate query unless asked for";
}

TEST_F(MetricsPageTest, PerCertificateExpiryWhenAskedFor) {
  std::string page = Page({.per_certificate = true}).Render();
  EXPECT_TRUE(Has(page, "# TYPE certadns_certificate_expiry_timestamp_seconds gauge"));
  EXPECT_TRUE(Has(
      page,
      R"(certadns_certificate_expiry_timestamp_seconds{id="cert_1",domain="a.example.com"} 1767225600)"));
}

TEST_F(MetricsPageTest, TheStoresCountsAreReusedWithinTheCacheTime) {
  MetricsPage page = Page({.cache = seconds(5)});
  page.Render();
  clock_.Advance(seconds(4));
  stats_.stats.jobs_due = 9;
  EXPECT_TRUE(Has(page.Render(), "certadns_jobs_due 4"));
  EXPECT_EQ(stats_.reads, 1);
  clock_.Advance(seconds(2));
  EXPECT_TRUE(Has(page.Render(), "certadns_jobs_due 9"));
  EXPECT_EQ(stats_.reads, 2);
}

TEST_F(MetricsPageTest, AStoreThatCannotAnswerIsSaidAndTheRestIsServed) {
  stats_.fail = true;
  std::string page = Page().Render();
  EXPECT_TRUE(Has(page, "certadns_store_up 0"));
  EXPECT_EQ(page.find("certadns_certificates{"), std::string::npos);
  EXPECT_TRUE(Has(page, "certadns_key_pool_keys 5"));
  EXPECT_NE(page.find("certadns_acme_requests_total{"), std::string::npos);
  // Not cached: the next scrape asks again.
  stats_.fail = false;
  EXPECT_TRUE(Has(Page().Render(), "certadns_store_up 1"));
}

}  // namespace
}  // namespace certadns::api
