// CurlHttpClient: HttpClient over libcurl. Connections are kept alive and reused (a pool of
// easy handles, each with its own connection cache), TLS is verified against the system
// store or `ca_bundle`. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "http/http_client.h"

namespace certadns::http {

struct CurlHttpClientOptions {
  std::string ca_bundle;  // PEM file of trusted CAs; empty = system default
  std::string user_agent = "certadns/0.1";
  std::string local_address;  // source IP address of outgoing connections; empty = any
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options);
  ~CurlHttpClient() override;

  core::Result<Response> Send(const Request& request) override;

 private:
  struct Pool;
  CurlHttpClientOptions options_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace certadns::http
