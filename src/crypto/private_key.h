// PrivateKey: an RSA or EC P-256 private key (OpenSSL EVP_PKEY underneath, never exposed).
// The spec fixes RSA 2048 for certificate keys; the ACME account key is EC P-256 for new
// accounts (JWS "ES256", a tenth of RSA's signing cost) and RSA for accounts registered
// before. Movable, not copyable; const methods are thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "crypto/secret.h"

namespace certadns::crypto {

class PrivateKey {
 public:
  enum class Kind { kRsa, kEcP256 };

  /// Generates a fresh RSA key of `bits` (2048 by default). kInvalidArgument when `bits` is
  /// outside [2048, 16384]; kInternal if OpenSSL fails.
  /// With `cancel`, generation stops (kUnavailable) soon after it becomes true.
  static core::Result<PrivateKey> GenerateRsa(int bits = 2048,
                                              const std::atomic<bool>* cancel = nullptr);
  /// Generates a fresh EC key on P-256 (secp256r1). kInternal if OpenSSL fails.
  static core::Result<PrivateKey> GenerateEcP256();
  /// Parses a PEM private key (PKCS#8 or traditional). kInvalidArgument when malformed,
  /// encrypted, or neither RSA nor EC on P-256 (other curves, Ed25519, DSA... are refused).
  static core::Result<PrivateKey> FromPem(std::string_view pem);

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

  Kind kind() const;
  /// PKCS#8 PEM (block type "PRIVATE KEY").
  SecretString ToPem() const;
  /// The public key as a JWK (RFC 7517/7518 §6): {"e":..., "kty":"RSA", "n":...} or
  /// {"crv":"P-256", "kty":"EC", "x":..., "y":...} (x, y: 32 bytes each, big-endian).
  nlohmann::json PublicJwk() const;
  /// RFC 7638 thumbprint: base64url(SHA-256(canonical JWK with its required members)).
  std::string JwkThumbprint() const;
  /// The JWS "alg" this key signs with (RFC 7518 §3.1): "RS256" or "ES256".
  std::string_view JwsAlgorithm() const;
  /// The JWS signature of `data` (raw bytes) under JwsAlgorithm(): for RSA the
  /// RSASSA-PKCS1-v1_5 SHA-256 signature, for EC the 64-byte R || S of ECDSA P-256 SHA-256
  /// (RFC 7518 §3.4), not DER.
  core::Result<std::string> SignJwsInput(std::string_view data) const;
  /// RSASSA-PKCS1-v1_5 SHA-256 signature (JWS "RS256") of `data`, raw bytes.
  /// kFailedPrecondition for an EC key.
  core::Result<std::string> SignRs256(std::string_view data) const;
  /// True when `certificate_pem`'s (first certificate's) public key is this key's.
  bool MatchesCertificate(std::string_view certificate_pem) const;
  /// The public key as DER SubjectPublicKeyInfo (what a certificate for it carries).
  std::string PublicKeyDer() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certadns::crypto
