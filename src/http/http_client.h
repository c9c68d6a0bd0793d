// HttpClient: the outbound HTTP seam shared by acme/ and dns/. The curl implementation
// lives in curl_http_client.h; tests use a scripted fake. Implementations are thread-safe:
// one client serves every worker thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace certadns::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<Header> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
};

struct Response {
  long status = 0;
  std::vector<Header> headers;  // in arrival order, names as sent by the peer
  std::string body;

  /// The first header named `name` (case-insensitive), if any.
  std::optional<std::string> FindHeader(std::string_view name) const;
  /// Every header named `name` (case-insensitive), e.g. several Link headers.
  std::vector<std::string> FindHeaders(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Sends `request` and returns whatever status the peer answered (4xx/5xx included).
  /// kUnavailable on transport errors (connect, TLS, timeout), with curl's reason.
  virtual core::Result<Response> Send(const Request& request) = 0;
};

}  // namespace certadns::http
