// HttpServer: the service's HTTP front (cpp-httplib underneath, never exposed): the REST API
// under /api/v1 (routes.h), the health check, and the dashboard's files. Thread-safe;
// requests are served by a thread pool.
#pragma once

#include <memory>
#include <string>

#include "api/services.h"
#include "core/result.h"

namespace certadns::api {

class HttpServer {
 public:
  explicit HttpServer(Services services);
  ~HttpServer();

  /// Binds `listen` ("host:port"; port 0 picks a free one) and serves in a background
  /// thread. kUnavailable when the address cannot be bound.
  core::Status Start(const std::string& listen);
  /// The bound port (after Start).
  int port() const;
  /// Stops serving and joins the thread; idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certadns::api
