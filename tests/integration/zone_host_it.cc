// PowerDnsZoneHost against the devstack's own PowerDNS: a verified zone is created with the
// account's NS set; a zone PowerDNS holds already is adopted (NS set replaced, any
// `_certadns-verify` record removed, so our own copy never counts as proof of control); a
// withdrawn zone is gone, and withdrawing it again is harmless. Skipped without the stack
// env (failed instead when CERTADNS_REQUIRE_STACK=1).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dns/powerdns/powerdns_client.h"
#include "dns/powerdns/powerdns_zone_host.h"
#include "http/curl_http_client.h"
#include "tests/support/stack_env.h"

namespace certadns {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string RandomHex(int length) {
  std::random_device device;
  std::mt19937_64 rng(device());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < length; ++i) hex += kHex[rng() % 16];
  return hex;
}

class ZoneHostIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_STACK(stack);
    dns::powerdns::PowerDnsConfig config{
        stack.pdns_api_url, stack.pdns_api_key,
        stack.pdns_server_id.empty() ? "localhost" : stack.pdns_server_id};
    http_ = std::make_unique<http::CurlHttpClient>(http::CurlHttpClientOptions{});
    client_ = std::make_unique<dns::powerdns::PowerDnsClient>(*http_, config);
    host_ = std::make_unique<dns::powerdns::PowerDnsZoneHost>(*http_, config);
    zone_ = "host-" + RandomHex(10) + ".test";
    account_ns_ = {"a1.ns1.certadns.test", "a1.ns2.certadns.test"};
  }

  void TearDown() override {
    if (client_) (void)client_->DeleteZone(zone_);
  }

  std::vector<std::string> Contents(const std::string& name, const std::string& type) {
    auto rrset = client_->GetRrset(zone_, name, type);
    EXPECT_TRUE(rrset.ok()) << rrset.error().message();
    std::vector<std::string> contents;
    if (rrset.ok()) {
      for (const auto& record : rrset->records) contents.push_back(record.content);
    }
    return contents;
  }

  std::unique_ptr<http::CurlHttpClient> http_;
  std::unique_ptr<dns::powerdns::PowerDnsClient> client_;
  std::unique_ptr<dns::powerdns::PowerDnsZoneHost> host_;
  std::string zone_;
  std::vector<std::string> account_ns_;
};

TEST_F(ZoneHostIntegrationTest, HostCreatesTheZoneWithTheAccountsNameservers) {
  ASSERT_TRUE(host_->Host(zone_, account_ns_).ok());
  auto exists = client_->ZoneExists(zone_);
  ASSERT_TRUE(exists.ok()) << exists.error().message();
  EXPECT_TRUE(*exists);
  EXPECT_THAT(Contents(zone_, "NS"),
              UnorderedElementsAre("a1.ns1.certadns.test.", "a1.ns2.certadns.test."));
}

TEST_F(ZoneHostIntegrationTest, AdoptingAnExistingZoneDropsItsVerificationRecordAndNsSet) {
  ASSERT_TRUE(client_->CreateZone(zone_, {"ns1.someone-else.test"}).ok());
  const std::string txt = "_certadns-verify." + zone_;
  ASSERT_TRUE(
      client_->ReplaceRrset(zone_, txt, "TXT", 60, {{"\"certadns-verify=x\"", false}}).ok());
  ASSERT_TRUE(client_->ReplaceRrset(zone_, "www." + zone_, "A", 60, {{"192.0.2.1", false}}).ok());

  ASSERT_TRUE(host_->Host(zone_, account_ns_).ok());
  EXPECT_THAT(Contents(zone_, "NS"),
              UnorderedElementsAre("a1.ns1.certadns.test.", "a1.ns2.certadns.test."));
  EXPECT_THAT(Contents(txt, "TXT"), IsEmpty());
  EXPECT_THAT(Contents("www." + zone_, "A"), UnorderedElementsAre("192.0.2.1"));
}

TEST_F(ZoneHostIntegrationTest, WithdrawDeletesTheZoneAndIsIdempotent) {
  ASSERT_TRUE(host_->Host(zone_, account_ns_).ok());
  ASSERT_TRUE(host_->Withdraw(zone_).ok());
  auto exists = client_->ZoneExists(zone_);
  ASSERT_TRUE(exists.ok()) << exists.error().message();
  EXPECT_FALSE(*exists);
  EXPECT_TRUE(host_->Withdraw(zone_).ok());
}

}  // namespace
}  // namespace certadns
