// Rfc8555Client's ARI (RFC 9773): renewalInfo read with a plain GET, its window, explanation
// URL and clamped Retry-After, hostile answers refused, and `replaces` in a renewal's order.
// The responses are written from the RFC's §4.2 example.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "acme/rfc8555_client.h"
#include "crypto/encoding.h"
#include "support/fake_clock.h"
#include "support/fake_http_client.h"
#include "tests/unit/acme/scripted_ca.h"

namespace certadns::acme {
namespace {

using test::FakeHttpClient;
using namespace scripted;  // the scripted CA's URLs, WithHeaders, ScriptCa

constexpr char kOrderJson[] = R"({"status": "pending",
  "identifiers": [{"type": "dns", "value": "example.com"}],
  "authorizations": ["https://ca.test/authz/9"], "finalize": "https://ca.test/order/5/f"})";

constexpr char kRenewalInfoUrl[] = "https://ca.test/renewal-info";
constexpr char kRfcCertId[] = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
constexpr char kRfcRenewalInfo[] = R"({
  "suggestedWindow": {
    "start": "2025-01-02T04:00:00Z",
    "end": "2025-01-03T04:00:00Z"
  },
  "explanationURL": "https://acme.example.com/docs/ari"
})";

/// The decoded JWS payload of a POST.
nlohmann::json Payload(const http::Request& request) {
  nlohmann::json jws = nlohmann::json::parse(request.body);
  return nlohmann::json::parse(
      crypto::Base64UrlDecode(jws.at("payload").get<std::string>()).value());
}

class AriClientTest : public ::testing::Test {
 protected:
  void SetUp() override { Script(/*with_ari=*/true); }

  void Script(bool with_ari) {
    http_.Reset();
    nlohmann::json directory = {
        {"newNonce", kNewNonceUrl}, {"newAccount", kNewAccountUrl}, {"newOrder", kNewOrderUrl}};
    if (with_ari) directory["renewalInfo"] = kRenewalInfoUrl;
    ScriptCa(http_, directory);
    http_.When("POST", kNewOrderUrl,
               WithHeaders(FakeHttpClient::JsonResponse(201, kOrderJson),
                           {{"Location", kOrderUrl}, {"Replay-Nonce", "after-order"}}));
  }
  /// Replaces every scripted answer of the renewalInfo resource with `response`.
  void ScriptRenewalInfo(http::Response response) {
    Script(/*with_ari=*/true);
    http_.When("GET", std::string(kRenewalInfoUrl) + "/" + kRfcCertId, std::move(response));
  }
  std::vector<http::Request> OrderPosts() const {
    std::vector<http::Request> out;
    for (const http::Request& r : http_.RequestsWithMethod("POST")) {
      if (r.url == kNewOrderUrl) out.push_back(r);
    }
    return out;
  }

  FakeHttpClient http_;
  test::FakeClock clock_;
  Rfc8555Client client_{http_, AcmeConfig{kDirectoryUrl, ""},
                        crypto::PrivateKey::GenerateRsa(2048).value(), clock_};
};

TEST_F(AriClientTest, ReadsTheSuggestedWindowExplanationAndRetryAfterOfTheRfcExample) {
  ScriptRenewalInfo(WithHeaders(FakeHttpClient::JsonResponse(200, kRfcRenewalInfo),
                                {{"Retry-After", "21600"}}));
  auto info = client_.GetRenewalInfo(kRfcCertId);
  ASSERT_TRUE(info.ok()) << info.error().message();
  ASSERT_TRUE(info->has_value());
  EXPECT_EQ(core::FormatRfc3339((*info)->window_start), "2025-01-02T04:00:00Z");
  EXPECT_EQ(core::FormatRfc3339((*info)->window_end), "2025-01-03T04:00:00Z");
  EXPECT_EQ((*info)->explanation_url, "https://acme.example.com/docs/ari");
  EXPECT_EQ((*info)->retry_after_s, 21600);
  EXPECT_TRUE(http_.RequestsWithMethod("POST").empty()) << "a plain GET, no JWS";
}

// RFC 9773 §4.3: an answer without Retry-After is asked again after six hours (§4.3.3).
TEST_F(AriClientTest, RetryAfterIsClampedBetweenAnHourAndADaySixHoursWithout) {
  const std::pair<std::string, long> cases[] = {
      {"60", 3600}, {"864000", 86400}, {"", 21600}};
  for (const auto& [header, want] : cases) {
    SCOPED_TRACE(header);
    http::Response response = FakeHttpClient::JsonResponse(200, kRfcRenewalInfo);
    if (!header.empty()) response.headers.push_back({"Retry-After", header});
    ScriptRenewalInfo(response);
    auto info = client_.GetRenewalInfo(kRfcCertId);
    ASSERT_TRUE(info.ok() && info->has_value());
    EXPECT_EQ((*info)->retry_after_s, want);
  }
}

TEST_F(AriClientTest, AHostileOrBrokenAnswerIsUnavailableNeverTrusted) {
  const std::pair<std::string_view, std::string> cases[] = {
      {"not JSON", "<html>"},
      {"no window", R"({"explanationURL": "https://x.test"})"},
      {"end before start",
       R"({"suggestedWindow": {"start": "2025-01-03T04:00:00Z", "end": "2025-01-02T04:00:00Z"}})"},
      {"dates not RFC 3339",
       R"({"suggestedWindow": {"start": "tomorrow", "end": "2025-01-02T04:00:00Z"}})"},
      {"numbers for dates", R"({"suggestedWindow": {"start": 1, "end": 2}})"},
      {"oversize", std::string(kMaxRenewalInfoBytes + 1, ' ') + kRfcRenewalInfo},
  };
  for (const auto& [desc, body] : cases) {
    SCOPED_TRACE(desc);
    ScriptRenewalInfo(FakeHttpClient::JsonResponse(200, body));
    auto info = client_.GetRenewalInfo(kRfcCertId);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.error().code(), core::ErrorCode::kUnavailable);
  }
  ScriptRenewalInfo(FakeHttpClient::JsonResponse(404, "{}"));
  EXPECT_FALSE(client_.GetRenewalInfo(kRfcCertId).ok());
  EXPECT_EQ(client_.GetRenewalInfo("../../admin").error().code(),
            core::ErrorCode::kInvalidArgument);
}

TEST_F(AriClientTest, AnExplanationUrlThatIsNotHttpsIsDropped) {
  ScriptRenewalInfo(FakeHttpClient::JsonResponse(
      200, R"json({"suggestedWindow": {"start": "2025-01-02T04:00:00Z",
               "end": "2025-01-03T04:00:00Z"}, "explanationURL": "javascript:alert(1)"})json"));
  auto info = client_.GetRenewalInfo(kRfcCertId);
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->explanation_url, "");
}

TEST_F(AriClientTest, ARenewalOrderNamesTheCertificateItReplaces) {
  ASSERT_TRUE(client_.NewRenewalOrder({"example.com"}, kRfcCertId).ok());
  auto posts = OrderPosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(Payload(posts[0]).value("replaces", ""), kRfcCertId);
}

TEST_F(AriClientTest, WithoutRenewalInfoInTheDirectoryThereIsNoAriAndNoReplaces) {
  Script(/*with_ari=*/false);
  auto info = client_.GetRenewalInfo(kRfcCertId);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->has_value());
  ASSERT_TRUE(client_.NewRenewalOrder({"example.com"}, kRfcCertId).ok());
  auto posts = OrderPosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_FALSE(Payload(posts[0]).contains("replaces"));
}

}  // namespace
}  // namespace certadns::acme
