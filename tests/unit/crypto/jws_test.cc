#include "crypto/jws.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/params.h>

#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "crypto/openssl_ptr.h"
#include "tests/unit/crypto/test_pki.h"

namespace certadns::crypto {
namespace {

using testing::TestKey;

const char kNonce[] = "oFvnlFP1wIhRlYS2jTaXbA";
const char kUrl[] = "https://example.com/acme/new-account";

// Rebuilds the RSA public key from the JWK alone, as an ACME server would.
EvpPkeyPtr PublicKeyFromJwk(const nlohmann::json& jwk) {
  auto n = Base64UrlDecode(jwk.at("n").get<std::string>());
  auto e = Base64UrlDecode(jwk.at("e").get<std::string>());
  if (!n.ok() || !e.ok()) return nullptr;
  auto to_bn = [](const std::string& bytes) {
    return BignumPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()), nullptr));
  };
  BignumPtr bn_n = to_bn(*n);
  BignumPtr bn_e = to_bn(*e);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

bool VerifyRs256(EVP_PKEY* pkey, const std::string& signing_input, const std::string& sig) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

// Rebuilds the P-256 public key from the JWK's x and y alone, as an ACME server would.
EvpPkeyPtr EcPublicKeyFromJwk(const nlohmann::json& jwk) {
  if (jwk.value("kty", "") != "EC" || jwk.value("crv", "") != "P-256") return nullptr;
  auto x = Base64UrlDecode(jwk.at("x").get<std::string>());
  auto y = Base64UrlDecode(jwk.at("y").get<std::string>());
  if (!x.ok() || !y.ok() || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

// Verifies a JWS ES256 signature (R || S, RFC 7518 §3.4) by turning it back into the DER
// ECDSA-Sig-Value OpenSSL verifies.
bool VerifyEs256(EVP_PKEY* pkey, const std::string& signing_input, const std::string& sig) {
  if (sig.size() != 64) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(sig.data());
  EcdsaSigPtr ecdsa(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der_raw = nullptr;
  int der_len = i2d_ECDSA_SIG(ecdsa.get(), &der_raw);
  if (der_len <= 0) return false;
  OpensslBytesPtr der(der_raw);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), der.get(), static_cast<size_t>(der_len),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

TEST(JwsTest, FlattenedJwsVerifiesWithTheEmbeddedJwk) {
  const PrivateKey& key = TestKey(0);
  const std::string payload = R"({"termsOfServiceAgreed":true})";
  nlohmann::json header = {{"nonce", kNonce}, {"url", kUrl}, {"jwk", key.PublicJwk()}};
  auto jws = SignJws(key, header, payload);
  ASSERT_TRUE(jws.ok()) << jws.error().message();
  ASSERT_EQ(jws->size(), 3u);
  const std::string protected_b64 = jws->at("protected");
  const std::string payload_b64 = jws->at("payload");
  auto sig = Base64UrlDecode(jws->at("signature").get<std::string>());
  ASSERT_TRUE(sig.ok());

  auto protected_json = Base64UrlDecode(protected_b64);
  ASSERT_TRUE(protected_json.ok());
  nlohmann::json parsed = nlohmann::json::parse(*protected_json);
  EXPECT_EQ(parsed.at("alg"), "RS256");
  EXPECT_EQ(parsed.at("nonce"), kNonce);
  EXPECT_EQ(parsed.at("url"), kUrl);
  EXPECT_EQ(parsed.at("jwk"), key.PublicJwk());
  auto decoded_payload = Base64UrlDecode(payload_b64);
  ASSERT_TRUE(decoded_payload.ok());
  EXPECT_EQ(*decoded_payload, payload);
  for (const std::string& part :
       {protected_b64, payload_b64, jws->at("signature").get<std::string>()}) {
    EXPECT_EQ(part.find('='), std::string::npos);
  }

  EvpPkeyPtr pub = PublicKeyFromJwk(parsed.at("jwk"));
  ASSERT_TRUE(pub);
  EXPECT_TRUE(VerifyRs256(pub.get(), protected_b64 + "." + payload_b64, *sig));
  EXPECT_FALSE(VerifyRs256(pub.get(), protected_b64 + "." + Base64UrlEncode("{}"), *sig));
  EvpPkeyPtr other = PublicKeyFromJwk(TestKey(1).PublicJwk());
  EXPECT_FALSE(VerifyRs256(other.get(), protected_b64 + "." + payload_b64, *sig));
}

TEST(JwsTest, PostAsGetHasEmptyPayloadAndSignsProtectedDot) {
  const PrivateKey& key = TestKey(0);
  nlohmann::json header = {{"nonce", kNonce}, {"url", kUrl}, {"kid", "https://example.com/acct/1"}};
  auto jws = SignJws(key, header, "");
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->at("payload"), "");
  auto sig = Base64UrlDecode(jws->at("signature").get<std::string>());
  ASSERT_TRUE(sig.ok());
  EvpPkeyPtr pub = PublicKeyFromJwk(key.PublicJwk());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(VerifyRs256(pub.get(), jws->at("protected").get<std::string>() + ".", *sig));
}

TEST(JwsTest, Es256JwsVerifiesWithThePublicKeyRebuiltFromTheJwk) {
  auto key = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(key.ok()) << key.error().message();
  auto other = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(other.ok());
  const std::string payload = R"({"termsOfServiceAgreed":true})";
  nlohmann::json header = {{"nonce", kNonce}, {"url", kUrl}, {"jwk", key->PublicJwk()}};
  auto jws = SignJws(*key, header, payload);
  ASSERT_TRUE(jws.ok()) << jws.error().message();
  const std::string protected_b64 = jws->at("protected");
  const std::string payload_b64 = jws->at("payload");
  auto sig = Base64UrlDecode(jws->at("signature").get<std::string>());
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);  // R || S, not DER

  auto protected_json = Base64UrlDecode(protected_b64);
  ASSERT_TRUE(protected_json.ok());
  nlohmann::json parsed = nlohmann::json::parse(*protected_json);
  EXPECT_EQ(parsed.at("alg"), "ES256");
  EXPECT_EQ(parsed.at("jwk"), key->PublicJwk());

  EvpPkeyPtr pub = EcPublicKeyFromJwk(parsed.at("jwk"));
  ASSERT_TRUE(pub);
  const std::string signing_input = protected_b64 + "." + payload_b64;
  EXPECT_TRUE(VerifyEs256(pub.get(), signing_input, *sig));
  EXPECT_FALSE(VerifyEs256(pub.get(), protected_b64 + "." + Base64UrlEncode("{}"), *sig));
  EvpPkeyPtr other_pub = EcPublicKeyFromJwk(other->PublicJwk());
  ASSERT_TRUE(other_pub);
  EXPECT_FALSE(VerifyEs256(other_pub.get(), signing_input, *sig));
}

// R and S are each 32 bytes, left-padded, also when one is short (about one signature in
// 128); such a signature still verifies. Bounded: 4000 signatures miss one with
// probability ~e^-31.
TEST(JwsTest, Es256SignatureKeepsLeadingZerosOfRAndS) {
  auto key = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(key.ok());
  EvpPkeyPtr pub = EcPublicKeyFromJwk(key->PublicJwk());
  ASSERT_TRUE(pub);
  bool saw_leading_zero = false;
  for (int i = 0; i < 4000 && !saw_leading_zero; ++i) {
    const std::string data = "protected." + std::to_string(i);
    auto sig = key->SignJwsInput(data);
    ASSERT_TRUE(sig.ok());
    ASSERT_EQ(sig->size(), 64u);
    saw_leading_zero = (*sig)[0] == '\0' || (*sig)[32] == '\0';
    if (saw_leading_zero) {
      EXPECT_TRUE(VerifyEs256(pub.get(), data, *sig));
    }
  }
  EXPECT_TRUE(saw_leading_zero);
}

TEST(JwsTest, PostAsGetWithEcKeySignsProtectedDot) {
  auto key = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(key.ok());
  nlohmann::json header = {{"nonce", kNonce}, {"url", kUrl}, {"kid", "https://example.com/acct/1"}};
  auto jws = SignJws(*key, header, "");
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->at("payload"), "");
  auto sig = Base64UrlDecode(jws->at("signature").get<std::string>());
  ASSERT_TRUE(sig.ok());
  EvpPkeyPtr pub = EcPublicKeyFromJwk(key->PublicJwk());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(VerifyEs256(pub.get(), jws->at("protected").get<std::string>() + ".", *sig));
}

TEST(JwsTest, AlgIsTheKeysAlgorithmWhateverTheHeaderSays) {
  auto ec = PrivateKey::GenerateEcP256();
  ASSERT_TRUE(ec.ok());
  auto ec_jws = SignJws(*ec, {{"alg", "RS256"}, {"nonce", kNonce}, {"url", kUrl}}, "{}");
  ASSERT_TRUE(ec_jws.ok());
  auto ec_header = Base64UrlDecode(ec_jws->at("protected").get<std::string>());
  ASSERT_TRUE(ec_header.ok());
  EXPECT_EQ(nlohmann::json::parse(*ec_header).at("alg"), "ES256");
}

TEST(JwsTest, AlgIsAlwaysRs256ForAnRsaKey) {
  auto jws = SignJws(TestKey(0), {{"alg", "none"}, {"nonce", kNonce}, {"url", kUrl}}, "{}");
  ASSERT_TRUE(jws.ok());
  auto header = Base64UrlDecode(jws->at("protected").get<std::string>());
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(nlohmann::json::parse(*header).at("alg"), "RS256");
}

TEST(JwsTest, RejectsNonObjectHeader) {
  auto jws = SignJws(TestKey(0), nlohmann::json::array({1, 2}), "{}");
  ASSERT_FALSE(jws.ok());
  EXPECT_EQ(jws.error().code(), core::ErrorCode::kInvalidArgument);
}

TEST(KeyAuthorizationTest, JoinsTokenAndThumbprintWithADot) {
  EXPECT_EQ(KeyAuthorization("token", "thumbprint"), "token.thumbprint");
}

TEST(Dns01TxtValueTest, MatchesOpensslCommandLine) {
  // printf %s '<input>' | openssl dgst -sha256 -binary | basenc --base64url | tr -d =
  EXPECT_EQ(Dns01TxtValue("token.thumbprint"), "61rBZ_4knHblO0MNoxFsXZ_eTFUHum0B6IVRbhvUn5I");
  // RFC 8555 §8.4's example token with RFC 7638's example thumbprint.
  EXPECT_EQ(Dns01TxtValue(KeyAuthorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
                                           "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")),
            "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8");
}

}  // namespace
}  // namespace certadns::crypto
