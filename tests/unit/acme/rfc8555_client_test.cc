// Rfc8555Client over a scripted HTTP server: JWS shape and signatures (RFC 8555 §6.2),
// nonces (§7.2), the account (§7.3), orders (§7.4), POST-as-GET (§6.3) and the retry rules.
#include "acme/rfc8555_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text.h"
#include "crypto/encoding.h"
#include "support/fake_clock.h"
#include "support/fake_http_client.h"
#include "tests/unit/acme/scripted_ca.h"

namespace certadns::acme {
namespace {

using test::FakeHttpClient;
using ::testing::HasSubstr;
using namespace scripted;  // the scripted CA's URLs, WithHeaders, ScriptCa

constexpr char kAuthzUrl[] = "https://ca.test/authz/9";
constexpr char kChallengeUrl[] = "https://ca.test/chall/9";
constexpr char kFinalizeUrl[] = "https://ca.test/order/5/finalize";
constexpr char kCertUrl[] = "https://ca.test/cert/5";

constexpr char kOrderJson[] = R"({
  "status": "pending",
  "identifiers": [{"type": "dns", "value": "example.com"}],
  "authorizations": ["https://ca.test/authz/9"],
  "finalize": "https://ca.test/order/5/finalize"})";

const crypto::PrivateKey& AccountKey() {
  static const crypto::PrivateKey* key = [] {
    auto generated = crypto::PrivateKey::GenerateRsa(2048);
    EXPECT_TRUE(generated.ok());
    return new crypto::PrivateKey(std::move(generated).value());
  }();
  return *key;
}

crypto::PrivateKey CopyOfAccountKey() {
  return crypto::PrivateKey::FromPem(AccountKey().ToPem().reveal()).value();
}

http::Response Problem(long status, const std::string& type, const std::string& detail,
                       const std::string& nonce) {
  nlohmann::json body = {
      {"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}, {"status", status}};
  http::Response response = FakeHttpClient::JsonResponse(status, body.dump());
  response.headers = {{"Content-Type", "application/problem+json"}, {"Replay-Nonce", nonce}};
  return response;
}

struct DecodedJws {
  nlohmann::json header;
  std::string payload;  // decoded
  std::string payload_b64;
  std::string signing_input;
  std::string signature;  // raw
};

DecodedJws Decode(const http::Request& request) {
  DecodedJws out;
  nlohmann::json jws = nlohmann::json::parse(request.body);
  EXPECT_EQ(jws.size(), 3u) << "flattened JWS has exactly protected, payload, signature";
  std::string protected_b64 = jws.at("protected").get<std::string>();
  out.payload_b64 = jws.at("payload").get<std::string>();
  out.header = nlohmann::json::parse(crypto::Base64UrlDecode(protected_b64).value());
  out.payload = crypto::Base64UrlDecode(out.payload_b64).value();
  out.signing_input = protected_b64 + "." + out.payload_b64;
  out.signature = crypto::Base64UrlDecode(jws.at("signature").get<std::string>()).value();
  return out;
}

/// RS256 verification with a public key built from a JWK's n and e alone, as a CA does.
bool VerifyRs256(const nlohmann::json& jwk, const std::string& input,
                 const std::string& signature) {
  std::string n = crypto::Base64UrlDecode(jwk.at("n").get<std::string>()).value();
  std::string e = crypto::Base64UrlDecode(jwk.at("e").get<std::string>()).value();
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = pctx && EVP_PKEY_fromdata_init(pctx) == 1 &&
            EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ok = ok && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
       EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()),
                        signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                        input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return ok;
}

class Rfc8555ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nlohmann::json directory = {{"newNonce", kNewNonceUrl},
                                {"newAccount", kNewAccountUrl},
                                {"newOrder", kNewOrderUrl},
                                {"revokeCert", kRevokeUrl},
                                {"meta", {{"termsOfService", "https://ca.test/tos"}}}};
    ScriptCa(http_, directory);
  }

  std::vector<http::Request> Posts(const std::string& url) const {
    std::vector<http::Request> out;
    for (const http::Request& r : http_.RequestsWithMethod("POST")) {
      if (r.url == url) out.push_back(r);
    }
    return out;
  }

  void ScriptNewOrder(http::Response response) { http_.When("POST", kNewOrderUrl, response); }
  static http::Response OrderCreated(const std::string& nonce) {
    return WithHeaders(FakeHttpClient::JsonResponse(201, kOrderJson),
                       {{"Location", kOrderUrl}, {"Replay-Nonce", nonce}});
  }

  FakeHttpClient http_;
  test::FakeClock clock_;
  Rfc8555Client client_{http_, AcmeConfig{kDirectoryUrl, "ops@example.com"}, CopyOfAccountKey(),
                        clock_};
};

TEST_F(Rfc8555ClientTest, RegistersTheAccountWithItsJwkAndKeepsTheLocationAsKid) {
  ASSERT_TRUE(client_.EnsureAccount().ok());
  EXPECT_EQ(client_.AccountUrl(), kAccountUrl);

  auto posts = Posts(kNewAccountUrl);
  ASSERT_EQ(posts.size(), 1u);
  DecodedJws jws = Decode(posts[0]);
  EXPECT_EQ(jws.header.at("alg"), "RS256");
  EXPECT_EQ(jws.header.at("url"), kNewAccountUrl);
  EXPECT_EQ(jws.header.at("nonce"), "head-1");  // the pool was empty: HEAD newNonce
  EXPECT_EQ(jws.header.at("jwk"), AccountKey().PublicJwk());
  EXPECT_FALSE(jws.header.contains("kid")) << "RFC 8555 §6.2: jwk and kid are exclusive";
  nlohmann::json payload = nlohmann::json::parse(jws.payload);
  EXPECT_EQ(payload.at("termsOfServiceAgreed"), true);
  EXPECT_EQ(payload.at("contact"), nlohmann::json::array({"mailto:ops@example.com"}));
  EXPECT_TRUE(VerifyRs256(jws.header.at("jwk"), jws.signing_input, jws.signature));

  bool content_type_jose = false;
  for (const http::Header& h : posts[0].headers) {
    if (h.name == "Content-Type" && h.value == "application/jose+json") content_type_jose = true;
  }
  EXPECT_TRUE(content_type_jose);
}

// A new account key is EC P-256: the same requests, signed ES256 with an EC JWK. (That
// the R || S signature verifies is crypto's jws_test; Pebble accepts it in the
// integration suites.)
TEST_F(Rfc8555ClientTest, AnEcAccountKeySignsEveryRequestEs256) {
  auto ec = crypto::PrivateKey::GenerateEcP256();
  ASSERT_TRUE(ec.ok());
  const nlohmann::json jwk = ec->PublicJwk();
  const std::string thumbprint = ec->JwkThumbprint();
  Rfc8555Client client(http_, AcmeConfig{kDirectoryUrl, ""}, std::move(ec).value(), clock_);
  ScriptNewOrder(OrderCreated("n2"));
  ASSERT_TRUE(client.NewOrder({"example.com"}).ok());
  auto account_thumbprint = client.AccountThumbprint();
  ASSERT_TRUE(account_thumbprint.ok());
  EXPECT_EQ(*account_thumbprint, thumbprint);

  auto account = Posts(kNewAccountUrl);
  auto order = Posts(kNewOrderUrl);
  ASSERT_EQ(account.size(), 1u);
  ASSERT_EQ(order.size(), 1u);
  DecodedJws account_jws = Decode(account[0]);
  EXPECT_EQ(account_jws.header.at("alg"), "ES256");
  EXPECT_EQ(account_jws.header.at("jwk"), jwk);
  EXPECT_EQ(account_jws.header.at("jwk").at("kty"), "EC");
  EXPECT_EQ(account_jws.signature.size(), 64u);
  DecodedJws order_jws = Decode(order[0]);
  EXPECT_EQ(order_jws.header.at("alg"), "ES256");
  EXPECT_EQ(order_jws.header.at("kid"), kAccountUrl);
  EXPECT_EQ(order_jws.signature.size(), 64u);
}

TEST_F(Rfc8555ClientTest, RegistersOnlyOnceAndFetchesTheDirectoryOnce) {
  ASSERT_TRUE(client_.EnsureAccount().ok());
  ASSERT_TRUE(client_.EnsureAccount().ok());
  ScriptNewOrder(OrderCreated("n2"));
  ASSERT_TRUE(client_.NewOrder({"example.com"}).ok());
  EXPECT_EQ(Posts(kNewAccountUrl).size(), 1u);
  EXPECT_EQ(http_.RequestsWithMethod("GET").size(), 1u);
  EXPECT_EQ(http_.RequestsWithMethod("HEAD").size(), 1u) << "later nonces come from responses";
}

TEST_F(Rfc8555ClientTest, FailsWhenNewAccountGivesNoLocation) {
  FakeHttpClient http;
  http.When("GET", kDirectoryUrl,
            FakeHttpClient::JsonResponse(200, nlohmann::json{{"newNonce", kNewNonceUrl},
                                                             {"newAccount", kNewAccountUrl},
                                                             {"newOrder", kNewOrderUrl}}
                                                  .dump()));
  http.When("HEAD", kNewNonceUrl,
            WithHeaders(FakeHttpClient::TextResponse(200, ""), {{"Replay-Nonce", "n"}}));
  http.When("POST", kNewAccountUrl, FakeHttpClient::JsonResponse(201, R"({"status":"valid"})"));
  Rfc8555Client client(http, AcmeConfig{kDirectoryUrl, ""}, CopyOfAccountKey(), clock_);
  core::Status status = client.EnsureAccount();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kUnavailable);
}

TEST_F(Rfc8555ClientTest, NewOrderIsSignedWithKidAndTheNonceOfThePreviousResponse) {
  ScriptNewOrder(WithHeaders(OrderCreated("after-order"), {{"Retry-After", "7"}}));
  auto order = client_.NewOrder({"example.com", "*.example.com"});
  ASSERT_TRUE(order.ok()) << order.error().message();
  EXPECT_EQ(order->url, kOrderUrl);
  EXPECT_EQ(order->status, "pending");
  EXPECT_EQ(order->finalize, kFinalizeUrl);
  EXPECT_EQ(order->authorizations, std::vector<std::string>{kAuthzUrl});
  ASSERT_TRUE(order->retry_after_s.has_value());
  EXPECT_EQ(*order->retry_after_s, 7);

  auto posts = Posts(kNewOrderUrl);
  ASSERT_EQ(posts.size(), 1u);
  DecodedJws jws = Decode(posts[0]);
  EXPECT_EQ(jws.header.at("kid"), kAccountUrl);
  EXPECT_FALSE(jws.header.contains("jwk"));
  EXPECT_EQ(jws.header.at("url"), kNewOrderUrl);
  EXPECT_EQ(jws.header.at("nonce"), "after-account");
  EXPECT_EQ(nlohmann::json::parse(jws.payload), nlohmann::json::parse(R"({"identifiers": [
              {"type": "dns", "value": "example.com"},
              {"type": "dns", "value": "*.example.com"}]})"));
  EXPECT_TRUE(VerifyRs256(AccountKey().PublicJwk(), jws.signing_input, jws.signature));
}

TEST_F(Rfc8555ClientTest, RetriesOnceAfterBadNonceWithTheNonceFromTheRejection) {
  ScriptNewOrder(Problem(400, "badNonce", "JWS has an invalid anti-replay nonce", "from-reject"));
  ScriptNewOrder(OrderCreated("n3"));
  auto order = client_.NewOrder({"example.com"});
  ASSERT_TRUE(order.ok()) << order.error().message();
  auto posts = Posts(kNewOrderUrl);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(Decode(posts[0]).header.at("nonce"), "after-account");
  DecodedJws retry = Decode(posts[1]);
  EXPECT_EQ(retry.header.at("nonce"), "from-reject");
  EXPECT_EQ(retry.payload, Decode(posts[0]).payload);
  EXPECT_TRUE(VerifyRs256(AccountKey().PublicJwk(), retry.signing_input, retry.signature));
  EXPECT_EQ(http_.RequestsWithMethod("HEAD").size(), 1u) << "no extra newNonce round trip";
}

TEST_F(Rfc8555ClientTest, GivesUpOnPersistentBadNonce) {
  ScriptNewOrder(Problem(400, "badNonce", "still bad", "again"));  // repeats forever
  auto order = client_.NewOrder({"example.com"});
  ASSERT_FALSE(order.ok());
  EXPECT_THAT(order.error().message(), HasSubstr("badNonce"));
  // Transient: the engine retries the step later instead of failing the certificate.
  EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_GE(Posts(kNewOrderUrl).size(), 2u);
  EXPECT_LE(Posts(kNewOrderUrl).size(), 10u);
}

// Defect 8: a Retry-After of any size is capped, never overflows, and is kept on a 5xx
// without a problem document too.
TEST_F(Rfc8555ClientTest, RetryAfterIsCappedWhateverTheServerSends) {
  struct Case {
    std::string_view desc;
    std::string retry_after;
    bool problem_document;
  };
  const Case cases[] = {
      {"largest long", "9223372036854775807", true},
      {"beyond any integer", "99999999999999999999999999", true},
      {"a date far ahead", "Fri, 31 Dec 9999 23:59:59 GMT", true},
      {"largest long, no problem document", "9223372036854775807", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    http_.Reset();
    SetUp();
    Rfc8555Client client(http_, AcmeConfig{kDirectoryUrl, ""}, CopyOfAccountKey(), clock_);
    http::Response rejection =
        c.problem_document ? Problem(503, "serverInternal", "busy", "n")
                           : FakeHttpClient::TextResponse(503, "<html>busy</html>");
    rejection.headers.push_back({"Retry-After", c.retry_after});
    ScriptNewOrder(rejection);
    auto order = client.NewOrder({"example.com"});
    ASSERT_FALSE(order.ok());
    EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable);
    ASSERT_TRUE(order.error().retry_after_s().has_value());
    EXPECT_GT(*order.error().retry_after_s(), 0);
    EXPECT_LE(*order.error().retry_after_s(), kMaxRetryAfterSeconds);
  }
}

// An HTTP-date Retry-After is measured from the injected clock, not the machine's: the fake
// clock stands at 2026-01-15T10:30:00Z, so a date two minutes later is a 120 s wait.
TEST_F(Rfc8555ClientTest, AnHttpDateRetryAfterIsMeasuredFromTheInjectedClock) {
  http::Response rejection = Problem(429, "rateLimited", "too many orders", "n");
  rejection.headers.push_back({"Retry-After", "Thu, 15 Jan 2026 10:32:00 GMT"});
  ScriptNewOrder(rejection);
  auto order = client_.NewOrder({"example.com"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), core::ErrorCode::kResourceExhausted);
  EXPECT_EQ(order.error().retry_after_s(), 120);

  clock_.Advance(std::chrono::seconds(90));
  auto later = client_.NewOrder({"example.com"});
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().retry_after_s(), 30);

  clock_.Advance(std::chrono::minutes(10));  // a date already past: no wait
  auto past = client_.NewOrder({"example.com"});
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().retry_after_s(), 0);
}

TEST_F(Rfc8555ClientTest, DoesNotRetryOtherProblems) {
  struct Case {
    std::string_view desc;
    long status;
    std::string type;
    std::optional<std::string> retry_after;
    core::ErrorCode want;
    std::optional<long> want_retry_after;
  };
  const Case cases[] = {
      {"unauthorized", 403, "unauthorized", std::nullopt, core::ErrorCode::kPermissionDenied,
       std::nullopt},
      {"rate limited", 429, "rateLimited", "120", core::ErrorCode::kResourceExhausted, 120},
      {"server internal", 500, "serverInternal", std::nullopt, core::ErrorCode::kUnavailable,
       std::nullopt},
      {"rejected identifier", 400, "rejectedIdentifier", std::nullopt,
       core::ErrorCode::kInvalidArgument, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    http_.Reset();
    SetUp();
    Rfc8555Client client(http_, AcmeConfig{kDirectoryUrl, ""}, CopyOfAccountKey(), clock_);
    http::Response rejection = Problem(c.status, c.type, "detail of " + c.type, "n");
    if (c.retry_after) rejection.headers.push_back({"Retry-After", *c.retry_after});
    ScriptNewOrder(rejection);
    auto order = client.NewOrder({"example.com"});
    ASSERT_FALSE(order.ok());
    EXPECT_EQ(order.error().code(), c.want);
    EXPECT_EQ(order.error().retry_after_s(), c.want_retry_after);
    EXPECT_THAT(order.error().message(), HasSubstr("detail of " + c.type));
    EXPECT_EQ(Posts(kNewOrderUrl).size(), 1u);
  }
}

TEST_F(Rfc8555ClientTest, AnErrorWithoutProblemDocumentMapsByStatus) {
  ScriptNewOrder(FakeHttpClient::TextResponse(502, "<html>Bad Gateway</html>"));
  auto order = client_.NewOrder({"example.com"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_THAT(order.error().message(), HasSubstr("502"));
  EXPECT_EQ(Posts(kNewOrderUrl).size(), 1u);
}

TEST_F(Rfc8555ClientTest, UntrustedProblemTextBecomesValidUtf8) {
  // A problem detail with a stray byte (not JSON any more, as nlohmann reads it), and a
  // body whose 200th byte falls inside a two-byte character.
  const std::string stray =
      R"({"type": "urn:ietf:params:acme:error:dns", "detail": "bad )" "\xff\xfe" R"( text"})";
  const std::string cut = std::string(199, 'x') + "\xC3\xA9" + std::string(100, 'y');
  for (const std::string& body : {stray, cut}) {
    SCOPED_TRACE(body.substr(0, 60));
    http_.When("POST", kNewOrderUrl, FakeHttpClient::TextResponse(400, body));
    auto order = client_.NewOrder({"example.com"});
    ASSERT_FALSE(order.ok());
    EXPECT_TRUE(core::IsValidUtf8(order.error().message())) << order.error().message();
    nlohmann::json answer = {{"detail", order.error().message()}};
    EXPECT_NO_THROW((void)answer.dump());
  }
}

TEST_F(Rfc8555ClientTest, ANonceThatIsNotBase64UrlIsNotUsed) {
  http_.Reset();
  http_.When("GET", kDirectoryUrl,
             FakeHttpClient::JsonResponse(
                 200, nlohmann::json{{"newNonce", kNewNonceUrl},
                                     {"newAccount", kNewAccountUrl},
                                     {"newOrder", kNewOrderUrl}}.dump()));
  http_.When("HEAD", kNewNonceUrl,
             WithHeaders(FakeHttpClient::TextResponse(200, ""), {{"Replay-Nonce", "bad\xff"}}));
  auto order = client_.NewOrder({"example.com"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_TRUE(http_.RequestsWithMethod("POST").empty());
}

// A CA answering 503 with Retry-After to newNonce or to the directory (seen with a fault
// proxy in front of Pebble): the wait it asks for is kept on the error, as for a POST.
TEST_F(Rfc8555ClientTest, RetryAfterOnA503FromNewNonceOrTheDirectoryIsKept) {
  http::Response busy = WithHeaders(FakeHttpClient::TextResponse(503, "busy"),
                                    {{"Retry-After", "7"}});
  http_.Reset();
  http_.When("GET", kDirectoryUrl,
             FakeHttpClient::JsonResponse(
                 200, nlohmann::json{{"newNonce", kNewNonceUrl},
                                     {"newAccount", kNewAccountUrl},
                                     {"newOrder", kNewOrderUrl}}.dump()));
  http_.When("HEAD", kNewNonceUrl, busy);
  auto order = client_.NewOrder({"example.com"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_THAT(order.error().message(), HasSubstr("503"));
  EXPECT_EQ(order.error().retry_after_s(), 7);

  http_.Reset();
  http_.When("GET", kDirectoryUrl, busy);
  Rfc8555Client fresh(http_, AcmeConfig{kDirectoryUrl, ""}, CopyOfAccountKey(), clock_);
  auto again = fresh.NewOrder({"example.com"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_THAT(again.error().message(), HasSubstr("503"));
  EXPECT_EQ(again.error().retry_after_s(), 7);
}

TEST_F(Rfc8555ClientTest, PostAsGetSendsAnEmptyPayload) {
  http_.When("POST", kOrderUrl,
             WithHeaders(FakeHttpClient::JsonResponse(200, kOrderJson), {{"Replay-Nonce", "o"}}));
  http_.When("POST", kAuthzUrl,
             WithHeaders(FakeHttpClient::JsonResponse(200, R"({
               "status": "pending", "identifier": {"type": "dns", "value": "example.com"},
               "challenges": [{"type": "dns-01", "url": "https://ca.test/chall/9",
                               "token": "tok", "status": "pending"}]})"),
                         {{"Replay-Nonce", "a"}, {"Retry-After", "3"}}));
  auto order = client_.GetOrder(kOrderUrl);
  ASSERT_TRUE(order.ok()) << order.error().message();
  EXPECT_EQ(order->url, kOrderUrl);
  EXPECT_FALSE(order->retry_after_s.has_value());
  auto authz = client_.GetAuthorization(kAuthzUrl);
  ASSERT_TRUE(authz.ok()) << authz.error().message();
  EXPECT_EQ(authz->url, kAuthzUrl);
  EXPECT_EQ(authz->retry_after_s, 3);

  for (const char* url : {kOrderUrl, kAuthzUrl}) {
    SCOPED_TRACE(url);
    auto posts = Posts(url);
    ASSERT_EQ(posts.size(), 1u);
    DecodedJws jws = Decode(posts[0]);
    EXPECT_EQ(jws.payload_b64, "") << "RFC 8555 §6.3: the payload is the empty string";
    EXPECT_EQ(jws.header.at("kid"), kAccountUrl);
    EXPECT_EQ(jws.header.at("url"), url);
    EXPECT_TRUE(VerifyRs256(AccountKey().PublicJwk(), jws.signing_input, jws.signature));
  }
}

TEST_F(Rfc8555ClientTest, RespondToChallengePostsAnEmptyObject) {
  http_.When("POST", kChallengeUrl,
             WithHeaders(FakeHttpClient::JsonResponse(200, R"({
               "type": "dns-01", "url": "https://ca.test/chall/9", "token": "tok",
               "status": "processing"})"),
                         {{"Replay-Nonce", "c"}}));
  auto challenge = client_.RespondToChallenge(kChallengeUrl);
  ASSERT_TRUE(challenge.ok()) << challenge.error().message();
  EXPECT_EQ(challenge->status, "processing");
  auto posts = Posts(kChallengeUrl);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(Decode(posts[0]).payload, "{}");
}

TEST_F(Rfc8555ClientTest, FinalizeSendsTheCsrAsBase64Url) {
  const std::string csr("\x30\x82\x01\xff\xfe", 5);
  http_.When("POST", kFinalizeUrl,
             WithHeaders(FakeHttpClient::JsonResponse(200, R"({
               "status": "processing", "authorizations": [],
               "finalize": "https://ca.test/order/5/finalize"})"),
                         {{"Replay-Nonce", "f"}, {"Retry-After", "2"}}));
  auto order = client_.Finalize(kOrderUrl, kFinalizeUrl, csr);
  ASSERT_TRUE(order.ok()) << order.error().message();
  EXPECT_EQ(order->url, kOrderUrl);
  EXPECT_EQ(order->status, "processing");
  EXPECT_EQ(order->retry_after_s, 2);
  nlohmann::json payload = nlohmann::json::parse(Decode(Posts(kFinalizeUrl).at(0)).payload);
  EXPECT_EQ(payload.at("csr"), crypto::Base64UrlEncode(csr));
}

TEST_F(Rfc8555ClientTest, DownloadAsksForAPemCertificateChain) {
  const std::string chain =
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
      "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
  http::Response response;
  response.status = 200;
  response.headers = {{"Content-Type", "application/pem-certificate-chain"}, {"Replay-Nonce", "d"}};
  response.body = chain;
  http_.When("POST", kCertUrl, response);
  auto pem = client_.DownloadCertificate(kCertUrl);
  ASSERT_TRUE(pem.ok()) << pem.error().message();
  EXPECT_EQ(*pem, chain);
  auto posts = Posts(kCertUrl);
  ASSERT_EQ(posts.size(), 1u);
  bool accept = false;
  for (const http::Header& h : posts[0].headers) {
    if (h.name == "Accept" && h.value == "application/pem-certificate-chain") accept = true;
  }
  EXPECT_TRUE(accept);
  EXPECT_EQ(Decode(posts[0]).payload_b64, "");
}

TEST_F(Rfc8555ClientTest, DownloadRejectsABodyWithoutCertificate) {
  http_.When(
      "POST", kCertUrl,
      WithHeaders(FakeHttpClient::TextResponse(200, "nothing here"), {{"Replay-Nonce", "d"}}));
  auto pem = client_.DownloadCertificate(kCertUrl);
  ASSERT_FALSE(pem.ok());
  EXPECT_EQ(pem.error().code(), core::ErrorCode::kUnavailable);
}

TEST_F(Rfc8555ClientTest, RevokeSendsTheCertificateDerAndReason) {
  http_.When("POST", kRevokeUrl,
             WithHeaders(FakeHttpClient::TextResponse(200, ""), {{"Replay-Nonce", "r"}}));
  const std::string der("\x30\x03\x02\x01\x05", 5);
  ASSERT_TRUE(client_.RevokeCertificate(der, 4).ok());
  nlohmann::json payload = nlohmann::json::parse(Decode(Posts(kRevokeUrl).at(0)).payload);
  EXPECT_EQ(payload.at("certificate"), crypto::Base64UrlEncode(der));
  EXPECT_EQ(payload.at("reason"), 4);
}

TEST_F(Rfc8555ClientTest, AccountThumbprintIsTheKeysRfc7638Thumbprint) {
  auto thumbprint = client_.AccountThumbprint();
  ASSERT_TRUE(thumbprint.ok());
  EXPECT_EQ(*thumbprint, AccountKey().JwkThumbprint());
  EXPECT_EQ(http_.RequestCount(), 0u);
}

TEST_F(Rfc8555ClientTest, ABrokenDirectoryIsUnavailable) {
  http_.Reset();
  http_.When("GET", kDirectoryUrl, FakeHttpClient::JsonResponse(200, R"({"newNonce": "x"})"));
  auto order = client_.NewOrder({"example.com"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable);
}

// A directory whose URLs are not strings threw nlohmann's type_error out of the client
// (json::value with a string default); it is a broken directory like any other.
TEST_F(Rfc8555ClientTest, ADirectoryWithNonStringUrlsIsUnavailableNotAnException) {
  for (const char* body : {R"({"newNonce": 1, "newAccount": "a", "newOrder": "o"})",
                           R"({"newNonce": "n", "newAccount": ["a"], "newOrder": "o"})",
                           R"({"newNonce": "n", "newAccount": "a", "newOrder": {"x": 1}})",
                           R"({"newNonce": "n", "newAccount": "a", "newOrder": "o", "revokeCert": null})"}) {
    http_.Reset();
    http_.When("GET", kDirectoryUrl, FakeHttpClient::JsonResponse(200, body));
    Rfc8555Client client(http_, AcmeConfig{kDirectoryUrl, ""}, CopyOfAccountKey(), clock_);
    core::Result<Order> order = core::Internal("not called");
    EXPECT_NO_THROW(order = client.NewOrder({"example.com"})) << body;
    if (std::string(body).find("revokeCert") != std::string::npos) continue;  // usable
    ASSERT_FALSE(order.ok()) << body;
    EXPECT_EQ(order.error().code(), core::ErrorCode::kUnavailable) << body;
  }
}


}  // namespace
}  // namespace certadns::acme
