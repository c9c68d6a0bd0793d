// /metrics on its own listener (metrics.listen) against the real stack: after 10 issuances
// through the API, the scrape says what happened (10 issued, the state gauge, the ACME
// requests by endpoint, the issuance histogram, each certificate's expiry time), in
// Prometheus's text format; the listener serves nothing else.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using Scrape = std::map<std::string, double>;  // series ("name{labels}") -> value

int metrics_port = 0;

class MetricsE2e : public ApiE2eTest {
 public:
  static void SetUpTestSuite() {
    metrics_port = PickFreePort();
    ASSERT_NE(metrics_port, 0);
    SetUpTestSuiteWith({{"metrics",
                         {{"listen", Toml("127.0.0.1:" + std::to_string(metrics_port))},
                          {"per_certificate", "true"}}}});
  }

 protected:
  static std::string MetricsUrl(const std::string& path = "/metrics") {
    return "http://127.0.0.1:" + std::to_string(metrics_port) + path;
  }

  /// GET /metrics, parsed: every sample line; a malformed line fails the test.
  static Scrape ScrapeNow(http::Response* raw = nullptr) {
    Scrape out;
    auto response = http().Send({.method = "GET", .url = MetricsUrl()});
    EXPECT_TRUE(response.ok()) << response.error().message();
    if (!response.ok()) return out;
    EXPECT_EQ(response->status, 200);
    if (raw != nullptr) *raw = *response;
    size_t start = 0;
    const std::string& body = response->body;
    while (start < body.size()) {
      size_t end = body.find('\n', start);
      if (end == std::string::npos) end = body.size();
      std::string line = body.substr(start, end - start);
      start = end + 1;
      if (line.empty() || line[0] == '#') continue;
      size_t space = line.rfind(' ');
      EXPECT_NE(space, std::string::npos) << line;
      if (space == std::string::npos) continue;
      out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
  }

  static double Value(const Scrape& s, const std::string& series) {
    auto it = s.find(series);
    EXPECT_NE(it, s.end()) << "no series " << series;
    return it == s.end() ? -1 : it->second;
  }
};

TEST_F(MetricsE2e, AScrapeReflectsTenIssuances) {
  http::Response first;
  const Scrape before = ScrapeNow(&first);
  ASSERT_FALSE(before.empty());
  auto type = first.FindHeader("Content-Type");
  ASSERT_TRUE(type.has_value());
  EXPECT_EQ(type->rfind("text/plain; version=0.0.4", 0), 0u) << *type;

  TestUser user = NewUser("elite");
  TestZone zone = ImportZone(user, /*verified=*/true);
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ApiResponse created = RequestCertificate(
        user.api, {{"zone_id", zone.id}, {"domain", "m" + std::to_string(i) + "." + zone.name}});
    ASSERT_TRUE(HasStatus(created, 202));
    ids.push_back(created.json.value("id", ""));
  }
  std::map<std::string, json> issued;
  for (const std::string& id : ids) {
    ApiResponse settled = WaitSettled(user.api, id);
    ASSERT_EQ(settled.json.value("status", ""), "issued") << settled.Describe() << "\n"
                                                          << LogsText(user.api, id);
    issued[id] = settled.json;
  }

  // The store's counts are cached for a few seconds: poll (bounded) until they show it.
  const std::string issued_gauge = R"(certadns_certificates{state="issued",plan="elite"})";
  Scrape after;
  for (int i = 0; i < 40; ++i) {
    after = ScrapeNow();
    if (after.count(issued_gauge) && after[issued_gauge] == 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(Value(after, issued_gauge), 10);
  EXPECT_EQ(Value(after, R"(certadns_certificates{state="pending",plan="elite"})"), 0);
  EXPECT_EQ(Value(after, R"(certadns_certificates{state="failed",plan="elite"})"), 0);
  EXPECT_EQ(Value(after, "certadns_store_up"), 1);
  EXPECT_EQ(Value(after, "certadns_renewals_due"), 0);
  EXPECT_EQ(Value(after, "certadns_renewals_overdue"), 0);

  auto delta = [&](const std::string& series) {
    double was = before.count(series) ? before.at(series) : 0;
    return Value(after, series) - was;
  };
  EXPECT_EQ(delta(R"(certadns_issuances_total{kind="issue",outcome="issued"})"), 10);
  EXPECT_EQ(delta(R"(certadns_issuances_total{kind="issue",outcome="failed"})"), 0);
  EXPECT_EQ(delta("certadns_issuance_duration_seconds_count"), 10);
  EXPECT_EQ(delta(R"(certadns_issuance_duration_seconds_bucket{le="+Inf"})"), 10);
  EXPECT_GT(delta("certadns_issuance_duration_seconds_sum"), 0);
  // Each issuance orders, finalizes and downloads at least once (badNonce retries and
  // polls add more), all answered successfully in the end.
  for (const char* endpoint : {"newOrder", "finalize", "certificate"}) {
    SCOPED_TRACE(endpoint);
    EXPECT_GE(delta(std::string(R"(certadns_acme_requests_total{endpoint=")") + endpoint +
                    R"(",outcome="success"})"),
              10);
  }
  EXPECT_GE(delta(R"(certadns_acme_request_duration_seconds_count{endpoint="newOrder"})"), 10);
  // No URL with an id ever becomes a label: every endpoint label is one of the names.
  for (const auto& [series, value] : after) {
    if (series.rfind("certadns_acme_requests_total{", 0) != 0) continue;
    EXPECT_EQ(series.find("http"), std::string::npos) << series;
  }
  // metrics.per_certificate: each certificate's expiry, as the API shows it.
  for (const auto& [id, cert] : issued) {
    SCOPED_TRACE(id);
    auto expires = core::ParseRfc3339(cert.value("expires_at", ""));
    ASSERT_TRUE(expires.has_value());
    const std::string domain = cert.value("domain", "");
    double exported = Value(after, "certadns_certificate_expiry_timestamp_seconds{id=\"" + id +
                                       "\",domain=\"" + domain + "\"}");
    EXPECT_NEAR(exported, static_cast<double>(core::ToUnixMillis(*expires)) / 1000, 1.0);
  }
  EXPECT_GE(Value(after, "certadns_key_pool_keys"), 0);
}

TEST_F(MetricsE2e, TheListenerServesOnlyMetrics) {
  auto api = http().Send({.method = "GET", .url = MetricsUrl("/api/v1/certificates")});
  ASSERT_TRUE(api.ok());
  EXPECT_EQ(api->status, 404);
  auto post = http().Send({.method = "POST", .url = MetricsUrl()});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405);
}

}  // namespace
}  // namespace certadns::test
