#include "crypto/jwk.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"

namespace certadns::crypto {

core::Result<std::string> JwkThumbprint(const nlohmann::json& public_jwk) {
  if (!public_jwk.is_object()) return core::InvalidArgument("jwk: not a JSON object");
  auto kty = public_jwk.find("kty");
  if (kty == public_jwk.end() || !kty->is_string() || (*kty != "RSA" && *kty != "EC")) {
    return core::InvalidArgument("jwk: only \"kty\":\"RSA\" and \"kty\":\"EC\" are supported");
  }
  // RFC 7638 §3.2: the required members of the key type (RFC 7518 §6.2.1, §6.3.1).
  const bool rsa = *kty == "RSA";
  static const std::vector<const char*> kRsaMembers = {"e", "n"};
  static const std::vector<const char*> kEcMembers = {"crv", "x", "y"};
  const std::vector<const char*>& required = rsa ? kRsaMembers : kEcMembers;
  nlohmann::json canonical = {{"kty", *kty}};
  for (const char* name : required) {
    auto member = public_jwk.find(name);
    if (member == public_jwk.end() || !member->is_string()) {
      return core::InvalidArgument(rsa ? "jwk: RSA key needs string members \"e\" and \"n\""
                                       : "jwk: EC key needs string members \"crv\", \"x\", \"y\"");
    }
    canonical[name] = *member;
  }
  // RFC 7638 §3.3: sorted, no whitespace. nlohmann::json objects keep keys sorted and dump()
  // emits no whitespace.
  std::string text;
  try {
    text = canonical.dump();
  } catch (const nlohmann::json::exception&) {
    return core::InvalidArgument("jwk: member is not valid UTF-8");
  }
  return Base64UrlEncode(Sha256(text));
}

}  // namespace certadns::crypto
