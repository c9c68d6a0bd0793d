// LdnsPropagationChecker configuration checks (no network: queries are covered by
// tests/integration/dns_it.cc against a real pdns_server).
#include "dns/ldns/ldns_propagation_checker.h"

#include <gtest/gtest.h>

namespace certadns::dns::ldns {
namespace {

TEST(LdnsPropagationCheckerTest, AcceptsIpLiteralsWithOptionalPort) {
  const std::string_view valid[] = {"127.0.0.1:5300", "[::1]:5300",    "127.0.0.1",   "::1",
                                    "[::1]",          "192.0.2.53:53", "2001:db8::53"};
  for (std::string_view spec : valid) {
    SCOPED_TRACE(spec);
    EXPECT_TRUE(LdnsPropagationChecker::ValidateNameservers({std::string(spec)}).ok());
  }
}

TEST(LdnsPropagationCheckerTest, RefusesHostNamesAndMalformedEntries) {
  struct Case {
    std::string_view desc;
    std::string spec;
  };
  const Case cases[] = {
      {"host name", "ns1.example.com"},       {"host name with port", "localhost:53"},
      {"empty port", "127.0.0.1:"},           {"port zero", "127.0.0.1:0"},
      {"port too large", "127.0.0.1:65536"},  {"port not a number", "127.0.0.1:dns"},
      {"unclosed bracket", "[::1:5300"},      {"junk after bracket", "[::1]5300"},
      {"ipv4 in brackets", "[127.0.0.1]:53"}, {"empty", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    const core::Status status = LdnsPropagationChecker::ValidateNameservers({c.spec});
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

TEST(LdnsPropagationCheckerTest, MisconfiguredCheckerAnswersInvalidArgumentWithoutQuerying) {
  LdnsPropagationChecker no_nameservers({});
  core::Result<bool> served = no_nameservers.IsServed("_acme-challenge.example.com", {"v"});
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.error().code(), core::ErrorCode::kInvalidArgument);

  LdnsPropagationChecker host_name({"127.0.0.1:5300", "ns1.example.com"});
  served = host_name.IsServed("_acme-challenge.example.com", {"v"});
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.error().code(), core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace certadns::dns::ldns
