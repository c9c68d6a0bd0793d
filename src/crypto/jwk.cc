#include "crypto/jwk.h"

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"

namespace certadns::crypto {

core::Result<std::string> JwkThumbprint(const nlohmann::json& public_jwk) {
  if (!public_jwk.is_object()) return core::InvalidArgument("jwk: not a JSON object");
  auto kty = public_jwk.find("kty");
  auto e = public_jwk.find("e");
  auto n = public_jwk.find("n");
  if (kty == public_jwk.end() || !kty->is_string() || *kty != "RSA") {
    return core::InvalidArgument("jwk: only \"kty\":\"RSA\" is supported");
  }
  if (e == public_jwk.end() || !e->is_string() || n == public_jwk.end() || !n->is_string()) {
    return core::InvalidArgument("jwk: RSA key needs string members \"e\" and \"n\"");
  }
  // RFC 7638 §3.2/§3.3: only the required members, sorted, no whitespace. nlohmann::json
  // objects keep keys sorted and dump() emits no whitespace.
  nlohmann::json canonical = {{"e", *e}, {"kty", "RSA"}, {"n", *n}};
  std::string text;
  try {
    text = canonical.dump();
  } catch (const nlohmann::json::exception&) {
    return core::InvalidArgument("jwk: member is not valid UTF-8");
  }
  return Base64UrlEncode(Sha256(text));
}

}  // namespace certadns::crypto
