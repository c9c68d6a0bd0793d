// Full issuance against real Pebble and PowerDNS: the certificate, its chain and key are
// checked with OpenSSL, and DNS is checked for leftovers of ours.
#include <gmock/gmock.h>
#include <gtest/gtest.h>


#include "tests/support/engine_harness.h"
#include "tests/support/file_text.h"
#include "tests/support/openssl_check.h"
#include "tests/support/temp_dir.h"

namespace certadns::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class IssuanceIt : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ReadStackEnv();
    if (!env) {
      if (StackRequired()) FAIL() << "integration stack environment missing";
      GTEST_SKIP() << "no integration stack (scripts/devstack.sh up; source $STACK_DIR/env)";
    }
    env_ = *env;
    auto harness = EngineHarness::Create(env_, dir_.path(), "it");
    ASSERT_TRUE(harness.ok()) << harness.error().message();
    h_ = std::move(harness).value();
  }

  core::Certificate RequestAndWait(const std::string& domain, std::vector<std::string> sans) {
    auto requested = h_->Request(domain, std::move(sans));
    EXPECT_TRUE(requested.ok()) << requested.error().message();
    if (!requested.ok()) return {};
    EXPECT_EQ(requested->status, core::CertificateState::kPending);
    return h_->WaitUntilSettled(requested->id, std::chrono::seconds(90));
  }

  std::vector<std::string> Txt(const std::string& fqdn) {
    auto values = h_->TxtValues(fqdn);
    EXPECT_TRUE(values.ok()) << values.error().message();
    return values.ok() ? *values : std::vector<std::string>{};
  }

  void PutForeignTxt(const std::string& fqdn, const std::string& value) {
    ASSERT_TRUE(
        h_->pdns().ReplaceRrset(h_->zone(), fqdn, "TXT", 60, {{"\"" + value + "\"", false}}).ok());
  }

  StackEnv env_;
  TempDir dir_;
  std::unique_ptr<EngineHarness> h_;
};

TEST_F(IssuanceIt, IssuesNameWithTwoSansAndLeavesForeignRecordAlone) {
  h_->Start();
  const std::string zone = h_->zone();
  const std::string app = "app." + zone;
  const std::string foreign = "someone-elses-validation-token";
  PutForeignTxt("_acme-challenge." + app, foreign);

  core::Certificate cert = RequestAndWait(app, {"www." + zone, "api." + zone});

  ASSERT_EQ(cert.status, core::CertificateState::kIssued) << h_->EventLog(cert.id);
  EXPECT_THAT(SanDnsNames(cert.certificate_pem), ElementsAre("api." + zone, app, "www." + zone));
  EXPECT_TRUE(KeyMatches(cert.certificate_pem, h_->OpenPrivateKey(cert.id)));
  EXPECT_TRUE(ChainVerifies(cert.certificate_pem, cert.chain_pem,
                            ReadFileText(env_.pebble_root_pem_file)));
  ASSERT_TRUE(cert.expires_at.has_value());
  EXPECT_GT(*cert.expires_at, h_->clock().Now());
  EXPECT_THAT(h_->EventLog(cert.id), HasSubstr("Certificate issued"));

  EXPECT_THAT(Txt("_acme-challenge." + app), ElementsAre(foreign));
  EXPECT_THAT(Txt("_acme-challenge.www." + zone), IsEmpty());
  EXPECT_THAT(Txt("_acme-challenge.api." + zone), IsEmpty());
}

TEST_F(IssuanceIt, IssuesWildcardTogetherWithApex) {
  // Keys from a pool, as `certadns serve` runs.
  h_->Start(nullptr, &h_->checker(), issuance::EngineConfig{}, 4, /*key_pool=*/2);
  const std::string zone = h_->zone();

  core::Certificate cert = RequestAndWait("*." + zone, {zone});

  ASSERT_EQ(cert.status, core::CertificateState::kIssued) << h_->EventLog(cert.id);
  EXPECT_TRUE(cert.is_wildcard);
  EXPECT_THAT(SanDnsNames(cert.certificate_pem), ElementsAre("*." + zone, zone));
  EXPECT_TRUE(KeyMatches(cert.certificate_pem, h_->OpenPrivateKey(cert.id)));
  // Both values shared _acme-challenge.<zone>; neither is left.
  EXPECT_THAT(Txt("_acme-challenge." + zone), IsEmpty());
  h_->Stop();
}

// Publishes a value other than the one asked for, as a misconfigured zone would: the CA's
// validation fails. Cleanup gets the same mangled value, so it removes what was published.
class WrongValueProvider : public dns::DnsProvider {
 public:
  explicit WrongValueProvider(dns::DnsProvider& real) : real_(real) {}
  core::Status Present(const dns::ChallengeRecord& r) override { return real_.Present(Mangle(r)); }
  core::Status CleanUp(const dns::ChallengeRecord& r) override { return real_.CleanUp(Mangle(r)); }

 private:
  static dns::ChallengeRecord Mangle(dns::ChallengeRecord r) {
    r.value = "wrong-" + r.value;
    return r;
  }
  dns::DnsProvider& real_;
};

TEST_F(IssuanceIt, FailedValidationIsLoggedAndLeavesNoRecordOfOurs) {
  WrongValueProvider wrong(h_->provider());
  h_->Start(&wrong, /*checker=*/nullptr,
            issuance::EngineConfig{.propagation_delay = core::Duration(0)});
  const std::string bad = "bad." + h_->zone();
  const std::string foreign = "a-record-we-did-not-make";
  PutForeignTxt("_acme-challenge." + bad, foreign);

  core::Certificate cert = RequestAndWait(bad, {});

  ASSERT_EQ(cert.status, core::CertificateState::kFailed);
  EXPECT_THAT(h_->EventLog(cert.id), HasSubstr("validation of " + bad + " failed"));
  EXPECT_TRUE(cert.certificate_pem.empty());
  EXPECT_THAT(Txt("_acme-challenge." + bad), ElementsAre(foreign));
  h_->Stop();
}

}  // namespace
}  // namespace certadns::test
