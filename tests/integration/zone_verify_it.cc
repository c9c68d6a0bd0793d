// LdnsZoneVerifier against the devstack's "world" PowerDNS, which stands for the public
// internet's DNS: parent zones and users' current DNS providers. Each test arranges what the
// world sees through the world's API (PowerDnsClient), in zones p<hex>.test / shop.p<hex>.test
// of its own, deleted at the end. Needs WORLD_PDNS_API_URL, WORLD_PDNS_API_KEY and
// CERTADNS_ZONES_VERIFY_RESOLVERS (scripts/devstack.sh up; source $STACK_DIR/env): skipped
// without them, failed instead when CERTADNS_REQUIRE_STACK=1.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dns/ldns/ldns_zone_verifier.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "tests/support/stack_env.h"

namespace certadns {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Given in mixed case and with/without trailing dots: the comparison must not care.
const std::vector<std::string> kOurNameservers = {"NS1.certadns.test.", "ns2.CERTADNS.test"};
constexpr char kOursShown[] = "ns1.certadns.test, ns2.certadns.test";

std::string RandomHex(int length) {
  std::random_device device;
  std::mt19937_64 rng(device());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < length; ++i) hex += kHex[rng() % 16];
  return hex;
}

// A loopback UDP port nothing listens on (bound, then released).
uint16_t ClosedLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 9;  // discard: not served on a test box
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof(addr);
  uint16_t port = 9;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class ZoneVerifyIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_STACK(stack);
    if (stack.world_pdns_api_url.empty() || stack.world_pdns_api_key.empty() ||
        stack.zones_verify_resolvers.empty()) {
      constexpr char kMissing[] =
          "WORLD_PDNS_API_URL, WORLD_PDNS_API_KEY and CERTADNS_ZONES_VERIFY_RESOLVERS are "
          "required (scripts/devstack.sh up; source $STACK_DIR/env)";
      if (test::StackRequired()) FAIL() << kMissing;
      GTEST_SKIP() << kMissing;
    }
    resolvers_ = stack.zones_verify_resolvers;
    http_ = std::make_unique<http::CurlHttpClient>(http::CurlHttpClientOptions{});
    world_ = std::make_unique<dns::powerdns::PowerDnsClient>(
        *http_, dns::powerdns::PowerDnsConfig{stack.world_pdns_api_url, stack.world_pdns_api_key,
                                              "localhost"});
    verifier_ = std::make_unique<dns::ldns::LdnsZoneVerifier>(resolvers_);

    const std::string hex = RandomHex(12);
    parent_ = "p" + hex + ".test";
    child_ = "shop." + parent_;
    txt_name_ = "_certadns-verify." + child_;
    token_ = "certadns-" + RandomHex(32);
    provider_ns_ = {"dns1.provider-" + hex + ".test", "dns2.provider-" + hex + ".test"};
    provider_shown_ = provider_ns_[0] + ", " + provider_ns_[1];
  }

  void TearDown() override {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      const core::Status deleted = world_->DeleteZone(*it);
      EXPECT_TRUE(deleted.ok()) << deleted.error().message();
    }
  }

  // A zone in the world, with an SOA and the NS set `nameservers`; deleted in TearDown.
  void CreateWorldZone(const std::string& zone, const std::vector<std::string>& nameservers) {
    const core::Status created = world_->CreateZone(zone, nameservers);
    ASSERT_TRUE(created.ok()) << created.error().message();
    created_.push_back(zone);
  }

  // In the world zone `zone`: `name` NS `nameservers` (a delegation when name != zone).
  void SetNs(const std::string& zone, const std::string& name,
             const std::vector<std::string>& nameservers) {
    std::vector<dns::powerdns::Record> records;
    for (const std::string& ns : nameservers) records.push_back({ns + ".", false});
    const core::Status replaced = world_->ReplaceRrset(zone, name, "NS", 300, records);
    ASSERT_TRUE(replaced.ok()) << replaced.error().message();
  }

  void SetTxt(const std::string& zone, const std::string& name,
              const std::vector<std::string>& values) {
    std::vector<dns::powerdns::Record> records;
    for (const std::string& value : values) records.push_back({"\"" + value + "\"", false});
    const core::Status replaced = world_->ReplaceRrset(zone, name, "TXT", 60, records);
    ASSERT_TRUE(replaced.ok()) << replaced.error().message();
  }

  // The user's current provider hosts the child zone; the parent delegates it there.
  void HostChildAtProvider() {
    CreateWorldZone(parent_, {"a.ns." + parent_});
    SetNs(parent_, child_, provider_ns_);
    CreateWorldZone(child_, provider_ns_);
  }

  dns::ZoneVerification VerifyOk(const std::string& zone) {
    core::Result<dns::ZoneVerification> result = verifier_->Verify(zone, kOurNameservers, token_);
    EXPECT_TRUE(result.ok()) << result.error().message();
    if (!result.ok()) return {};
    return *result;
  }

  std::vector<std::string> resolvers_;
  std::unique_ptr<http::CurlHttpClient> http_;
  std::unique_ptr<dns::powerdns::PowerDnsClient> world_;
  std::unique_ptr<dns::ldns::LdnsZoneVerifier> verifier_;
  std::vector<std::string> created_;
  std::string parent_, child_, txt_name_, token_;
  std::vector<std::string> provider_ns_;
  std::string provider_shown_;
};

// (a) The parent delegates the child to us: the referral (AUTHORITY section) verifies it.
TEST_F(ZoneVerifyIntegrationTest, DelegationToOurNameserversVerifies) {
  CreateWorldZone(parent_, {"a.ns." + parent_});
  SetNs(parent_, child_, {"ns1.certadns.test", "ns2.certadns.test"});

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_TRUE(v.verified) << v.detail;
  EXPECT_EQ(v.method, "delegation");
  EXPECT_EQ(v.detail, child_ + " is delegated to " + kOursShown);

  // The zone name may be given in any case, with a trailing dot.
  const dns::ZoneVerification upper = VerifyOk("SHOP." + parent_ + ".");
  EXPECT_TRUE(upper.verified) << upper.detail;
  EXPECT_EQ(upper.method, "delegation");
}

// A zone the world hosts itself with our NS set (NS in the ANSWER section) verifies too.
TEST_F(ZoneVerifyIntegrationTest, HostedZoneWithOurNsSetVerifies) {
  CreateWorldZone(child_, {"ns1.certadns.test", "ns2.certadns.test"});

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_TRUE(v.verified) << v.detail;
  EXPECT_EQ(v.method, "delegation");
}

// (b) Delegated elsewhere: not verified, and the detail names both NS sets.
TEST_F(ZoneVerifyIntegrationTest, DelegationElsewhereIsNotVerified) {
  CreateWorldZone(parent_, {"a.ns." + parent_});
  SetNs(parent_, child_, provider_ns_);

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_FALSE(v.verified);
  EXPECT_THAT(v.method, IsEmpty());
  EXPECT_THAT(v.detail, HasSubstr(child_ + " is delegated to " + provider_shown_ + "; expected " +
                                  kOursShown));
  EXPECT_THAT(v.detail, HasSubstr("no TXT record " + txt_name_));
}

// Half of the NS set being ours is not enough.
TEST_F(ZoneVerifyIntegrationTest, PartlyOurNameserversIsNotVerified) {
  CreateWorldZone(parent_, {"a.ns." + parent_});
  SetNs(parent_, child_, {"ns1.certadns.test", provider_ns_[0]});

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_FALSE(v.verified);
  EXPECT_THAT(v.detail, HasSubstr(child_ + " is delegated to " + provider_ns_[0] +
                                  ", ns1.certadns.test; expected " + kOursShown));
}

// (c) Still at the user's current provider, which serves the verification TXT record.
TEST_F(ZoneVerifyIntegrationTest, VerificationTxtRecordVerifies) {
  HostChildAtProvider();
  SetTxt(child_, txt_name_, {"v=unrelated", token_});

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_TRUE(v.verified) << v.detail;
  EXPECT_EQ(v.method, "txt");
  EXPECT_THAT(v.detail, HasSubstr(txt_name_));
}

// (d) A TXT record with another token does not verify.
TEST_F(ZoneVerifyIntegrationTest, TxtRecordWithAnotherTokenIsNotVerified) {
  HostChildAtProvider();
  const std::string other = "certadns-" + RandomHex(32);
  SetTxt(child_, txt_name_, {other});

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_FALSE(v.verified);
  EXPECT_THAT(v.method, IsEmpty());
  EXPECT_THAT(v.detail, AllOf(HasSubstr("TXT record " + txt_name_ +
                                        " does not contain the verification token"),
                              HasSubstr(other), Not(HasSubstr(token_)),
                              HasSubstr(child_ + " is delegated to " + provider_shown_)));
}

// (e) Nothing at all: the parent exists, the child does not (NXDOMAIN).
TEST_F(ZoneVerifyIntegrationTest, NonexistentZoneIsNotVerified) {
  CreateWorldZone(parent_, {"a.ns." + parent_});

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_FALSE(v.verified);
  EXPECT_THAT(v.method, IsEmpty());
  EXPECT_EQ(v.detail, child_ + " does not exist in public DNS; expected " + kOursShown +
                          "; no TXT record " + txt_name_);
}

// (f) No resolver answers: kUnavailable, not a verdict.
TEST_F(ZoneVerifyIntegrationTest, SilentResolverIsUnavailable) {
  const std::string closed = "127.0.0.1:" + std::to_string(ClosedLoopbackPort());
  dns::ldns::LdnsZoneVerifier silent({closed}, std::chrono::milliseconds(200));

  const auto started = std::chrono::steady_clock::now();
  core::Result<dns::ZoneVerification> result = silent.Verify(child_, kOurNameservers, token_);
  ASSERT_FALSE(result.ok()) << result->detail;
  EXPECT_EQ(result.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_THAT(result.error().message(), HasSubstr(closed));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// A silent first resolver is skipped in favour of the next one.
TEST_F(ZoneVerifyIntegrationTest, FallsBackToTheNextResolver) {
  CreateWorldZone(parent_, {"a.ns." + parent_});
  SetNs(parent_, child_, {"ns1.certadns.test", "ns2.certadns.test"});
  std::vector<std::string> resolvers = {"127.0.0.1:" + std::to_string(ClosedLoopbackPort())};
  resolvers.insert(resolvers.end(), resolvers_.begin(), resolvers_.end());
  dns::ldns::LdnsZoneVerifier verifier(resolvers, std::chrono::milliseconds(200));

  core::Result<dns::ZoneVerification> result = verifier.Verify(child_, kOurNameservers, token_);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->verified) << result->detail;
  EXPECT_EQ(result->method, "delegation");
}

// The domain changed hands: the parent now delegates it to account B's names, while our own
// PowerDNS still serves the zone for account A (its NS set: A's names). Resolvers that reach
// our copy (here our PowerDNS comes first, as a recursive resolver following the delegation
// would) report A's names; the parent's own servers, asked without recursion, say B's.
// Only the parent counts: A's proof is gone, B's holds.
TEST_F(ZoneVerifyIntegrationTest, TheParentsDelegationWinsOverOurOwnCopyOfTheZone) {
  REQUIRE_STACK(stack);
  ASSERT_FALSE(stack.nameservers.empty());
  const std::string world_spec = resolvers_.front();
  const uint16_t world_port =
      static_cast<uint16_t>(std::stoi(world_spec.substr(world_spec.rfind(':') + 1)));
  const std::vector<std::string> a_names = {"a1.ns1.certadns.test", "a1.ns2.certadns.test"};
  const std::vector<std::string> b_names = {"b2.ns1.certadns.test", "b2.ns2.certadns.test"};

  CreateWorldZone(parent_, {"a.ns." + parent_});
  const core::Status glue =
      world_->ReplaceRrset(parent_, "a.ns." + parent_, "A", 300, {{"127.0.0.1", false}});
  ASSERT_TRUE(glue.ok()) << glue.error().message();
  SetNs(parent_, child_, b_names);

  dns::powerdns::PowerDnsClient ours(
      *http_, dns::powerdns::PowerDnsConfig{
                  stack.pdns_api_url, stack.pdns_api_key,
                  stack.pdns_server_id.empty() ? "localhost" : stack.pdns_server_id});
  const core::Status copy = ours.CreateZone(child_, a_names);
  ASSERT_TRUE(copy.ok()) << copy.error().message();
  struct DeleteOurCopy {
    dns::powerdns::PowerDnsClient& client;
    std::string zone;
    ~DeleteOurCopy() { (void)client.DeleteZone(zone); }
  } delete_copy{ours, child_};

  dns::ldns::LdnsZoneVerifier verifier({stack.nameservers.front(), world_spec},
                                       std::chrono::seconds(1), world_port);
  core::Result<dns::ZoneVerification> a = verifier.Verify(child_, a_names, token_);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_FALSE(a->verified) << a->detail;
  EXPECT_THAT(a->detail, HasSubstr(child_ + " is delegated to b2.ns1.certadns.test, "
                                            "b2.ns2.certadns.test"));

  core::Result<dns::ZoneVerification> b = verifier.Verify(child_, b_names, token_);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_TRUE(b->verified) << b->detail;
  EXPECT_EQ(b->method, "delegation");
}

// TXT values are anyone's bytes: the detail (shown in API answers and stored in certificate
// logs by the re-check) shows them escaped, ASCII only, never as raw bytes.
TEST_F(ZoneVerifyIntegrationTest, OddBytesInAFoundTxtValueAreShownEscaped) {
  HostChildAtProvider();
  std::vector<dns::powerdns::Record> records = {{"\"bad\\255\\000\\010x\"", false}};
  const core::Status replaced = world_->ReplaceRrset(child_, txt_name_, "TXT", 60, records);
  ASSERT_TRUE(replaced.ok()) << replaced.error().message();

  const dns::ZoneVerification v = VerifyOk(child_);
  EXPECT_FALSE(v.verified);
  EXPECT_THAT(v.detail, HasSubstr("\"bad\\xff\\x00\\x0ax\""));
  for (const char c : v.detail) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << static_cast<int>(c) << " in " << v.detail;
  }
}

TEST_F(ZoneVerifyIntegrationTest, MalformedInputIsInvalidArgument) {
  dns::ldns::LdnsZoneVerifier host_name({"resolver.example.net"});
  core::Result<dns::ZoneVerification> result = host_name.Verify(child_, kOurNameservers, token_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::ErrorCode::kInvalidArgument);

  result = verifier_->Verify("", kOurNameservers, token_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::ErrorCode::kInvalidArgument);

  result = verifier_->Verify("bad..name", kOurNameservers, token_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace certadns
