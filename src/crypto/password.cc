#include "crypto/password.h"

#include <string>

#include <sodium.h>

namespace certadns::crypto {

core::Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return core::InvalidArgument("password must have at least " +
                                 std::to_string(kMinPasswordLength) + " characters");
  }
  if (password.size() > kMaxPasswordLength) {
    return core::InvalidArgument("password must have at most " +
                                 std::to_string(kMaxPasswordLength) + " characters");
  }
  if (sodium_init() < 0) return core::Internal("sodium_init failed");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return core::Internal("password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  // crypto_pwhash_str_verify wants a NUL-terminated string of at most STRBYTES - 1 chars.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (password.size() > kMaxPasswordLength) return false;
  if (sodium_init() < 0) return false;
  std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace certadns::crypto
