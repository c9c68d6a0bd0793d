// DNS names as users type them, made canonical and checked (libidn2 for IDN -> punycode,
// libpsl for public suffixes, both behind this header). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace certadns::core {

/// Lower case, no trailing dot, Unicode labels converted to punycode (IDNA 2008, UTS#46
/// non-transitional), surrounding spaces trimmed. A leading "*." is kept (wildcard).
/// kInvalidArgument, with a message naming the name and what is wrong, when: empty; longer
/// than 253 octets; a label empty or longer than 63; characters other than letters,
/// digits and hyphen; a label starting or ending with a hyphen; a '*' anywhere but as the
/// whole leftmost label; fewer than two labels; an IP address; not convertible to punycode.
Result<std::string> NormalizeDnsName(std::string_view input);

/// True when `name` (normalised, "*." allowed) is `zone` itself or below it, label-wise:
/// "app.example.com" and "*.example.com" are under "example.com"; "badexample.com" is not.
bool IsUnderZone(std::string_view name, std::string_view zone);

/// True when `name` is a public suffix ("com", "co.uk", "github.io"), per libpsl's built-in
/// list (no download).
bool IsPublicSuffix(std::string_view name);

/// The registered domain of `name` (normalised; a leading "*." ignored): its public suffix
/// plus one label, per libpsl's built-in list ("www.example.co.uk" -> "example.co.uk"), as
/// Let's Encrypt counts certificates per registered domain. A public suffix is its own.
std::string RegisteredDomain(std::string_view name);

}  // namespace certadns::core
