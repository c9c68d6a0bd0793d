#include "crypto/x509.h"

#include <chrono>

#include <openssl/x509.h>

#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "crypto/openssl_ptr.h"
#include "tests/unit/crypto/test_pki.h"

namespace certadns::crypto {
namespace {

using testing::CertSpec;
using testing::MakeCertificatePem;
using testing::TestKey;
using testing::ValidNow;

// Key roles: 0 = root, 1 = leaf, 2 = intermediate, 3 = a stranger.
struct Pki {
  std::string root = MakeCertificatePem(TestKey(0), ValidNow("Test Root", {}, true), TestKey(0));
  std::string leaf = MakeCertificatePem(
      TestKey(1), ValidNow("app.example.com", {"app.example.com"}), TestKey(0), root);
};

TEST(ParseCertificateTest, ReadsDatesSansSerialAndNames) {
  const Pki pki;
  CertSpec spec;
  spec.subject_cn = "app.example.com";
  spec.dns_names = {"app.example.com", "www.example.com", "*.example.com"};
  spec.serial_hex = "0A1B2C3D4E5F60718293";
  spec.not_before = core::FromUnixMillis(1735689600000);  // 2025-01-01T00:00:00Z (UTCTime)
  spec.not_after = core::FromUnixMillis(2553422400000);   // 2050-11-30T12:00:00Z (GeneralizedTime)
  std::string pem = MakeCertificatePem(TestKey(1), spec, TestKey(0), pki.root);

  auto info = ParseCertificate(pem);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(core::FormatRfc3339(info->not_before), "2025-01-01T00:00:00Z");
  EXPECT_EQ(core::FormatRfc3339(info->not_after), "2050-11-30T12:00:00Z");
  EXPECT_EQ(info->dns_names, spec.dns_names);
  EXPECT_EQ(info->serial_hex, "0a1b2c3d4e5f60718293");
  EXPECT_EQ(info->subject_cn, "app.example.com");
  EXPECT_EQ(info->issuer_cn, "Test Root");
}

TEST(ParseCertificateTest, CertificateWithoutSanHasNoDnsNames) {
  auto info = ParseCertificate(Pki().root);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->dns_names.empty());
  EXPECT_EQ(info->subject_cn, "Test Root");
  EXPECT_EQ(info->issuer_cn, "Test Root");
}

TEST(ParseCertificateTest, RejectsTextWithoutCertificate) {
  for (std::string_view text :
       {"", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}) {
    auto info = ParseCertificate(text);
    ASSERT_FALSE(info.ok()) << text;
    EXPECT_EQ(info.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

TEST(SplitPemChainTest, SplitsConcatenatedCertificatesInOrder) {
  const Pki pki;
  // ACME bundles may separate blocks with blank lines.
  std::vector<std::string> parts = SplitPemChain(pki.leaf + "\n" + pki.root);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], pki.leaf);
  EXPECT_EQ(parts[1], pki.root);
  for (const std::string& part : parts) {
    EXPECT_EQ(part.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
    EXPECT_TRUE(part.ends_with("-----END CERTIFICATE-----\n"));
  }
  EXPECT_EQ(ParseCertificate(parts[0])->subject_cn, "app.example.com");
  EXPECT_EQ(ParseCertificate(parts[1])->subject_cn, "Test Root");
  EXPECT_TRUE(SplitPemChain("").empty());
  EXPECT_TRUE(SplitPemChain("not pem").empty());
}

TEST(CertificatePemToDerTest, ReturnsTheDecodedPemBody) {
  const std::string pem = Pki().root;
  std::string body;
  for (size_t pos = pem.find('\n') + 1; pem.compare(pos, 5, "-----") != 0;
       pos = pem.find('\n', pos) + 1) {
    body += pem.substr(pos, pem.find('\n', pos) - pos);
  }
  auto expected = Base64Decode(body);
  ASSERT_TRUE(expected.ok());
  auto der = CertificatePemToDer(pem);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(*der, *expected);
  EXPECT_FALSE(CertificatePemToDer("nothing").ok());
}

TEST(VerifyChainTest, AcceptsLeafIssuedByTheRoot) {
  const Pki pki;
  EXPECT_TRUE(VerifyChain(pki.leaf, "", pki.root));
  EXPECT_TRUE(VerifyChain(pki.root, "", pki.root));
}

TEST(VerifyChainTest, RejectsForeignRootEvenWithTheSameName) {
  const Pki pki;
  std::string foreign = MakeCertificatePem(TestKey(3), ValidNow("Test Root", {}, true), TestKey(3));
  EXPECT_FALSE(VerifyChain(pki.leaf, "", foreign));
  EXPECT_FALSE(VerifyChain(pki.leaf, "", ""));
  EXPECT_FALSE(VerifyChain("", "", pki.root));
}

TEST(VerifyChainTest, NeedsTheIntermediate) {
  const Pki pki;
  std::string inter =
      MakeCertificatePem(TestKey(2), ValidNow("Test Intermediate", {}, true), TestKey(0), pki.root);
  std::string leaf = MakeCertificatePem(TestKey(1), ValidNow("a.example.com", {"a.example.com"}),
                                        TestKey(2), inter);
  EXPECT_TRUE(VerifyChain(leaf, inter, pki.root));
  EXPECT_TRUE(VerifyChain(leaf + inter, "", pki.root));  // an ACME bundle as is
  EXPECT_FALSE(VerifyChain(leaf, "", pki.root));
  EXPECT_FALSE(VerifyChain(leaf, inter, inter));  // an intermediate is no trust anchor
}

TEST(VerifyChainTest, RejectsExpiredLeaf) {
  const Pki pki;
  CertSpec spec = ValidNow("old.example.com", {"old.example.com"});
  spec.not_before = std::chrono::system_clock::now() - std::chrono::hours(24 * 100);
  spec.not_after = std::chrono::system_clock::now() - std::chrono::hours(24);
  std::string expired = MakeCertificatePem(TestKey(1), spec, TestKey(0), pki.root);
  EXPECT_FALSE(VerifyChain(expired, "", pki.root));
}

TEST(PrivateKeyMatchesCertificateTest, MatchesOnlyItsOwnCertificate) {
  const Pki pki;
  EXPECT_TRUE(TestKey(1).MatchesCertificate(pki.leaf));
  EXPECT_TRUE(TestKey(1).MatchesCertificate(pki.leaf + pki.root));  // first certificate counts
  EXPECT_FALSE(TestKey(0).MatchesCertificate(pki.leaf));
  EXPECT_FALSE(TestKey(1).MatchesCertificate(pki.root + pki.leaf));
  EXPECT_FALSE(TestKey(1).MatchesCertificate("garbage"));
}


// RFC 9773 §4.1's example: AKI keyIdentifier 69:88:5B:...:C8:D4 and serial 0x87654321 (DER
// content 00 87 65 43 21, the leading zero kept) give "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE".
TEST(AriCertificateIdTest, IsTheRfcExampleForItsKeyIdentifierAndSerial) {
  CertSpec spec = ValidNow("ari.example");
  spec.serial_hex = "87654321";
  const unsigned char kKeyId[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
                                  0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
  spec.authority_key_id.assign(reinterpret_cast<const char*>(kKeyId), sizeof kKeyId);
  std::string pem = MakeCertificatePem(TestKey(0), spec, TestKey(0));
  auto id = AriCertificateId(pem);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(*id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");

  spec.serial_hex = "0102";  // high bit clear: no leading zero
  id = AriCertificateId(MakeCertificatePem(TestKey(0), spec, TestKey(0)));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AQI");
}

TEST(AriCertificateIdTest, ACertificateWithoutAuthorityKeyIdentifierHasNone) {
  std::string pem = MakeCertificatePem(TestKey(0), ValidNow("no-aki.example"), TestKey(0));
  EXPECT_EQ(AriCertificateId(pem).error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(AriCertificateId("not a certificate").ok());
}

}  // namespace
}  // namespace certadns::crypto
