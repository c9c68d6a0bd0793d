// SecretBox seals secrets at rest with AES-256-GCM under the service's master key. A sealed
// blob is nonce(12) || ciphertext || tag(16); the associated data binds a blob to its owner
// record (e.g. the certificate id), so blobs cannot be swapped between rows. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/secret.h"

namespace certadns::crypto {

class SecretBox {
 public:
  /// `master_key` must be exactly 32 bytes; kInvalidArgument otherwise.
  static core::Result<SecretBox> Create(SecretString master_key);

  /// Loads the 32-byte master key from `path`, creating it (random, mode 0600, parent
  /// directories as needed, mode 0700) when the file does not exist. Refuses
  /// (kFailedPrecondition) a key file with any group or other permission bit, or of the wrong
  /// size; kFailedPrecondition also for I/O errors (with the path and errno text).
  static core::Result<SecretBox> FromKeyFile(const std::string& path);
  /// Loads the master key from `path` like FromKeyFile, but never creates it: kNotFound when
  /// the file does not exist.
  static core::Result<SecretBox> LoadKeyFile(const std::string& path);

  /// Identifies the key without revealing it: hex SHA-256 of HMAC-SHA256(key, a fixed
  /// label). Equal keys give equal fingerprints; the key cannot be recovered from it.
  std::string Fingerprint() const;

  core::Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  /// kInvalidArgument when the blob was tampered with, sealed under another key or another aad.
  core::Result<SecretString> Open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit SecretBox(SecretString key) : key_(std::move(key)) {}
  SecretString key_;
};

}  // namespace certadns::crypto
