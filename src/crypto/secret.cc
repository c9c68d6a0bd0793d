#include "crypto/secret.h"

#include <utility>

#include <openssl/crypto.h>

namespace certadns::crypto {

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    Wipe();
    value_ = other.value_;
  }
  return *this;
}

// A moved-from std::string may keep the bytes in its small-string buffer, and libstdc++'s
// move assignment hands our old heap buffer to `other`; wiping both sides covers either case.
SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
  other.Wipe();
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Wipe();
    value_ = std::move(other.value_);
    other.Wipe();
  }
  return *this;
}

SecretString::~SecretString() { Wipe(); }

void SecretString::Wipe() {
  // Growing to capacity() never reallocates and makes the whole buffer, including bytes left
  // behind by an earlier shrink, addressable for the cleanse.
  value_.resize(value_.capacity());
  OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

}  // namespace certadns::crypto
