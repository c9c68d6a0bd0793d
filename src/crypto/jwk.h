// RFC 7638 JWK thumbprints computed from a public JWK given as JSON, so they can be checked
// against the RFC's vector without the private key. PrivateKey::JwkThumbprint uses this.
// Thread-safe.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace certadns::crypto {

/// RFC 7638 §3: base64url(SHA-256(UTF-8 of the canonical JSON of the required members, in
/// lexicographic order, no whitespace)). RSA and EC keys are supported, i.e. the hash input is
/// exactly {"e":"...","kty":"RSA","n":"..."} or {"crv":"...","kty":"EC","x":"...","y":"..."};
/// other members are ignored. kInvalidArgument when `public_jwk` is not an object with "kty"
/// "RSA" or "EC" and that type's required members as strings.
core::Result<std::string> JwkThumbprint(const nlohmann::json& public_jwk);

}  // namespace certadns::crypto
