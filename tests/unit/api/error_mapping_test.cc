// The API error mapping: status and code for every error, stable 5xx details.
#include "api/error_mapping.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace certadns::api {

using core::Error;
using core::ErrorCode;
using namespace core::errors;  // NOLINT: the factories under test
namespace {

TEST(ErrorMappingTest, SpecErrorsHaveExactTextCodeAndStatus) {
  struct Case {
    std::string_view desc;
    Error error;
    ErrorCode code;
    std::string_view message;
    std::string_view api_code;
    int http_status;
  };
  // The spec's section 10 texts, copied here once on purpose: this is the acceptance check.
  const Case cases[] = {
      {"paid plan", PaidPlanRequired(), ErrorCode::kPermissionDenied,
       "Certificate management requires paid subscription", "paid_plan_required", 403},
      {"limit", CertificateLimitReached(), ErrorCode::kPermissionDenied,
       "Certificate limit reached for plan", "certificate_limit_reached", 403},
      {"wildcard", WildcardRequiresElite(), ErrorCode::kPermissionDenied,
       "Wildcard certificates require Elite plan", "wildcard_requires_elite", 403},
      {"auto-renew", AutoRenewRequiresPro(), ErrorCode::kPermissionDenied,
       "Auto-renewal requires Pro or Elite plan", "auto_renew_requires_pro", 403},
      {"exists", CertificateExists(), ErrorCode::kAlreadyExists,
       "Certificate already exists for domain", "certificate_exists", 409},
      {"not under zone", DomainNotUnderZone(), ErrorCode::kInvalidArgument, "Domain not under zone",
       "domain_not_under_zone", 400},
      {"zone not found", ZoneNotFound(), ErrorCode::kNotFound, "Zone not found or no permission",
       "zone_not_found", 404},
      {"certificate not found", CertificateNotFound(), ErrorCode::kNotFound,
       "Certificate not found", "certificate_not_found", 404},
      {"invalid request", InvalidRequest("sans must be a list"), ErrorCode::kInvalidArgument,
       "sans must be a list", "invalid_request", 400},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.error.code(), c.code) << c.desc;
    EXPECT_EQ(c.error.message(), c.message) << c.desc;
    EXPECT_EQ(ApiCode(c.error), c.api_code) << c.desc;
    EXPECT_EQ(HttpStatus(c.error), c.http_status) << c.desc;
  }
}

TEST(ErrorMappingTest, DashboardContractErrorsHaveExactTextCodeAndStatus) {
  struct Case {
    Error error;
    std::string_view message;
    std::string_view api_code;
    int http_status;
  };
  // The UI contract's texts (tests/browser select by them), copied here once on purpose.
  const Case cases[] = {
      {ApiKeysRequirePaidPlan(), "API keys require a paid plan (Plus, Pro or Elite)",
       "paid_plan_required", 403},
      {WrongPassword(), "Current password is incorrect", "wrong_password", 403},
      {NewPasswordTooShort(10), "New password must be at least 10 characters", "invalid_request",
       400},
      {ZoneHasCertificates(), "Zone has certificates; delete them first", "zone_has_certificates",
       409},
      {ApiKeyNotFound(), "API key not found", "api_key_not_found", 404},
      {ApiKeyLimitReached(20), "An account can have at most 20 active API keys; revoke one first",
       "api_key_limit_reached", 409},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.error.message(), c.message);
    EXPECT_EQ(ApiCode(c.error), c.api_code) << c.message;
    EXPECT_EQ(HttpStatus(c.error), c.http_status) << c.message;
  }
  EXPECT_EQ(ApiCode(PasswordChangeNeedsSession()), "session_required");
  EXPECT_EQ(HttpStatus(PasswordChangeNeedsSession()), 403);
}

TEST(ErrorMappingTest, OtherErrorsGetGenericCodeAndStatus) {
  struct Case {
    std::string_view desc;
    ErrorCode code;
    std::string_view api_code;
    int http_status;
  };
  const Case cases[] = {
      {"invalid argument", ErrorCode::kInvalidArgument, "invalid_request", 400},
      {"unauthenticated", ErrorCode::kUnauthenticated, "unauthenticated", 401},
      {"permission denied", ErrorCode::kPermissionDenied, "forbidden", 403},
      {"not found", ErrorCode::kNotFound, "not_found", 404},
      {"already exists", ErrorCode::kAlreadyExists, "conflict", 409},
      {"failed precondition", ErrorCode::kFailedPrecondition, "conflict", 409},
      {"resource exhausted", ErrorCode::kResourceExhausted, "rate_limited", 429},
      {"unavailable", ErrorCode::kUnavailable, "unavailable", 503},
      {"deadline exceeded", ErrorCode::kDeadlineExceeded, "unavailable", 504},
      {"internal", ErrorCode::kInternal, "internal", 500},
  };
  for (const Case& c : cases) {
    Error error(c.code, "something else went wrong");
    EXPECT_EQ(ApiCode(error), c.api_code) << c.desc;
    EXPECT_EQ(HttpStatus(error), c.http_status) << c.desc;
  }
}

TEST(ErrorMappingTest, TheCodeIsTheReasonNotTheText) {
  // The same text with another code is not the spec's error.
  Error same_text_other_code(ErrorCode::kInternal, "Certificate not found");
  EXPECT_EQ(ApiCode(same_text_other_code), "internal");
  // Context added to a spec error keeps its reason.
  EXPECT_EQ(ApiCode(ZoneNotFound().Wrap("store")), "zone_not_found");
}

TEST(ErrorMappingTest, AServerErrorNeverCarriesTheUpstreamsText) {
  const std::string raw = "powerdns: 502 <html>\xff secret-internal-host:8081</html>";
  struct Case {
    std::string_view desc;
    Error error;
    int status;
    std::string_view detail;
  };
  const Case cases[] = {
      {"unavailable", Error(ErrorCode::kUnavailable, raw), 503,
       "The service is temporarily unavailable, try again later"},
      {"deadline", Error(ErrorCode::kDeadlineExceeded, raw), 504,
       "The request took too long, try again later"},
      {"internal", Error(ErrorCode::kInternal, raw), 500, "Internal error"},
      {"the CA", CertificateAuthorityUnavailable(), 503,
       "The certificate authority is unavailable, try again later"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    Reply reply = ErrorReply(c.error);
    EXPECT_EQ(reply.status, c.status);
    EXPECT_EQ(reply.body.value("detail", ""), c.detail);
    EXPECT_NO_THROW((void)reply.body.dump());
  }
}

TEST(ErrorMappingTest, ARetryAfterIsSentWithA429Or503) {
  Error limited(ErrorCode::kResourceExhausted, "slow down");
  limited.WithRetryAfter(30);
  Reply reply = ErrorReply(limited);
  EXPECT_EQ(reply.status, 429);
  ASSERT_EQ(reply.headers.size(), 1u);
  EXPECT_EQ(reply.headers[0].first, "Retry-After");
  EXPECT_EQ(reply.headers[0].second, "30");
}

TEST(ErrorMappingTest, ADetailEchoingInputIsValidUtf8) {
  Reply reply = ErrorReply(InvalidRequest("bad name \"caf\xC3\""));
  EXPECT_EQ(reply.status, 400);
  EXPECT_NO_THROW((void)reply.body.dump());
}

}  // namespace
}  // namespace certadns::api
