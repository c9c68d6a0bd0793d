#include "api/http_server.h"

#include <httplib.h>

#include <thread>

#include <nlohmann/json.hpp>

namespace certadns::api {

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {
  impl_->server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(nlohmann::json{{"status", "ok"}}.dump(), "application/json");
  });
  impl_->server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(
            nlohmann::json{{"detail", "Internal error"}, {"code", "internal"}}.dump(),
            "application/json");
      });
}

HttpServer::~HttpServer() { Stop(); }

core::Status HttpServer::Start(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return core::InvalidArgument("server.listen must be host:port, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = std::atoi(listen.c_str() + colon + 1);
  if (port == 0) {
    impl_->port = impl_->server.bind_to_any_port(host.c_str());
  } else {
    impl_->port = impl_->server.bind_to_port(host.c_str(), port) ? port : -1;
  }
  if (impl_->port <= 0) return core::Unavailable("cannot listen on " + listen);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return core::Ok();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace certadns::api
