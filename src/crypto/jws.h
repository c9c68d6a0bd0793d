// JWS for ACME (RFC 7515 flattened JSON serialization, as RFC 8555 §6.2 requires) and the
// DNS-01 values (RFC 8555 §8.1, §8.4). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "crypto/private_key.h"

namespace certadns::crypto {

/// Signs `payload` with the key's algorithm (RS256 for RSA, ES256 for EC P-256): "alg" is set
/// to key.JwsAlgorithm() in `protected_header` (which carries nonce, url and either jwk or
/// kid), replacing any "alg" given. An empty `payload`
/// yields the POST-as-GET form (RFC 8555 §6.3): "payload":"". Returns
/// {"protected": b64u, "payload": b64u, "signature": b64u}.
core::Result<nlohmann::json> SignJws(const PrivateKey& key, nlohmann::json protected_header,
                                     std::string_view payload);

/// RFC 8555 §8.1: token || '.' || base64url(JWK thumbprint).
std::string KeyAuthorization(std::string_view token, std::string_view thumbprint);
/// RFC 8555 §8.4: base64url(SHA-256(key authorization)), the _acme-challenge TXT value.
std::string Dns01TxtValue(std::string_view key_authorization);

}  // namespace certadns::crypto
