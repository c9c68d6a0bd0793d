#include "crypto/private_key.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/encoding.h"
#include "crypto/jwk.h"
#include "crypto/openssl_util.h"
#include "crypto/private_key_impl.h"

namespace certadns::crypto {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

// The key is a valid RSA or P-256 key by construction; failing to read its public numbers means
// OpenSSL is out of memory or broken, which STYLE.md §4.4(c) treats as fatal.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "certadns crypto: fatal: %s\n", what);
  std::abort();
}

// Big-endian unsigned bytes of a key parameter, left-padded with zeros to `width` bytes
// (0: no padding, as RFC 7518 §6.3.1 wants for RSA; 32 for P-256 coordinates, §6.2.1.2).
std::string BnParamB64u(const EVP_PKEY* pkey, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    internal::DrainOpensslErrors();
    Die("EVP_PKEY_get_bn_param failed");
  }
  BignumPtr bn(raw);
  if (width == 0) width = BN_num_bytes(bn.get());
  std::string bytes(static_cast<size_t>(width), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), width) != width) {
    Die("key parameter wider than expected");
  }
  return Base64UrlEncode(bytes);
}

// True for an EC key on the named curve P-256 (secp256r1, OpenSSL's "prime256v1").
bool IsEcP256(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) return false;
  char group[64] = {};
  size_t len = 0;
  bool named = EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                              &len) == 1;
  internal::DrainOpensslErrors();
  return named && OBJ_sn2nid(group) == NID_X9_62_prime256v1;
}

// The raw signature of `data` under SHA-256 as OpenSSL produces it: PKCS#1 v1.5 bytes for
// RSA, a DER ECDSA-Sig-Value for EC. `alg` names the algorithm in error texts.
core::Result<std::string> DigestSign(EVP_PKEY* pkey, std::string_view data, const char* alg) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, in, data.size()) != 1) {
    return core::Internal(std::string(alg) +
                          ": sign init failed: " + internal::DrainOpensslErrors());
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, in,
                     data.size()) != 1) {
    return core::Internal(std::string(alg) + ": sign failed: " + internal::DrainOpensslErrors());
  }
  sig.resize(sig_len);
  return sig;
}

// ES256 (RFC 7518 §3.4): ECDSA P-256 SHA-256 as the 64-byte R || S, each 32 bytes
// big-endian, converted from OpenSSL's DER ECDSA-Sig-Value.
core::Result<std::string> SignEs256(EVP_PKEY* pkey, std::string_view data) {
  ASSIGN_OR_RETURN(std::string der, DigestSign(pkey, data, "es256"));
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return core::Internal("es256: bad DER signature: " + internal::DrainOpensslErrors());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  constexpr int kCoordinateBytes = 32;
  std::string out(2 * kCoordinateBytes, '\0');
  auto* buf = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, buf, kCoordinateBytes) != kCoordinateBytes ||
      BN_bn2binpad(s, buf + kCoordinateBytes, kCoordinateBytes) != kCoordinateBytes) {
    return core::Internal("es256: signature component too wide");
  }
  return out;
}

}  // namespace

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

namespace {

// OpenSSL calls this while it searches for primes; 0 stops the search.
int KeepGenerating(EVP_PKEY_CTX* ctx) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(EVP_PKEY_CTX_get_app_data(ctx));
  return cancel != nullptr && cancel->load() ? 0 : 1;
}

}  // namespace

core::Result<PrivateKey> PrivateKey::GenerateRsa(int bits, const std::atomic<bool>* cancel) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return core::InvalidArgument("rsa: key size must be between 2048 and 16384 bits");
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx && cancel != nullptr) {
    EVP_PKEY_CTX_set_app_data(ctx.get(), const_cast<std::atomic<bool>*>(cancel));
    EVP_PKEY_CTX_set_cb(ctx.get(), KeepGenerating);
  }
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    if (cancel != nullptr && cancel->load()) {
      internal::DrainOpensslErrors();
      return core::Error(core::ErrorCode::kUnavailable, "rsa: key generation cancelled");
    }
    return core::Internal("rsa: key generation failed: " + internal::DrainOpensslErrors());
  }
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(raw);
  return PrivateKey(std::move(impl));
}

core::Result<PrivateKey> PrivateKey::GenerateEcP256() {
  EvpPkeyPtr pkey(EVP_EC_gen("P-256"));
  if (!pkey) return core::Internal("ec: key generation failed: " + internal::DrainOpensslErrors());
  auto impl = std::make_unique<Impl>();
  impl->pkey = std::move(pkey);
  impl->kind = Kind::kEcP256;
  return PrivateKey(std::move(impl));
}

core::Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = internal::ReadOnlyBio(pem);
  if (!bio) return core::InvalidArgument("private key: PEM too large");
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, &internal::NoPemPassword, nullptr));
  if (!pkey) {
    // The OpenSSL error text names the failing decoder, never the key bytes.
    return core::InvalidArgument("private key: not a readable PEM private key: " +
                                 internal::DrainOpensslErrors());
  }
  Kind kind = Kind::kRsa;
  if (IsEcP256(pkey.get())) {
    kind = Kind::kEcP256;
  } else if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
    return core::InvalidArgument("private key: neither an RSA key nor an EC key on P-256");
  }
  auto impl = std::make_unique<Impl>();
  impl->pkey = std::move(pkey);
  impl->kind = kind;
  return PrivateKey(std::move(impl));
}

PrivateKey::Kind PrivateKey::kind() const { return impl_->kind; }

SecretString PrivateKey::ToPem() const {
  // A secure-memory BIO clears its buffer when it grows and when it is freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    internal::DrainOpensslErrors();
    Die("PEM_write_bio_PrivateKey failed");
  }
  return SecretString(internal::BioContents(bio.get()));
}

nlohmann::json PrivateKey::PublicJwk() const {
  const EVP_PKEY* pkey = impl_->pkey.get();
  if (impl_->kind == Kind::kEcP256) {
    return {{"crv", "P-256"},
            {"kty", "EC"},
            {"x", BnParamB64u(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32)},
            {"y", BnParamB64u(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32)}};
  }
  return {{"e", BnParamB64u(pkey, OSSL_PKEY_PARAM_RSA_E)},
          {"kty", "RSA"},
          {"n", BnParamB64u(pkey, OSSL_PKEY_PARAM_RSA_N)}};
}

std::string PrivateKey::JwkThumbprint() const {
  core::Result<std::string> thumbprint = crypto::JwkThumbprint(PublicJwk());
  if (!thumbprint.ok()) Die("JWK thumbprint of own public key failed");
  return std::move(thumbprint).value();
}

std::string_view PrivateKey::JwsAlgorithm() const {
  return impl_->kind == Kind::kEcP256 ? "ES256" : "RS256";
}

core::Result<std::string> PrivateKey::SignJwsInput(std::string_view data) const {
  if (impl_->kind == Kind::kEcP256) return SignEs256(impl_->pkey.get(), data);
  return SignRs256(data);
}

core::Result<std::string> PrivateKey::SignRs256(std::string_view data) const {
  if (impl_->kind != Kind::kRsa) return core::FailedPrecondition("rs256: not an RSA key");
  // RSA keys sign with RSASSA-PKCS1-v1_5 unless told otherwise (RFC 7518 §3.3).
  return DigestSign(impl_->pkey.get(), data, "rs256");
}

std::string PrivateKey::PublicKeyDer() const {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(impl_->pkey.get(), &der);
  std::string out;
  if (len > 0 && der != nullptr) out.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  internal::DrainOpensslErrors();
  return out;
}

bool PrivateKey::MatchesCertificate(std::string_view certificate_pem) const {
  X509Ptr cert = internal::ReadFirstCertificate(certificate_pem);
  if (!cert) return false;
  const EVP_PKEY* cert_key = X509_get0_pubkey(cert.get());
  bool match = cert_key != nullptr && EVP_PKEY_eq(impl_->pkey.get(), cert_key) == 1;
  internal::DrainOpensslErrors();
  return match;
}

}  // namespace certadns::crypto
