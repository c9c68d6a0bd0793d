#include "tests/e2e/api/api_client.h"

#include <algorithm>
#include <cctype>

namespace certadns::test {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::optional<std::string> ApiResponse::Header(std::string_view name) const {
  for (const http::Header& h : headers) {
    if (Lower(h.name) == Lower(std::string(name))) return h.value;
  }
  return std::nullopt;
}

ApiClient::ApiClient(http::HttpClient& http, std::string base_url)
    : http_(http), base_url_(std::move(base_url)) {}

ApiResponse ApiClient::Send(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type) const {
  http::Request request;
  request.method = method;
  request.url = base_url_ + "/api/v1" + path;
  request.body = body;
  request.timeout = std::chrono::milliseconds(30000);
  request.headers.push_back({"Accept", "application/json"});
  if (!body.empty()) request.headers.push_back({"Content-Type", content_type});
  if (!api_key_.empty()) request.headers.push_back({"Authorization", "Bearer " + api_key_});
  if (!cookie_.empty()) request.headers.push_back({"Cookie", cookie_});
  if (!csrf_token_.empty()) request.headers.push_back({"X-CSRF-Token", csrf_token_});

  ApiResponse out;
  out.what = method + " " + path;
  auto response = http_.Send(request);
  if (!response.ok()) {
    out.body = "transport error: " + response.error().message();
    return out;
  }
  out.status = response->status;
  out.body = response->body;
  out.headers = response->headers;
  out.json = nlohmann::json::parse(out.body, nullptr, /*allow_exceptions=*/false);
  if (out.json.is_discarded()) out.json = nullptr;
  return out;
}

::testing::AssertionResult HasStatus(const ApiResponse& r, long status) {
  if (r.status == status) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << status << ", got " << r.Describe();
}

::testing::AssertionResult IsError(const ApiResponse& r, long status, std::string_view code,
                                   std::string_view detail) {
  bool ok = r.status == status && r.json.is_object() && r.json.size() == 2 &&
            r.json.value("detail", std::string("\x01")) == detail &&
            r.json.value("code", std::string("\x01")) == code;
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << status << " {\"detail\": \"" << detail
                                       << "\", \"code\": \"" << code << "\"}, got "
                                       << r.Describe();
}

::testing::AssertionResult IsBadRequestNaming(const ApiResponse& r,
                                              const std::vector<std::string>& words) {
  bool ok = r.status == 400 && r.json.is_object() && r.json.size() == 2 &&
            r.json.value("code", std::string()) == "invalid_request" &&
            r.json.contains("detail") && r.json["detail"].is_string();
  std::string missing;
  if (ok) {
    const std::string detail = Lower(r.json["detail"].get<std::string>());
    for (const std::string& word : words) {
      if (detail.find(Lower(word)) == std::string::npos) missing += " \"" + word + "\"";
    }
  }
  if (ok && missing.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure()
                 << "expected 400 invalid_request with a detail naming the problem";
  if (!missing.empty()) failure << " (detail lacks" << missing << ")";
  return failure << ", got " << r.Describe();
}

}  // namespace certadns::test
