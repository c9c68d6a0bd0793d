#include "api/http_server.h"

#include <httplib.h>

#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/error_mapping.h"
#include "api/routes.h"
#include "core/errors.h"

namespace certadns::api {
namespace {

constexpr std::string_view kBase = "/api/v1";
constexpr size_t kServerThreads = 64;

void WriteJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

void WriteError(httplib::Response& res, const core::Error& error) {
  Reply reply = ErrorReply(error);  // api/error_mapping.h: the one mapping
  for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), value);
  WriteJson(res, reply.status, reply.body);
}

// "/certificates/{id}/logs" -> "/api/v1/certificates/([A-Za-z0-9_-]+)/logs"
std::string RoutePattern(std::string_view path) {
  std::string pattern(kBase);
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      pattern += "([A-Za-z0-9_-]+)";
      i = path.find('}', i);
    } else if (path[i] == '.') {
      pattern += "\\.";
    } else {
      pattern += path[i];
    }
  }
  return pattern;
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(Services s) : services(std::move(s)) {}
  Services services;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  void Serve(const Route& route, const httplib::Request& req, httplib::Response& res) {
    Call call;
    call.method = req.method;
    for (size_t i = 1; i < req.matches.size(); ++i) call.params.push_back(req.matches[i]);
    for (const auto& [key, value] : req.params) call.query[key] = value;
    call.body = req.body;
    call.content_type = req.get_header_value("Content-Type");
    call.client_address = req.remote_addr;
    if (route.authenticated) {
      auto principal = Authenticate(services, req.get_header_value("Authorization"),
                                    req.get_header_value("Cookie"));
      if (!principal.ok()) {
        // Failed credentials count against the client address, like anonymous calls.
        auto admitted = Admit(services, call);
        return WriteError(res, admitted.ok() ? principal.error() : admitted.error());
      }
      auto allowed = Authorize(*principal, call.method, std::string(route.path),
                               req.get_header_value(std::string(kCsrfHeader).c_str()));
      call.principal = std::move(principal).value();
      auto admitted = Admit(services, call);
      if (!admitted.ok()) return WriteError(res, admitted.error());
      if (!allowed.ok()) return WriteError(res, allowed.error());
    } else if (auto admitted = Admit(services, call); !admitted.ok()) {
      return WriteError(res, admitted.error());
    }
    auto reply = route.handler(services, call);
    if (!reply.ok()) return WriteError(res, reply.error());
    for (const auto& [name, value] : reply->headers) res.set_header(name.c_str(), value);
    WriteJson(res, reply->status, reply->body);
  }
};

HttpServer::HttpServer(Services services) : impl_(std::make_unique<Impl>(std::move(services))) {
  httplib::Server& server = impl_->server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    WriteJson(res, 200, {{"status", "ok"}});
  });
  for (const Route& route : Routes()) {
    Impl* impl = impl_.get();
    auto handler = [impl, &route](const httplib::Request& req, httplib::Response& res) {
      impl->Serve(route, req, res);
    };
    std::string pattern = RoutePattern(route.path);
    if (route.method == "GET") server.Get(pattern, handler);
    if (route.method == "POST") server.Post(pattern, handler);
    if (route.method == "PUT") server.Put(pattern, handler);
    if (route.method == "DELETE") server.Delete(pattern, handler);
  }
  const std::string& web_root = impl_->services.options.web_root;
  if (!web_root.empty() && std::filesystem::is_directory(web_root)) {
    server.set_mount_point("/", web_root);
  }
  server.set_payload_max_length(1 << 20);
  // Each connection holds a pool thread while open (httplib's model): a pool larger than
  // httplib's default of 8 and short idle timeouts keep idle clients from starving others,
  // and let a stop finish promptly.
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(10);
  server.set_write_timeout(10);
  // httplib calls this for every status >= 400; only an unmatched route has no body yet.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind(kBase, 0) == 0 && res.status == 404 && res.body.empty()) {
      WriteJson(res, 404, {{"detail", "No such endpoint: " + req.method + " " + req.path},
                           {"code", "not_found"}});
    }
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          spdlog::error("unhandled exception in a request: {}", e.what());
        } catch (...) {
          spdlog::error("unhandled exception in a request");
        }
        WriteJson(res, 500, {{"detail", "Internal error"}, {"code", "internal"}});
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
