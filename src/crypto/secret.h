// SecretString holds key material and wipes it (OPENSSL_cleanse) when destroyed. It has no
// stream operator and no implicit conversion, so it cannot end up in a log by accident.
// Thread-compatible.
#pragma once

#include <string>
#include <string_view>

namespace certadns::crypto {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString& operator=(const SecretString& other);
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString();

  /// The secret itself; use only where it must leave (sealing, the download response).
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  void Wipe();
  std::string value_;
};

}  // namespace certadns::crypto
