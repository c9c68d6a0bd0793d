#include "core/errors.h"

#include <gtest/gtest.h>

namespace certadns::core::errors {
namespace {

TEST(ErrorsTest, SpecErrorsHaveExactTextCodeAndStatus) {
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
    EXPECT_EQ(c.error.reason(), c.api_code) << c.desc;
  }
}

TEST(ErrorsTest, TheReasonSurvivesAddedContext) {
  Error wrapped = CertificateExists().Wrap("store");
  EXPECT_EQ(wrapped.reason(), "certificate_exists");
  EXPECT_EQ(wrapped.code(), ErrorCode::kAlreadyExists);
}

TEST(ErrorsTest, RequestProblemsAreInvalidRequests) {
  for (const Error& e : {TooManyNames(100, 101), NameTooLong("sans"),
                         NameCoveredByWildcard("app.example.com", "*.example.com")}) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.message();
    EXPECT_EQ(e.reason(), "invalid_request") << e.message();
  }
  EXPECT_EQ(CertificateAuthorityUnavailable().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(CertificateAuthorityUnavailable().reason(), "ca_unavailable");
}

}  // namespace
}  // namespace certadns::core::errors
