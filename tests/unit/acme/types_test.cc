// RFC 8555 wire objects: problem documents (§6.7), orders (§7.1.3) and the ErrorCode a
// problem stands for.
#include "acme/types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace certadns::acme {
namespace {

using ::testing::HasSubstr;

nlohmann::json Json(const char* text) { return nlohmann::json::parse(text); }

TEST(ProblemTest, ParsesTypeDetailStatusAndSubproblems) {
  auto problem = ParseProblem(Json(R"({
    "type": "urn:ietf:params:acme:error:rejectedIdentifier",
    "detail": "Some identifiers were rejected",
    "status": 400,
    "subproblems": [
      {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "forbidden name",
       "identifier": {"type": "dns", "value": "bad.example.com"}},
      {"type": "urn:ietf:params:acme:error:caa", "detail": "CAA forbids issuance",
       "identifier": {"type": "dns", "value": "*.example.com"}},
      "not an object"
    ]})"));
  ASSERT_TRUE(problem.ok());
  EXPECT_EQ(problem->type, "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_EQ(problem->ShortType(), "rejectedIdentifier");
  EXPECT_EQ(problem->detail, "Some identifiers were rejected");
  EXPECT_EQ(problem->status, 400);
  ASSERT_EQ(problem->subproblems.size(), 2u);
  EXPECT_EQ(problem->subproblems[1].identifier, "*.example.com");
  EXPECT_EQ(problem->subproblems[1].type, "urn:ietf:params:acme:error:caa");
}

TEST(ProblemTest, DescribeNamesEverySubproblemWithItsIdentifier) {
  auto problem = ParseProblem(Json(R"({
    "type": "urn:ietf:params:acme:error:rejectedIdentifier",
    "detail": "Some identifiers were rejected", "status": 400,
    "subproblems": [
      {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "forbidden name",
       "identifier": {"type": "dns", "value": "bad.example.com"}},
      {"type": "urn:ietf:params:acme:error:caa", "detail": "CAA forbids issuance",
       "identifier": {"type": "dns", "value": "*.example.com"}}]})"));
  ASSERT_TRUE(problem.ok());
  EXPECT_EQ(problem->Describe(),
            "rejectedIdentifier: Some identifiers were rejected (status 400); "
            "bad.example.com: rejectedIdentifier: forbidden name; "
            "*.example.com: caa: CAA forbids issuance");
}

TEST(ProblemTest, DescribeCopesWithMissingParts) {
  struct Case {
    std::string_view desc;
    const char* json;
    std::string want;
  };
  const Case cases[] = {
      {"empty object", "{}", "problem"},
      {"type only", R"({"type": "urn:ietf:params:acme:error:badNonce"})", "badNonce"},
      {"non-ACME type is kept whole", R"({"type": "about:blank", "detail": "x"})",
       "about:blank: x"},
      {"subproblem without identifier",
       R"({"type": "urn:ietf:params:acme:error:malformed",
           "subproblems": [{"type": "urn:ietf:params:acme:error:dns"}]})",
       "malformed; dns"},
      {"status of the wrong type is ignored", R"({"type": "t", "status": "400"})", "t"},
  };
  for (const Case& c : cases) {
    auto problem = ParseProblem(Json(c.json));
    ASSERT_TRUE(problem.ok()) << c.desc;
    EXPECT_EQ(problem->Describe(), c.want) << c.desc;
  }
}

TEST(ProblemTest, RejectsADocumentThatIsNotAnObject) {
  auto problem = ParseProblem(Json(R"(["urn:ietf:params:acme:error:malformed"])"));
  ASSERT_FALSE(problem.ok());
  EXPECT_EQ(problem.error().code(), core::ErrorCode::kInvalidArgument);
}

TEST(ProblemToErrorTest, MapsProblemTypesToErrorCodes) {
  struct Case {
    std::string_view desc;
    std::string type;
    long status;
    core::ErrorCode want;
  };
  const std::string p = "urn:ietf:params:acme:error:";
  const Case cases[] = {
      {"rate limit", p + "rateLimited", 429, core::ErrorCode::kResourceExhausted},
      {"unauthorized", p + "unauthorized", 403, core::ErrorCode::kPermissionDenied},
      {"server internal", p + "serverInternal", 500, core::ErrorCode::kUnavailable},
      {"unknown 5xx", p + "somethingNew", 503, core::ErrorCode::kUnavailable},
      {"malformed", p + "malformed", 400, core::ErrorCode::kInvalidArgument},
      {"rejected identifier", p + "rejectedIdentifier", 400, core::ErrorCode::kInvalidArgument},
      {"bad CSR", p + "badCSR", 400, core::ErrorCode::kInvalidArgument},
      {"CAA", p + "caa", 403, core::ErrorCode::kFailedPrecondition},
      {"order not ready", p + "orderNotReady", 403, core::ErrorCode::kFailedPrecondition},
  };
  for (const Case& c : cases) {
    Problem problem{c.type, "detail text", c.status, {}};
    core::Error error = ProblemToError(problem, std::nullopt);
    EXPECT_EQ(error.code(), c.want) << c.desc;
    EXPECT_EQ(error.message(), problem.Describe()) << c.desc;
    EXPECT_FALSE(error.retry_after_s().has_value()) << c.desc;
  }
}

TEST(ProblemToErrorTest, RateLimitCarriesRetryAfter) {
  Problem problem{"urn:ietf:params:acme:error:rateLimited", "too many certificates", 429, {}};
  core::Error error = ProblemToError(problem, 3600);
  EXPECT_EQ(error.code(), core::ErrorCode::kResourceExhausted);
  ASSERT_TRUE(error.retry_after_s().has_value());
  EXPECT_EQ(*error.retry_after_s(), 3600);
  EXPECT_THAT(error.message(), HasSubstr("too many certificates"));
}

TEST(OrderTest, ParsesEveryField) {
  auto order = ParseOrder(Json(R"({
    "status": "invalid",
    "expires": "2026-01-20T00:00:00Z",
    "identifiers": [{"type": "dns", "value": "example.com"}],
    "authorizations": ["https://ca/authz/1", "https://ca/authz/2", 7],
    "finalize": "https://ca/order/1/finalize",
    "certificate": "https://ca/cert/1",
    "error": {"type": "urn:ietf:params:acme:error:unauthorized", "detail": "no"}})"));
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->status, "invalid");
  EXPECT_EQ(order->authorizations,
            (std::vector<std::string>{"https://ca/authz/1", "https://ca/authz/2"}));
  EXPECT_EQ(order->finalize, "https://ca/order/1/finalize");
  EXPECT_EQ(order->certificate, "https://ca/cert/1");
  ASSERT_TRUE(order->error.has_value());
  EXPECT_EQ(order->error->ShortType(), "unauthorized");
  EXPECT_TRUE(order->url.empty());  // the URL comes from the Location header, not the body
}

TEST(OrderTest, RejectsAnOrderWithoutStatusOrFinalize) {
  EXPECT_FALSE(ParseOrder(Json(R"({"finalize": "https://ca/f"})")).ok());
  EXPECT_FALSE(ParseOrder(Json(R"({"status": "pending"})")).ok());
  EXPECT_FALSE(ParseOrder(Json("42")).ok());
}

TEST(DirectoryTest, ParsesTheUrlsAndIgnoresTheRest) {
  auto d = ParseDirectory(Json(R"({"newNonce": "https://ca/n", "newAccount": "https://ca/a",
    "newOrder": "https://ca/o", "revokeCert": "https://ca/r", "meta": {"website": "x"},
    "keyChange": "https://ca/k"})"));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->new_nonce, "https://ca/n");
  EXPECT_EQ(d->new_account, "https://ca/a");
  EXPECT_EQ(d->new_order, "https://ca/o");
  EXPECT_EQ(d->revoke_cert, "https://ca/r");
  auto no_revoke = ParseDirectory(Json(R"({"newNonce": "n", "newAccount": "a", "newOrder": "o",
    "revokeCert": null})"));
  ASSERT_TRUE(no_revoke.ok());
  EXPECT_EQ(no_revoke->revoke_cert, "");
}

// RFC 8555 §7.1.1: meta.caaIdentities, the names CAA records must carry for this CA (the
// pre-flight CAA check's default).
TEST(DirectoryTest, ReadsCaaIdentitiesFromMeta) {
  auto d = ParseDirectory(Json(R"({"newNonce": "n", "newAccount": "a", "newOrder": "o",
    "meta": {"caaIdentities": ["letsencrypt.org", 7, "", "example.net"]}})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->caa_identities, (std::vector<std::string>{"letsencrypt.org", "example.net"}));
  auto none = ParseDirectory(Json(R"({"newNonce": "n", "newAccount": "a", "newOrder": "o",
    "meta": {"caaIdentities": "letsencrypt.org"}})"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->caa_identities.empty());
}

TEST(DirectoryTest, RejectsMissingOrNonStringUrls) {
  for (const char* text : {R"({"newNonce": "n", "newAccount": "a"})",
                           R"({"newNonce": 1, "newAccount": "a", "newOrder": "o"})",
                           R"({"newNonce": "n", "newAccount": ["a"], "newOrder": "o"})",
                           R"({"newNonce": "", "newAccount": "a", "newOrder": "o"})", "42", "null"}) {
    auto d = ParseDirectory(Json(text));
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.error().code(), core::ErrorCode::kInvalidArgument) << text;
  }
}

TEST(AuthorizationTest, ParsesWildcardAndFindsTheDnsChallenge) {
  auto authz = ParseAuthorization(Json(R"({
    "status": "pending", "wildcard": true,
    "identifier": {"type": "dns", "value": "example.com"},
    "challenges": [
      {"type": "http-01", "url": "https://ca/chall/1", "token": "a", "status": "pending"},
      {"type": "dns-01", "url": "https://ca/chall/2", "token": "b", "status": "pending"},
      {"type": "broken"}]})"));
  ASSERT_TRUE(authz.ok());
  EXPECT_EQ(authz->identifier, "example.com");
  EXPECT_TRUE(authz->wildcard);
  EXPECT_EQ(authz->challenges.size(), 2u);
  const Challenge* dns = authz->FindChallenge("dns-01");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->token, "b");
  EXPECT_EQ(authz->FindChallenge("tls-alpn-01"), nullptr);
}

TEST(ChallengeTest, KeepsTheValidationError) {
  auto challenge = ParseChallenge(Json(R"({
    "type": "dns-01", "url": "https://ca/chall/2", "token": "b", "status": "invalid",
    "error": {"type": "urn:ietf:params:acme:error:dns", "detail": "NXDOMAIN", "status": 400}})"));
  ASSERT_TRUE(challenge.ok());
  ASSERT_TRUE(challenge->error.has_value());
  EXPECT_EQ(challenge->error->Describe(), "dns: NXDOMAIN (status 400)");
}

}  // namespace
}  // namespace certadns::acme
