// api/metrics_text.h: the Prometheus text format as a scraper parses it: escaping of label
// values and help text, number formatting, and histograms (cumulative buckets, +Inf,
// _sum, _count).
#include "api/metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace certadns::api {
namespace {

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndLineFeedOnly) {
  EXPECT_EQ(EscapeLabelValue("www.example.com"), "www.example.com");
  EXPECT_EQ(EscapeLabelValue(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(EscapeLabelValue(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(EscapeLabelValue("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(EscapeLabelValue("tab\tand {braces}, = signs"), "tab\tand {braces}, = signs");
  EXPECT_EQ(EscapeLabelValue("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9") << "UTF-8 stays";
}

TEST(FormatMetricValueTest, IntegersPlainAndSpecialValuesSpelledOut) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(10), "10");
  EXPECT_EQ(FormatMetricValue(1234567890123), "1234567890123");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(MetricsTextTest, FamilyHeaderAndSamples) {
  MetricsText out;
  out.Family("certadns_certificates", "gauge", "Certificates by state\nand plan \\ owner's");
  out.Sample("certadns_certificates", {{"state", "issued"}, {"plan", "pro"}}, 10);
  out.Sample("certadns_jobs_due", {}, 0);
  out.Sample("certadns_certificate_expiry_timestamp_seconds",
             {{"id", "cert_1"}, {"domain", "a\"b\\c\nd"}}, 1767225600);
  EXPECT_EQ(out.text(),
            "# HELP certadns_certificates Certificates by state\\nand plan \\\\ owner's\n"
            "# TYPE certadns_certificates gauge\n"
            "certadns_certificates{state=\"issued\",plan=\"pro\"} 10\n"
            "certadns_jobs_due 0\n"
            "certadns_certificate_expiry_timestamp_seconds{id=\"cert_1\","
            "domain=\"a\\\"b\\\\c\\nd\"} 1767225600\n");
}

TEST(MetricsTextTest, HistogramHasCumulativeBucketsInfSumAndCount) {
  core::metrics::Histogram h({0.1, 1, 2.5});
  for (double v : {0.05, 0.5, 0.5, 2.5, 7.0}) h.Observe(v);
  MetricsText out;
  out.Histogram("certadns_acme_request_duration_seconds", {{"endpoint", "newOrder"}}, h.Read());
  EXPECT_EQ(out.text(),
            "certadns_acme_request_duration_seconds_bucket{endpoint=\"newOrder\",le=\"0.1\"} 1\n"
            "certadns_acme_request_duration_seconds_bucket{endpoint=\"newOrder\",le=\"1\"} 3\n"
            "certadns_acme_request_duration_seconds_bucket{endpoint=\"newOrder\",le=\"2.5\"} 4\n"
            "certadns_acme_request_duration_seconds_bucket{endpoint=\"newOrder\",le=\"+Inf\"} 5\n"
            "certadns_acme_request_duration_seconds_sum{endpoint=\"newOrder\"} 10.55\n"
            "certadns_acme_request_duration_seconds_count{endpoint=\"newOrder\"} 5\n");
}

TEST(MetricsTextTest, AnUnlabelledEmptyHistogram) {
  MetricsText out;
  out.Histogram("h", {}, core::metrics::Histogram({1}).Read());
  EXPECT_EQ(out.text(), "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

}  // namespace
}  // namespace certadns::api
