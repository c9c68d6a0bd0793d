#include "crypto/jws.h"

#include <openssl/core_names.h>

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

TEST(JwsTest, AlgIsAlwaysRs256) {
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
