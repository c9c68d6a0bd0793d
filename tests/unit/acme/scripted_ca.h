// A scripted ACME CA for Rfc8555Client's unit tests: its URLs, and the directory, nonce and
// account answers every test starts from (on a test::FakeHttpClient). Header-only, test-only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_http_client.h"

namespace certadns::acme::scripted {

inline constexpr char kDirectoryUrl[] = "https://ca.test/dir";
inline constexpr char kNewNonceUrl[] = "https://ca.test/new-nonce";
inline constexpr char kNewAccountUrl[] = "https://ca.test/new-acct";
inline constexpr char kNewOrderUrl[] = "https://ca.test/new-order";
inline constexpr char kRevokeUrl[] = "https://ca.test/revoke-cert";
inline constexpr char kAccountUrl[] = "https://ca.test/acct/17";
inline constexpr char kOrderUrl[] = "https://ca.test/order/5";

inline http::Response WithHeaders(http::Response response,
                                  std::vector<std::pair<std::string, std::string>> headers) {
  for (auto& [name, value] : headers) response.headers.push_back({name, value});
  return response;
}

/// Scripts `directory`, a HEAD newNonce answering "head-1" and a newAccount answering
/// kAccountUrl on `http`.
inline void ScriptCa(test::FakeHttpClient& http, const nlohmann::json& directory) {
  using test::FakeHttpClient;
  http.When("GET", kDirectoryUrl, FakeHttpClient::JsonResponse(200, directory.dump()));
  http.When("HEAD", kNewNonceUrl,
            WithHeaders(FakeHttpClient::TextResponse(200, ""), {{"Replay-Nonce", "head-1"}}));
  http.When("POST", kNewAccountUrl,
            WithHeaders(FakeHttpClient::JsonResponse(201, R"({"status": "valid"})"),
                        {{"Location", kAccountUrl}, {"Replay-Nonce", "after-account"}}));
}

}  // namespace certadns::acme::scripted
