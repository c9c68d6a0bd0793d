// Password hashing for dashboard logins: Argon2id through libsodium's crypto_pwhash_str,
// whose output string carries its own salt and parameters. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace certadns::crypto {

/// Shortest and longest passwords HashPassword accepts (the upper bound keeps one login
/// from costing more than it should).
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 1024;

/// An Argon2id hash ("$argon2id$v=19$m=...") of `password` with a fresh random salt, at
/// libsodium's INTERACTIVE limits. kInvalidArgument when the password is shorter than 8 or
/// longer than 1024 characters; kInternal when libsodium cannot allocate the memory.
core::Result<std::string> HashPassword(std::string_view password);

/// True when `password` matches `hash` (as made by HashPassword). False for any malformed or
/// empty hash. The comparison is libsodium's, constant time in the password.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace certadns::crypto
