// FakeDnsProvider keeps the DnsProvider contract, so tests built on it mean something.
#include "support/fake_dns_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certadns::test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FakeDnsProviderTest, PresentAndCleanUpTouchOnlyTheirValue) {
  FakeDnsProvider dns;
  dns.AddForeignValue("_acme-challenge.example.com", "foreign");
  ASSERT_TRUE(dns.Present({"example.com", "_acme-challenge.example.com", "ours"}).ok());
  ASSERT_TRUE(dns.Present({"example.com", "_acme-challenge.example.com.", "ours"}).ok());
  EXPECT_THAT(dns.Values("_acme-challenge.example.com"), ElementsAre("foreign", "ours"));
  EXPECT_EQ(dns.IsServed("_acme-challenge.example.com", {"ours", "foreign"}).value(), true);

  ASSERT_TRUE(dns.CleanUp({"example.com", "_acme-challenge.example.com", "ours"}).ok());
  EXPECT_THAT(dns.Values("_acme-challenge.example.com"), ElementsAre("foreign"));
  EXPECT_EQ(dns.IsServed("_acme-challenge.example.com", {"ours"}).value(), false);
  EXPECT_EQ(dns.CallCount(FakeDnsProvider::Call::Kind::kPresent), 2u);
}

TEST(FakeDnsProviderTest, UnhostedZoneAndInjectedFailures) {
  FakeDnsProvider dns;
  dns.SetHostedZones({"example.com"});
  EXPECT_EQ(dns.Present({"other.org", "_acme-challenge.other.org", "v"}).error().code(),
            core::ErrorCode::kNotFound);
  dns.FailNext(core::Unavailable("down"));
  EXPECT_EQ(dns.Present({"example.com", "_acme-challenge.example.com", "v"}).error().code(),
            core::ErrorCode::kUnavailable);
  EXPECT_THAT(dns.Values("_acme-challenge.example.com"), IsEmpty());
  dns.SetServing(false);
  ASSERT_TRUE(dns.Present({"example.com", "_acme-challenge.example.com", "v"}).ok());
  EXPECT_EQ(dns.IsServed("_acme-challenge.example.com", {"v"}).value(), false);
}

}  // namespace
}  // namespace certadns::test
