#include "crypto/api_key.h"

#include <cstdio>
#include <cstdlib>

#include <sodium.h>

#include "crypto/encoding.h"

namespace certadns::crypto {

NewApiKey GenerateApiKey() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (sodium_init() < 0) {
    std::fputs("sodium_init failed\n", stderr);
    std::abort();
  }
  std::string key(kApiKeyPrefix);
  key.reserve(kApiKeyPrefix.size() + kApiKeyRandomChars);
  for (size_t i = 0; i < kApiKeyRandomChars; ++i) {
    // randombytes_uniform is unbiased, unlike a byte taken modulo 62.
    key.push_back(kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)]);
  }
  NewApiKey out;
  out.key_hash = HashToken(key);
  out.prefix = key.substr(0, kApiKeyDisplayPrefixLength);
  out.key = SecretString(std::move(key));
  return out;
}

std::string HashToken(std::string_view token) { return HexEncode(Sha256(token)); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace certadns::crypto
