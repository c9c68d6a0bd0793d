// Pre-flight checks with a fake DNS: RFC 8659's CAA climb (the first RRset found decides,
// issuewild for wildcards, an unknown critical property forbids), the delegation, and
// CNAMEs shadowing _acme-challenge.
#include "issuance/preflight.h"

#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_zones.h"

namespace certadns::issuance {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// CAA RRsets and CNAMEs by name; records which source each CAA question went to.
class FakePreflightDns final : public dns::PreflightDns {
 public:
  core::Result<std::vector<dns::CaaRecord>> CaaAt(const std::string& name,
                                                  dns::DnsSource source) override {
    asked.push_back(name + (source == dns::DnsSource::kOurServers ? "@ours" : "@world"));
    if (silent.count(name)) return core::Unavailable("fake: silent");
    auto it = caa.find(name);
    return it == caa.end() ? std::vector<dns::CaaRecord>{} : it->second;
  }
  core::Result<std::optional<std::string>> CnameAt(const std::string& name) override {
    auto it = cnames.find(name);
    if (it == cnames.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  std::map<std::string, std::vector<dns::CaaRecord>> caa;
  std::map<std::string, std::string> cnames;
  std::set<std::string> silent;
  std::vector<std::string> asked;
};

const std::vector<std::string> kLe = {"letsencrypt.org"};

dns::CaaRecord Issue(std::string value) { return {0, "issue", std::move(value)}; }
dns::CaaRecord IssueWild(std::string value) { return {0, "issuewild", std::move(value)}; }

class PreflightTest : public ::testing::Test {
 protected:
  PreflightTest() { verifier.SetDelegation("example.com", {"ns1.certadns.test"}); }

  PreflightReport Run(std::vector<std::string> names) {
    Preflight preflight(
        verifier, dns,
        [](const std::string& owner) {
          return std::vector<std::string>{owner + ".ns1.certadns.test", "ns1.certadns.test"};
        },
        kLe);
    return preflight.Run("user_1", "example.com", names);
  }
  static const PreflightCheck& Check(const PreflightReport& r, const std::string& name) {
    for (const auto& c : r.checks) {
      if (c.name == name) return c;
    }
    static PreflightCheck none{"missing", false, "", ""};
    return none;
  }

  test::FakeZoneVerifier verifier;
  FakePreflightDns dns;
};

// RFC 8659 §3's example: CAA at example.com, asking for x.y.z.example.com climbs to it.
TEST_F(PreflightTest, ClimbsToTheFirstRrsetWhichDecides) {
  dns.caa["example.com"] = {Issue("ca.example.net")};
  PreflightReport r = Run({"x.y.z.example.com"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Check(r, "caa").code, "caa_forbids_issuance");
  EXPECT_THAT(Check(r, "caa").detail, HasSubstr("ca.example.net"));
  EXPECT_THAT(Check(r, "caa").detail, HasSubstr("letsencrypt.org"));
  EXPECT_EQ(dns.asked, (std::vector<std::string>{"x.y.z.example.com@ours", "y.z.example.com@ours",
                                                  "z.example.com@ours", "example.com@ours"}));
  EXPECT_EQ(r.AsStatus().error().reason(), "caa_forbids_issuance");
  EXPECT_EQ(r.AsStatus().error().code(), core::ErrorCode::kInvalidArgument);
}

TEST_F(PreflightTest, ANearerRrsetOverridesAFartherOne) {
  dns.caa["com"] = {Issue("ca.example.net")};
  dns.caa["app.example.com"] = {Issue("letsencrypt.org")};
  EXPECT_TRUE(Run({"app.example.com"}).ok);
  // Above our zone, the world's DNS is asked.
  dns.asked.clear();
  PreflightReport other = Run({"www.example.com"});
  EXPECT_FALSE(other.ok);
  EXPECT_EQ(dns.asked, (std::vector<std::string>{"www.example.com@ours", "example.com@ours",
                                                  "com@world"}));
}

TEST_F(PreflightTest, NoCaaAnywhereAllowsAndIssuerParametersAreIgnored) {
  EXPECT_TRUE(Run({"app.example.com"}).ok);
  dns.caa["example.com"] = {Issue("ca.example.net"),
                            Issue(" LetsEncrypt.org. ; validationmethods=dns-01")};
  EXPECT_TRUE(Run({"app.example.com"}).ok);
}

TEST_F(PreflightTest, EmptyIssuerForbidsEveryCa) {
  dns.caa["example.com"] = {Issue(";")};
  PreflightReport r = Run({"example.com"});
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Check(r, "caa").detail, HasSubstr("no CA at all"));
}

TEST_F(PreflightTest, OnlyIodefDoesNotRestrict) {
  dns.caa["example.com"] = {{0, "iodef", "mailto:security@example.com"}};
  EXPECT_TRUE(Run({"app.example.com"}).ok);
}

// RFC 8659 §4.3: issuewild governs wildcards when present; issue otherwise.
TEST_F(PreflightTest, IssuewildForWildcards) {
  dns.caa["example.com"] = {Issue("letsencrypt.org"), IssueWild(";")};
  EXPECT_TRUE(Run({"app.example.com"}).ok);
  PreflightReport wild = Run({"*.example.com"});
  EXPECT_FALSE(wild.ok);
  EXPECT_THAT(Check(wild, "caa").detail, HasSubstr("wildcard"));

  dns.caa["example.com"] = {Issue(";"), IssueWild("letsencrypt.org")};
  EXPECT_TRUE(Run({"*.example.com"}).ok);
  EXPECT_FALSE(Run({"example.com"}).ok);

  dns.caa["example.com"] = {Issue("ca.example.net")};  // no issuewild: issue applies
  EXPECT_FALSE(Run({"*.example.com"}).ok);
}

TEST_F(PreflightTest, WildcardSearchStartsAtItsBase) {
  dns.caa["example.com"] = {Issue("ca.example.net")};
  dns.asked.clear();
  EXPECT_FALSE(Run({"*.example.com"}).ok);
  EXPECT_EQ(dns.asked.front(), "example.com@ours");
}

TEST_F(PreflightTest, UnknownCriticalPropertyForbidsAndUnknownNonCriticalDoesNot) {
  dns.caa["example.com"] = {Issue("letsencrypt.org"), {128, "tbs", "unknown"}};
  PreflightReport r = Run({"app.example.com"});
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Check(r, "caa").detail, HasSubstr("critical"));
  dns.caa["example.com"] = {Issue("letsencrypt.org"), {0, "tbs", "unknown"}};
  EXPECT_TRUE(Run({"app.example.com"}).ok);
  dns.caa["example.com"] = {Issue("letsencrypt.org"), {128, "issue", "letsencrypt.org"}};
  EXPECT_TRUE(Run({"app.example.com"}).ok);
}

TEST_F(PreflightTest, SilentDnsPassesWithANote) {
  dns.silent.insert("app.example.com");
  PreflightReport r = Run({"app.example.com"});
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(Check(r, "caa").detail, HasSubstr("could not be checked"));
  verifier.SetUnavailable(true);
  EXPECT_TRUE(Run({"app.example.com"}).ok);
}

TEST_F(PreflightTest, TheAccountsOwnNameserversCount) {
  verifier.SetDelegation("example.com", {"user_1.ns1.certadns.test"});
  EXPECT_TRUE(Run({"app.example.com"}).ok);
  verifier.SetDelegation("example.com", {"user_2.ns1.certadns.test"});
  EXPECT_FALSE(Run({"app.example.com"}).ok);
}

TEST_F(PreflightTest, NotDelegatedFails) {
  verifier.SetDelegation("example.com", {"ns1.elsewhere.net"});
  PreflightReport r = Run({"app.example.com"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Check(r, "zone_delegated").code, "zone_not_delegated");
  EXPECT_THAT(Check(r, "zone_delegated").detail, HasSubstr("ns1.elsewhere.net"));
  EXPECT_THAT(Check(r, "zone_delegated").detail, Not(HasSubstr("TXT")));
  verifier.SetTxt("example.com", {"certadns-verify=other"});
  EXPECT_THAT(Check(Run({"app.example.com"}), "zone_delegated").detail, Not(HasSubstr("TXT")));
  EXPECT_EQ(r.AsStatus().error().reason(), "zone_not_delegated");
}

TEST_F(PreflightTest, CnameAtAcmeChallengeFails) {
  dns.cnames["_acme-challenge.app.example.com"] = "elsewhere.example.net";
  PreflightReport r = Run({"www.example.com", "*.app.example.com"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Check(r, "challenge_cname").code, "cname_shadows_challenge");
  EXPECT_THAT(Check(r, "challenge_cname").detail,
              HasSubstr("_acme-challenge.app.example.com is a CNAME to elsewhere.example.net"));
  EXPECT_TRUE(Check(r, "caa").ok);
}

TEST_F(PreflightTest, AllPassReportsEveryCheck) {
  PreflightReport r = Run({"app.example.com"});
  EXPECT_TRUE(r.ok);
  ASSERT_EQ(r.checks.size(), 4u);
  for (const auto& c : r.checks) EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
  EXPECT_TRUE(r.AsStatus().ok());
}

}  // namespace
}  // namespace certadns::issuance
