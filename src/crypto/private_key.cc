#include "crypto/private_key.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/encoding.h"
#include "crypto/jwk.h"
#include "crypto/openssl_util.h"
#include "crypto/private_key_impl.h"

namespace certadns::crypto {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

// The key is a valid RSA key by construction; failing to read its public numbers means
// OpenSSL is out of memory or broken, which STYLE.md §4.4(c) treats as fatal.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "certadns crypto: fatal: %s\n", what);
  std::abort();
}

// Big-endian unsigned bytes of an RSA parameter, base64url (RFC 7518 §6.3.1).
std::string RsaParamB64u(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    internal::DrainOpensslErrors();
    Die("EVP_PKEY_get_bn_param failed");
  }
  BignumPtr bn(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return Base64UrlEncode(bytes);
}

}  // namespace

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

core::Result<PrivateKey> PrivateKey::GenerateRsa(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return core::InvalidArgument("rsa: key size must be between 2048 and 16384 bits");
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return core::Internal("rsa: key generation failed: " + internal::DrainOpensslErrors());
  }
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(raw);
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
  if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
    return core::InvalidArgument("private key: not an RSA key");
  }
  auto impl = std::make_unique<Impl>();
  impl->pkey = std::move(pkey);
  return PrivateKey(std::move(impl));
}

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
  return {{"e", RsaParamB64u(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_E)},
          {"kty", "RSA"},
          {"n", RsaParamB64u(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_N)}};
}

std::string PrivateKey::JwkThumbprint() const {
  core::Result<std::string> thumbprint = crypto::JwkThumbprint(PublicJwk());
  if (!thumbprint.ok()) Die("JWK thumbprint of own public key failed");
  return std::move(thumbprint).value();
}

core::Result<std::string> PrivateKey::SignRs256(std::string_view data) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  // RSA keys sign with RSASSA-PKCS1-v1_5 unless told otherwise (RFC 7518 §3.3).
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return core::Internal("rs256: sign init failed: " + internal::DrainOpensslErrors());
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return core::Internal("rs256: sign failed: " + internal::DrainOpensslErrors());
  }
  sig.resize(sig_len);
  return sig;
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
