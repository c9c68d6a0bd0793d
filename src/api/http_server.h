// HttpServer: the service's HTTP front (Boost.Beast on Asio underneath, never exposed): the
// REST API under /api/v1 (routes.h), the health check, and the dashboard's files.
// Event-driven: one I/O thread owns every connection, so an idle or slow client holds no
// thread; handlers (which block on the database, Argon2id, DNS, the CA) run on a small
// bounded worker pool and hand their answer back to the I/O thread. Every request has a
// deadline for its headers and body, idle connections are closed, and open connections are
// capped globally and per client address (ServerLimits). Thread-safe.
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

  /// Binds `listen` ("host:port"; port 0 picks a free one) and serves in background
  /// threads. kUnavailable when the address cannot be bound.
  core::Status Start(const std::string& listen);
  /// The bound port (after Start).
  int port() const;
  /// Stops serving promptly (connections are dropped, handlers running finish), joins the
  /// threads; idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certadns::api
