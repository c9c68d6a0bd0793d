#include "api/call.h"

#include "core/errors.h"

namespace certadns::api {

core::Result<nlohmann::json> Call::JsonObject() const {
  if (body.empty()) return core::errors::InvalidRequest("Request body must be a JSON object");
  // nlohmann's reader takes a NUL byte for the end of input, so `{...}\0anything` would pass;
  // a raw NUL is never valid JSON (RFC 8259 §7 requires control characters to be escaped).
  if (body.find('\0') != std::string::npos) {
    return core::errors::InvalidRequest("Request body is not valid JSON (it contains a NUL byte)");
  }
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return core::errors::InvalidRequest("Request body is not valid JSON");
  if (!json.is_object()) return core::errors::InvalidRequest("Request body must be a JSON object");
  return json;
}

core::Result<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                        const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return core::errors::InvalidRequest(std::string(field) + " must be a string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

core::Result<std::optional<bool>> OptionalBool(const nlohmann::json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return core::errors::InvalidRequest(std::string(field) + " must be true or false");
  }
  return std::optional<bool>(it->get<bool>());
}

core::Result<std::vector<std::string>> OptionalStringList(const nlohmann::json& object,
                                                          const char* field) {
  std::vector<std::string> out;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return core::errors::InvalidRequest(std::string(field) + " must be a list of domain names");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      return core::errors::InvalidRequest(std::string(field) + " must contain only strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace certadns::api
