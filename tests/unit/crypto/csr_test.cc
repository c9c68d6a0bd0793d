#include "crypto/csr.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include "crypto/openssl_ptr.h"
#include "tests/unit/crypto/test_pki.h"

namespace certadns::crypto {
namespace {

using testing::TestKey;
using testing::ToEvpPkey;

X509ReqPtr ParseDer(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data() + der.size()));
  return req;
}

std::vector<std::string> CommonNames(X509_REQ* req) {
  std::vector<std::string> out;
  X509_NAME* name = X509_REQ_get_subject_name(req);
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

std::vector<std::string> SanDnsNames(X509_REQ* req) {
  std::vector<std::string> out;
  X509ExtensionStackPtr exts(X509_REQ_get_extensions(req));
  if (!exts) return out;
  GeneralNamesPtr gens(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens.get(), i);
    EXPECT_EQ(gen->type, GEN_DNS);
    if (gen->type != GEN_DNS) continue;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gen->d.dNSName)),
                     static_cast<size_t>(ASN1_STRING_length(gen->d.dNSName)));
  }
  return out;
}

TEST(CsrTest, HasCommonNameAllSansAndAValidSignature) {
  const std::vector<std::string> names = {"app.example.com", "www.example.com", "*.example.com"};
  auto der = CreateCsrDer(TestKey(0), names);
  ASSERT_TRUE(der.ok()) << der.error().message();
  X509ReqPtr req = ParseDer(*der);
  ASSERT_TRUE(req);

  EXPECT_EQ(CommonNames(req.get()), std::vector<std::string>{"app.example.com"});
  EXPECT_EQ(SanDnsNames(req.get()), names);
  EvpPkeyPtr expected_key = ToEvpPkey(TestKey(0));
  EVP_PKEY* req_key = X509_REQ_get0_pubkey(req.get());
  ASSERT_NE(req_key, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(req_key, expected_key.get()), 1);
  EXPECT_EQ(X509_REQ_verify(req.get(), req_key), 1);
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_sha256WithRSAEncryption);
  EvpPkeyPtr other_key = ToEvpPkey(TestKey(1));
  EXPECT_NE(X509_REQ_verify(req.get(), other_key.get()), 1);
}

TEST(CsrTest, LeavesOutCommonNameLongerThan64Characters) {
  const std::string long_name = std::string(61, 'a') + ".example.com";  // 73 characters
  auto der = CreateCsrDer(TestKey(0), {long_name, "short.example.com"});
  ASSERT_TRUE(der.ok()) << der.error().message();
  X509ReqPtr req = ParseDer(*der);
  ASSERT_TRUE(req);
  EXPECT_TRUE(CommonNames(req.get()).empty());
  EXPECT_EQ(SanDnsNames(req.get()), (std::vector<std::string>{long_name, "short.example.com"}));
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);

  const std::string sixty_four = std::string(52, 'b') + ".example.com";
  ASSERT_EQ(sixty_four.size(), 64u);
  auto der64 = CreateCsrDer(TestKey(0), {sixty_four});
  ASSERT_TRUE(der64.ok());
  X509ReqPtr req64 = ParseDer(*der64);
  ASSERT_TRUE(req64);
  EXPECT_EQ(CommonNames(req64.get()), std::vector<std::string>{sixty_four});
}

TEST(CsrTest, RejectsEmptyOrMalformedNames) {
  for (const std::vector<std::string>& names :
       {std::vector<std::string>{}, std::vector<std::string>{""},
        std::vector<std::string>{"a.example.com", "b.example.com,DNS:evil.com"},
        std::vector<std::string>{"with space.example.com"}}) {
    auto der = CreateCsrDer(TestKey(0), names);
    ASSERT_FALSE(der.ok());
    EXPECT_EQ(der.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace certadns::crypto
