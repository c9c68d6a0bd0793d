// SecretBox seals secrets at rest with AES-256-GCM under the service's master key. A sealed
// blob is nonce(12) || ciphertext || tag(16); the associated data binds a blob to its owner
// record (e.g. the certificate id), so blobs cannot be swapped between rows. During a
// master-key rotation a box also holds the previous keys: it opens blobs sealed under any of
// them (GCM's tag tells which key fits) and seals under its own key only. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

  /// Makes Open also accept blobs sealed under `previous`'s key (a key being rotated out).
  /// Not thread-safe: call before sharing the box.
  void AddPreviousKey(const SecretBox& previous);
  /// The fingerprints of the keys AddPreviousKey added, in order.
  std::vector<std::string> PreviousFingerprints() const;

  /// Seals under this box's own key.
  core::Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  /// Opens a blob sealed under this box's key or one of its previous keys. kInvalidArgument
  /// when the blob was tampered with, sealed under another key or another aad.
  core::Result<SecretString> Open(std::string_view sealed, std::string_view aad) const;
  /// Whether `sealed` opens under this box's own key (not only under a previous one).
  bool SealedUnderThisKey(std::string_view sealed, std::string_view aad) const;

 private:
  explicit SecretBox(SecretString key) : key_(std::move(key)) {}
  static core::Result<SecretString> OpenWith(const SecretString& key, std::string_view sealed,
                                             std::string_view aad);
  static std::string FingerprintOf(const SecretString& key);
  SecretString key_;
  std::vector<SecretString> previous_;
};

}  // namespace certadns::crypto
