// Text from outside (CA problem documents, PowerDNS error bodies, HTTP bodies, client input
// echoed in messages) made safe to keep: valid UTF-8, no control characters, bounded length.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace certadns::core {

/// Longest text SafeText keeps by default, in bytes (a log line, a problem's detail).
inline constexpr size_t kMaxSafeTextBytes = 1024;

/// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most
/// U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// `text` as valid UTF-8 that any JSON encoder and log accepts: each ill-formed sequence
/// becomes U+FFFD, control characters (C0 but tab, DEL) become a space, and text longer
/// than `max_bytes` is cut on a character boundary and ends in "…" (the result is at most
/// `max_bytes` + 3 bytes).
std::string SafeText(std::string_view text, size_t max_bytes = kMaxSafeTextBytes);

}  // namespace certadns::core
