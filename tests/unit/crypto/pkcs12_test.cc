#include "crypto/pkcs12.h"

#include <openssl/pkcs12.h>

#include <gtest/gtest.h>

#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"
#include "tests/unit/crypto/test_pki.h"

namespace certadns::crypto {
namespace {

using testing::MakeCertificatePem;
using testing::TestKey;
using testing::ValidNow;

using Pkcs12Ptr = std::unique_ptr<PKCS12, OpensslDeleter<&PKCS12_free>>;

// Key roles: 0 = root, 2 = intermediate, 1 = leaf, 3 = a stranger.
struct Pki {
  std::string root = MakeCertificatePem(TestKey(0), ValidNow("Test Root", {}, true), TestKey(0));
  std::string intermediate =
      MakeCertificatePem(TestKey(2), ValidNow("Test Intermediate", {}, true), TestKey(0), root);
  std::string leaf = MakeCertificatePem(
      TestKey(1), ValidNow("app.example.com", {"app.example.com"}), TestKey(2), intermediate);
};

Pkcs12Ptr Decode(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Pkcs12Ptr(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
}

std::string Der(X509* cert) {
  unsigned char* out = nullptr;
  int len = i2d_X509(cert, &out);
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return der;
}

TEST(Pkcs12Test, OpensWithThePassphraseAndHoldsKeyLeafAndChain) {
  const Pki pki;
  auto file = MakePkcs12(pki.leaf, pki.intermediate + pki.root, TestKey(1).ToPem(),
                         SecretString("correct horse"), "app.example.com");
  ASSERT_TRUE(file.ok()) << file.error().message();
  Pkcs12Ptr p12 = Decode(*file);
  ASSERT_TRUE(p12);
  EXPECT_EQ(PKCS12_verify_mac(p12.get(), "correct horse", -1), 1);
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  ASSERT_EQ(PKCS12_parse(p12.get(), "correct horse", &key, &cert, &ca), 1);
  EvpPkeyPtr key_owner(key);
  X509Ptr cert_owner(cert);
  X509StackPtr ca_owner(ca);
  EXPECT_EQ(X509_check_private_key(cert, key), 1);
  EXPECT_EQ(Der(cert), *CertificatePemToDer(pki.leaf));
  ASSERT_EQ(sk_X509_num(ca), 2);
  std::vector<std::string> chain;
  for (int i = 0; i < 2; ++i) chain.push_back(Der(sk_X509_value(ca, i)));
  EXPECT_NE(std::find(chain.begin(), chain.end(), *CertificatePemToDer(pki.intermediate)),
            chain.end());
  EXPECT_NE(std::find(chain.begin(), chain.end(), *CertificatePemToDer(pki.root)), chain.end());
}

TEST(Pkcs12Test, WrongPassphraseDoesNotOpenIt) {
  const Pki pki;
  auto file = MakePkcs12(pki.leaf, pki.intermediate, TestKey(1).ToPem(), SecretString("right"),
                         "app.example.com");
  ASSERT_TRUE(file.ok());
  Pkcs12Ptr p12 = Decode(*file);
  ASSERT_TRUE(p12);
  EXPECT_NE(PKCS12_verify_mac(p12.get(), "wrong", -1), 1);
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  EXPECT_NE(PKCS12_parse(p12.get(), "wrong", &key, &cert, nullptr), 1);
  EVP_PKEY_free(key);
  X509_free(cert);
}

TEST(Pkcs12Test, MacIsHmacSha256) {
  const Pki pki;
  auto file = MakePkcs12(pki.leaf, "", TestKey(1).ToPem(), SecretString("pw"), "x");
  ASSERT_TRUE(file.ok());
  Pkcs12Ptr p12 = Decode(*file);
  ASSERT_TRUE(p12);
  const ASN1_OBJECT* md = nullptr;
  const X509_ALGOR* algor = nullptr;
  PKCS12_get0_mac(nullptr, &algor, nullptr, nullptr, p12.get());
  ASSERT_NE(algor, nullptr);
  X509_ALGOR_get0(&md, nullptr, nullptr, algor);
  EXPECT_EQ(OBJ_obj2nid(md), NID_sha256);
}

TEST(Pkcs12Test, RefusesEmptyOrOverlongPassphraseAndAForeignKey) {
  const Pki pki;
  auto empty = MakePkcs12(pki.leaf, "", TestKey(1).ToPem(), SecretString(""), "x");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), core::ErrorCode::kInvalidArgument);
  auto longer = MakePkcs12(pki.leaf, "", TestKey(1).ToPem(),
                           SecretString(std::string(kMaxPkcs12PassphraseBytes + 1, 'a')), "x");
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(MakePkcs12(pki.leaf, "", TestKey(1).ToPem(),
                         SecretString(std::string(kMaxPkcs12PassphraseBytes, 'a')), "x")
                  .ok());
  auto foreign = MakePkcs12(pki.leaf, "", TestKey(3).ToPem(), SecretString("pw"), "x");
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code(), core::ErrorCode::kInternal);
}

}  // namespace
}  // namespace certadns::crypto
