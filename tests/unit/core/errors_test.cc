#include "core/errors.h"

#include <gtest/gtest.h>

namespace certadns::core::errors {
namespace {

// The spec's texts, codes and statuses are checked once, with the HTTP mapping, in
// tests/unit/api/error_mapping_test.cc.

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
