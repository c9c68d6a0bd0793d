// ApiClient: a caller of certadns's REST API (/api/v1) as a user would be: with an API key
// (Bearer), or with the dashboard's session cookie and its CSRF token, or with nothing.
// Answers keep the status, the raw body and the body parsed as JSON (null when it is not
// JSON). Thread-compatible.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_client.h"

namespace certadns::test {

struct ApiResponse {
  long status = 0;  // 0: no HTTP answer at all (see `body` for the transport error)
  std::string body;
  nlohmann::json json;  // null unless the body is JSON
  std::vector<http::Header> headers;

  std::optional<std::string> Header(std::string_view name) const;
  /// "POST /certificates -> 403 {...}", for failure messages.
  std::string what;
  std::string Describe() const { return what + " -> " + std::to_string(status) + " " + body; }
};

class ApiClient {
 public:
  /// `base_url` is the server's root ("http://127.0.0.1:1234"); paths are under /api/v1.
  ApiClient(http::HttpClient& http, std::string base_url);

  void SetApiKey(std::string key) { api_key_ = std::move(key); }
  /// "certadns_session=..." as sent in a Cookie header; "" for none.
  void SetCookie(std::string cookie) { cookie_ = std::move(cookie); }
  /// Sent as X-CSRF-Token; "" for none.
  void SetCsrfToken(std::string token) { csrf_token_ = std::move(token); }

  ApiResponse Get(const std::string& path) const { return Send("GET", path, ""); }
  ApiResponse Post(const std::string& path, const nlohmann::json& body) const {
    return Send("POST", path, body.dump());
  }
  ApiResponse Put(const std::string& path, const nlohmann::json& body) const {
    return Send("PUT", path, body.dump());
  }
  ApiResponse Delete(const std::string& path) const { return Send("DELETE", path, ""); }
  /// Any method with a raw body, sent with `content_type` when non-empty.
  ApiResponse Send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& content_type = "application/json") const;

 private:
  http::HttpClient& http_;
  std::string base_url_;
  std::string api_key_;
  std::string cookie_;
  std::string csrf_token_;
};

/// Passes when `r` is the error body {"detail": detail, "code": code} with `status`.
::testing::AssertionResult IsError(const ApiResponse& r, long status, std::string_view code,
                                   std::string_view detail);
/// Passes when `r` is a 400 "invalid_request" whose detail contains every one of `words`
/// (case-insensitive): the answer names the problem.
::testing::AssertionResult IsBadRequestNaming(const ApiResponse& r,
                                              const std::vector<std::string>& words);
/// Passes when `r` has `status` (with the response in the message otherwise).
::testing::AssertionResult HasStatus(const ApiResponse& r, long status);

}  // namespace certadns::test
