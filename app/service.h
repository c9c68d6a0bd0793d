// Service: the composition root. It builds every part from the Config (store from
// database.url, PowerDNS, the ACME client with its stored account, the engine, workers and
// the HTTP server) and owns them for the life of the process.
#pragma once

#include <memory>

#include "app/config.h"
#include "core/result.h"

namespace certadns::app {

class Service {
 public:
  static core::Result<std::unique_ptr<Service>> Create(const Config& config);
  ~Service();

  /// Starts the workers and the HTTP server.
  core::Status Start();
  /// Stops accepting requests, lets running steps finish; idempotent.
  void Stop();

 private:
  struct Parts;
  explicit Service(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace certadns::app
