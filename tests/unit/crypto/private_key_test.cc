#include "crypto/private_key.h"

#include <nlohmann/json.hpp>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "crypto/jwk.h"
#include "tests/unit/crypto/test_pki.h"

namespace certadns::crypto {
namespace {

using testing::TestKey;
using testing::ToEvpPkey;

// RFC 7638 §3.1 example: the RSA key of RFC 7517 Appendix A.1, with its "alg" and "kid".
const char kRfc7638N[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPeb"
    "WKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368Q"
    "QMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2"
    "NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

TEST(JwkThumbprintTest, MatchesRfc7638Example) {
  const nlohmann::json jwk = {
      {"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};
  auto thumbprint = JwkThumbprint(jwk);
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.error().message();
  EXPECT_EQ(*thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkThumbprintTest, RejectsNonRsaAndIncompleteKeys) {
  const nlohmann::json cases[] = {
      nlohmann::json::array(),
      {{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}},
      {{"kty", "RSA"}, {"n", kRfc7638N}},
      {{"kty", "RSA"}, {"n", kRfc7638N}, {"e", 65537}},
      {{"n", kRfc7638N}, {"e", "AQAB"}},
  };
  for (const nlohmann::json& jwk : cases) {
    auto r = JwkThumbprint(jwk);
    ASSERT_FALSE(r.ok()) << jwk.dump();
    EXPECT_EQ(r.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

TEST(PrivateKeyTest, PublicJwkHasExactlyRsaMembers) {
  nlohmann::json jwk = TestKey(0).PublicJwk();
  ASSERT_TRUE(jwk.is_object());
  EXPECT_EQ(jwk.size(), 3u);
  EXPECT_EQ(jwk.value("kty", ""), "RSA");
  EXPECT_EQ(jwk.value("e", ""), "AQAB");  // 65537, big-endian, no leading zeros
  auto n = Base64UrlDecode(jwk.value("n", ""));
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 256u);  // 2048 bits, no sign byte
  EXPECT_GE(static_cast<unsigned char>((*n)[0]), 0x80);
  EXPECT_EQ(jwk.dump().find(' '), std::string::npos);
}

TEST(PrivateKeyTest, ThumbprintIsTheJsonThumbprintOfThePublicJwk) {
  auto from_json = JwkThumbprint(TestKey(0).PublicJwk());
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(TestKey(0).JwkThumbprint(), *from_json);
  EXPECT_EQ(TestKey(0).JwkThumbprint().size(), 43u);  // 32 bytes in base64url
  EXPECT_NE(TestKey(0).JwkThumbprint(), TestKey(1).JwkThumbprint());
}

TEST(PrivateKeyTest, PemRoundTripKeepsTheKey) {
  SecretString pem = TestKey(0).ToPem();
  EXPECT_EQ(pem.reveal().rfind("-----BEGIN " "PRIVATE KEY-----\n", 0), 0u);  // PKCS#8
  auto back = PrivateKey::FromPem(pem.reveal());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->JwkThumbprint(), TestKey(0).JwkThumbprint());
  EXPECT_EQ(back->ToPem().reveal(), pem.reveal());
}

TEST(PrivateKeyTest, FromPemRejectsGarbageAndNonRsaKeys) {
  auto garbage =
      PrivateKey::FromPem("-----BEGIN " "PRIVATE KEY-----\nAAAA\n-----END " "PRIVATE KEY-----\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(PrivateKey::FromPem("").ok());

  EvpPkeyPtr ec(EVP_EC_gen("P-256"));
  ASSERT_TRUE(ec);
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), ec.get(), nullptr, nullptr, 0, nullptr, nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  auto ec_key = PrivateKey::FromPem(std::string_view(data, static_cast<size_t>(len)));
  ASSERT_FALSE(ec_key.ok());
  EXPECT_EQ(ec_key.error().code(), core::ErrorCode::kInvalidArgument);
}

TEST(PrivateKeyTest, GenerateRsaRejectsWeakSizes) {
  auto weak = PrivateKey::GenerateRsa(1024);
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code(), core::ErrorCode::kInvalidArgument);
}

TEST(PrivateKeyTest, SignRs256VerifiesWithOpensslAndOnlyForTheSignedData) {
  const std::string data = "header.payload";
  auto sig = TestKey(0).SignRs256(data);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EvpPkeyPtr pkey = ToEvpPkey(TestKey(0));
  ASSERT_TRUE(pkey);
  auto verify = [&](std::string_view signed_data, std::string_view signature) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EXPECT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()), 1);
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signed_data.data()),
                            signed_data.size()) == 1;
  };
  EXPECT_TRUE(verify(data, *sig));
  EXPECT_FALSE(verify("header.payloaD", *sig));
  // RSASSA-PKCS1-v1_5 is deterministic.
  auto again = TestKey(0).SignRs256(data);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *sig);
}

}  // namespace
}  // namespace certadns::crypto
