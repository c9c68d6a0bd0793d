// PrivateKey: an RSA private key (OpenSSL EVP_PKEY underneath, never exposed). The spec fixes
// RSA 2048 for certificate keys; the ACME account key uses the same type. Movable, not
// copyable; const methods are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "crypto/secret.h"

namespace certadns::crypto {

class PrivateKey {
 public:
  /// Generates a fresh RSA key of `bits` (2048 by default). kInvalidArgument when `bits` is
  /// outside [2048, 16384]; kInternal if OpenSSL fails.
  static core::Result<PrivateKey> GenerateRsa(int bits = 2048);
  /// Parses a PEM private key (PKCS#8 or traditional). kInvalidArgument when malformed,
  /// encrypted, or not RSA.
  static core::Result<PrivateKey> FromPem(std::string_view pem);

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

  /// PKCS#8 PEM (block type "PRIVATE KEY").
  SecretString ToPem() const;
  /// The public key as a JWK (RFC 7517): {"e":..., "kty":"RSA", "n":...}.
  nlohmann::json PublicJwk() const;
  /// RFC 7638 thumbprint: base64url(SHA-256(canonical JWK with members e, kty, n)).
  std::string JwkThumbprint() const;
  /// RSASSA-PKCS1-v1_5 SHA-256 signature (JWS "RS256") of `data`, raw bytes.
  core::Result<std::string> SignRs256(std::string_view data) const;
  /// True when `certificate_pem`'s (first certificate's) public key is this key's.
  bool MatchesCertificate(std::string_view certificate_pem) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certadns::crypto
