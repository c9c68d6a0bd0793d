#include "crypto/private_key.h"

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <gtest/gtest.h>

#include <atomic>

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

// RFC 7517 Appendix A.1's EC key, with its "use" and "kid". The expected value is computed
// here from the canonical JSON written out (RFC 7638 §3.2: crv, kty, x, y), and it equals
// printf %s '<that JSON>' | openssl dgst -sha256 -binary | basenc --base64url | tr -d =
TEST(JwkThumbprintTest, EcKeyHashesCrvKtyXYInOrder) {
  const char x[] = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4";
  const char y[] = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM";
  const nlohmann::json jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"x", x},
                              {"y", y},      {"use", "enc"},   {"kid", "1"}};
  const std::string canonical =
      std::string(R"({"crv":"P-256","kty":"EC","x":")") + x + R"(","y":")" + y + R"("})";
  auto thumbprint = JwkThumbprint(jwk);
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.error().message();
  EXPECT_EQ(*thumbprint, Base64UrlEncode(Sha256(canonical)));
  EXPECT_EQ(*thumbprint, "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s");
}

TEST(JwkThumbprintTest, RejectsUnknownTypesAndIncompleteKeys) {
  const nlohmann::json cases[] = {
      nlohmann::json::array(),
      {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AA"}},
      {{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}},
      {{"kty", "EC"}, {"x", "AA"}, {"y", "AA"}},
      {{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}, {"y", 1}},
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

std::string PemOf(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return "";
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

TEST(PrivateKeyTest, FromPemRejectsGarbageAndKeysOtherThanRsaAndP256) {
  auto garbage =
      PrivateKey::FromPem("-----BEGIN " "PRIVATE KEY-----\nAAAA\n-----END " "PRIVATE KEY-----\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(PrivateKey::FromPem("").ok());

  EvpPkeyPtr p384(EVP_EC_gen("P-384"));
  EvpPkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(p384 && ed25519);
  for (EVP_PKEY* other : {p384.get(), ed25519.get()}) {
    std::string pem = PemOf(other);
    ASSERT_FALSE(pem.empty());
    auto key = PrivateKey::FromPem(pem);
    ASSERT_FALSE(key.ok()) << EVP_PKEY_get0_type_name(other);
    EXPECT_EQ(key.error().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_NE(key.error().message().find("P-256"), std::string::npos) << key.error().message();
  }
}

TEST(PrivateKeyTest, EcP256PemRoundTripKeepsTheKey) {
  auto key = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->kind(), PrivateKey::Kind::kEcP256);
  SecretString pem = key->ToPem();
  EXPECT_EQ(pem.reveal().rfind("-----BEGIN " "PRIVATE KEY-----\n", 0), 0u);  // PKCS#8
  auto back = PrivateKey::FromPem(pem.reveal());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->kind(), PrivateKey::Kind::kEcP256);
  EXPECT_EQ(back->PublicJwk(), key->PublicJwk());
  EXPECT_EQ(back->ToPem().reveal(), pem.reveal());
  EvpPkeyPtr a = ToEvpPkey(*key);
  EvpPkeyPtr b = ToEvpPkey(*back);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(EVP_PKEY_eq(a.get(), b.get()), 1);

  // A P-256 key written by OpenSSL itself (not by ToPem) reads too.
  EvpPkeyPtr openssl_key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(openssl_key);
  auto read = PrivateKey::FromPem(PemOf(openssl_key.get()));
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->kind(), PrivateKey::Kind::kEcP256);
}

// The JWK's coordinates are always 32 bytes, also when one starts with a zero byte (about
// one key in 128), which must then be kept (RFC 7518 §6.2.1.2). Bounded: 4000 keys miss such
// a key with probability ~e^-31.
TEST(PrivateKeyTest, EcPublicJwkHasPaddedCoordinatesOfTheKey) {
  bool saw_leading_zero = false;
  for (int i = 0; i < 4000 && !saw_leading_zero; ++i) {
    auto key = PrivateKey::GenerateEcP256();
    ASSERT_TRUE(key.ok());
    nlohmann::json jwk = key->PublicJwk();
    ASSERT_EQ(jwk.size(), 4u) << jwk.dump();
    ASSERT_EQ(jwk.value("kty", ""), "EC");
    ASSERT_EQ(jwk.value("crv", ""), "P-256");
    auto x = Base64UrlDecode(jwk.value("x", ""));
    auto y = Base64UrlDecode(jwk.value("y", ""));
    ASSERT_TRUE(x.ok() && y.ok());
    ASSERT_EQ(x->size(), 32u);
    ASSERT_EQ(y->size(), 32u);
    saw_leading_zero = (*x)[0] == '\0' || (*y)[0] == '\0';
    // The coordinates are the key's: 0x04 || x || y is its encoded public point.
    EvpPkeyPtr pkey = ToEvpPkey(*key);
    ASSERT_TRUE(pkey);
    unsigned char point[65];
    size_t len = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                              sizeof point, &len),
              1);
    ASSERT_EQ(len, 65u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(point), len), "\x04" + *x + *y);
  }
  EXPECT_TRUE(saw_leading_zero);
}

TEST(PrivateKeyTest, EcThumbprintIsTheJsonThumbprintOfThePublicJwk) {
  auto key = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(key.ok());
  auto from_json = JwkThumbprint(key->PublicJwk());
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(key->JwkThumbprint(), *from_json);
  EXPECT_EQ(key->JwkThumbprint().size(), 43u);
}

TEST(PrivateKeyTest, EcKeySignsEs256NotRs256) {
  auto key = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->JwsAlgorithm(), "ES256");
  EXPECT_EQ(TestKey(0).JwsAlgorithm(), "RS256");
  auto rs256 = key->SignRs256("data");
  ASSERT_FALSE(rs256.ok());
  EXPECT_EQ(rs256.error().code(), core::ErrorCode::kFailedPrecondition);
  auto es256 = key->SignJwsInput("data");
  ASSERT_TRUE(es256.ok()) << es256.error().message();
  EXPECT_EQ(es256->size(), 64u);
}

// A key pool's refill thread runs in idle CPU time only; shutting down must not wait for the
// key it has begun: a cancelled generation stops with kUnavailable.
TEST(PrivateKeyTest, ACancelledRsaGenerationStops) {
  std::atomic<bool> cancel{true};
  auto key = PrivateKey::GenerateRsa(2048, &cancel);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), core::ErrorCode::kUnavailable);
  cancel = false;
  EXPECT_TRUE(PrivateKey::GenerateRsa(2048, &cancel).ok()) << "not cancelled: a key as usual";
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
