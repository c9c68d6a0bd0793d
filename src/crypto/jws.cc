#include "crypto/jws.h"

#include <utility>

#include "crypto/encoding.h"

namespace certadns::crypto {

core::Result<nlohmann::json> SignJws(const PrivateKey& key, nlohmann::json protected_header,
                                     std::string_view payload) {
  if (!protected_header.is_object()) {
    return core::InvalidArgument("jws: protected header must be a JSON object");
  }
  protected_header["alg"] = key.JwsAlgorithm();
  std::string header_text;
  try {
    header_text = protected_header.dump();
  } catch (const nlohmann::json::exception&) {
    return core::InvalidArgument("jws: protected header is not valid UTF-8");
  }
  std::string protected_b64 = Base64UrlEncode(header_text);
  // RFC 8555 §6.3: POST-as-GET carries the empty string as its payload.
  std::string payload_b64 = payload.empty() ? std::string() : Base64UrlEncode(payload);
  // RFC 7515 §5.1: the signing input is ASCII(protected '.' payload).
  ASSIGN_OR_RETURN(std::string signature, key.SignJwsInput(protected_b64 + "." + payload_b64));
  return nlohmann::json{{"protected", std::move(protected_b64)},
                        {"payload", std::move(payload_b64)},
                        {"signature", Base64UrlEncode(signature)}};
}

std::string KeyAuthorization(std::string_view token, std::string_view thumbprint) {
  std::string out;
  out.reserve(token.size() + 1 + thumbprint.size());
  out.append(token);
  out.push_back('.');
  out.append(thumbprint);
  return out;
}

std::string Dns01TxtValue(std::string_view key_authorization) {
  return Base64UrlEncode(Sha256(key_authorization));
}

}  // namespace certadns::crypto
