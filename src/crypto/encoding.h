// Encodings and digests (OpenSSL underneath): base64url without padding (RFC 4648 §5, as
// JOSE and ACME use it), SHA-256, and random identifiers (libsodium). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace certadns::crypto {

/// Base64url of `bytes`, no '=' padding.
std::string Base64UrlEncode(std::string_view bytes);
/// Decodes base64url with or without padding. kInvalidArgument on bad input.
core::Result<std::string> Base64UrlDecode(std::string_view text);
/// Standard base64 (with padding), e.g. for storing binary in text columns.
std::string Base64Encode(std::string_view bytes);
core::Result<std::string> Base64Decode(std::string_view text);

/// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
/// Raw 32-byte HMAC-SHA256 of `data` under `key` (RFC 2104).
std::string HmacSha256(std::string_view key, std::string_view data);
/// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);

/// `n` cryptographically random bytes.
std::string RandomBytes(size_t n);
/// A random identifier "<prefix>_<24 chars of [a-z0-9]>", e.g. RandomId("cert").
std::string RandomId(std::string_view prefix);

}  // namespace certadns::crypto
