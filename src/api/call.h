// The API's request/response values, free of the HTTP library's types, and the helpers
// handlers use to read a JSON body with errors that say what is wrong. Private to src/api/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/records.h"

namespace certadns::api {

/// Who is calling, once authenticated.
struct Principal {
  store::User user;
  bool via_session = false;       // dashboard cookie (CSRF applies) rather than an API key
  std::string session_token_hash;
  std::string csrf_token;
  std::string api_key_id;  // the API key that authenticated the call ("" for a session)
};

struct Call {
  std::string method;
  std::vector<std::string> params;  // the route's captures, e.g. {id}
  std::map<std::string, std::string> query;
  std::string body;
  std::string content_type;    // the request's Content-Type header, as sent
  std::string client_address;  // the client's IP address (the peer, or X-Forwarded-For
                               // when the peer is a trusted proxy)
  std::optional<Principal> principal;

  const store::User& user() const { return principal->user; }
  /// The body as a JSON object; kInvalidArgument naming the problem otherwise.
  core::Result<nlohmann::json> JsonObject() const;
};

struct Reply {
  int status = 200;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
  // A file instead of JSON (a download): sent as `raw_body` with this Content-Type when set.
  std::string raw_content_type;
  std::string raw_body;
};

/// Reads optional typed fields from a JSON object; a wrong type is a 400 naming the field.
core::Result<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                        const char* field);
core::Result<std::optional<bool>> OptionalBool(const nlohmann::json& object, const char* field);
core::Result<std::vector<std::string>> OptionalStringList(const nlohmann::json& object,
                                                          const char* field);

}  // namespace certadns::api
