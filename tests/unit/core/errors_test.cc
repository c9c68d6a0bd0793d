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
  // SQLite's words stay in the message (the log); the client's detail is the fixed sentence.
  const Error full = StorageUnwritable("step: database or disk is full");
  EXPECT_EQ(full.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(full.reason(), "storage_unwritable");
  EXPECT_EQ(ServerErrorDetail(full),
            "The service's storage is full or cannot be written, try again later");
}

}  // namespace
}  // namespace certadns::core::errors
