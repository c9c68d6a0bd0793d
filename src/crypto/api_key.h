// API keys and token hashing: keys are random "cdns_..." strings shown to the user once;
// the service keeps only their SHA-256 (as for session tokens) and compares hashes in
// constant time. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "crypto/secret.h"

namespace certadns::crypto {

inline constexpr std::string_view kApiKeyPrefix = "cdns_";
inline constexpr size_t kApiKeyRandomChars = 40;          // [A-Za-z0-9], ~238 bits
inline constexpr size_t kApiKeyDisplayPrefixLength = 12;  // "cdns_" + 7 chars

struct NewApiKey {
  SecretString key;      // "cdns_" + 40 chars; shown to the user once, never stored
  std::string key_hash;  // HashToken(key)
  std::string prefix;    // the key's first 12 characters, to tell keys apart
};

/// A new random key from libsodium's CSPRNG.
NewApiKey GenerateApiKey();

/// Lower-case hex SHA-256 of `token`: how API keys and session tokens are stored and looked up.
std::string HashToken(std::string_view token);

/// True when `a` and `b` are equal; for equal lengths the time taken does not depend on
/// where they differ (sodium_memcmp). Lengths are not secret here (hashes have fixed length).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace certadns::crypto
