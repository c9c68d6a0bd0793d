#include "api/http_server.h"

#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/error_mapping.h"
#include "api/http_front.h"
#include "api/routes.h"
#include "api/task_pool.h"
#include "core/errors.h"

namespace certadns::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using ResponsePtr = std::shared_ptr<Response>;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kBodyLimit = 1 << 20;
constexpr auto kLinger = std::chrono::seconds(2);  // draining a closed request's rest
constexpr auto kWriteTimeout = std::chrono::seconds(60);  // a slow reader taking an answer
constexpr size_t kLingerBytes = 4 << 20;
constexpr size_t kMaxStaticFile = 32 << 20;

ResponsePtr NewResponse(int status) {
  auto res = std::make_shared<Response>();
  res->version(11);
  res->result(static_cast<unsigned>(status));
  for (const auto& [name, value] : SecurityHeaders()) res->set(name, value);
  return res;
}

ResponsePtr JsonResponse(int status, const nlohmann::json& body) {
  ResponsePtr res = NewResponse(status);
  res->set(bhttp::field::content_type, "application/json");
  res->set(bhttp::field::cache_control, "no-store");
  res->body() = JsonText(body);
  return res;
}

// A handler's file answer (a download): never cached, never sniffed.
ResponsePtr FileResponse(Reply& reply) {
  ResponsePtr res = NewResponse(reply.status);
  res->set(bhttp::field::content_type, reply.raw_content_type);
  res->set(bhttp::field::cache_control, "no-store");
  res->body() = std::move(reply.raw_body);
  return res;
}

ResponsePtr ProblemResponse(const core::errors::HttpProblem& problem, std::string detail = "") {
  return JsonResponse(problem.status, {{"detail", detail.empty() ? problem.detail : detail},
                                       {"code", problem.code}});
}

ResponsePtr ErrorResponse(const core::Error& error) {
  Reply reply = ErrorReply(error);  // api/error_mapping.h: the one mapping
  ResponsePtr res = JsonResponse(reply.status, reply.body);
  for (const auto& [name, value] : reply.headers) res->insert(name, value);
  return res;
}

std::string Header(const Request& req, std::string_view name) {
  std::string value;
  auto range = req.equal_range(beast::string_view(name.data(), name.size()));
  for (auto it = range.first; it != range.second; ++it) {
    value += (value.empty() ? "" : ",") + std::string(it->value());
  }
  return value;
}

std::string PeerAddress(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

}  // namespace

// The server's state, shared by its connections (HttpServer::Impl is this).
struct ServerState {
  explicit ServerState(Services s)
      : services(std::move(s)),
        pool(services.options.limits.workers,
             static_cast<size_t>(std::max(1, services.options.limits.queue))) {}

  Services services;
  std::mutex mu;
  int open = 0;                       // guarded by mu
  std::map<std::string, int> per_ip;  // guarded by mu
  TaskPool pool;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  std::thread io_thread;
  int port = 0;

  bool Admit(const std::string& ip) {
    const ServerLimits& limits = services.options.limits;
    std::lock_guard lock(mu);
    // A trusted proxy carries many clients: only the global cap applies to it.
    int& mine = per_ip[ip];
    int cap = IsTrustedProxy(ip, services.options.trusted_proxies) ? limits.max_connections
                                                                    : limits.max_connections_per_ip;
    if (open >= limits.max_connections || mine >= cap) {
      if (mine == 0) per_ip.erase(ip);
      return false;
    }
    ++open;
    ++mine;
    return true;
  }

  void Release(const std::string& ip) {
    std::lock_guard lock(mu);
    --open;
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second <= 0) per_ip.erase(it);
  }

  void Accept();
  ResponsePtr ServeApi(const Route& route, std::vector<std::string> params,
                       std::map<std::string, std::string> query, Request& req,
                       const std::string& peer);
  ResponsePtr ServeStatic(const std::string& path);
};

namespace {

// One connection, owned by the I/O thread: reads a request under its deadline, has it
// answered (inline or by the worker pool), writes the answer, and repeats while kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerState& server, tcp::socket socket, std::string peer)
      : server_(server), socket_(std::move(socket)), timer_(server.ioc), peer_(std::move(peer)) {}
  ~Session() { server_.Release(peer_); }

  void Start() { ReadRequest(); }

 private:
  const ServerLimits& limits() const { return server_.services.options.limits; }

  // Arms the one timer for the current phase; `on_expiry` runs unless the phase changed.
  template <typename F>
  void Arm(std::chrono::steady_clock::duration after, F on_expiry) {
    unsigned phase = ++phase_;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), phase, on_expiry](boost::system::error_code ec) {
      if (!ec && phase == self->phase_) on_expiry(*self);
    });
  }
  void Disarm() {
    ++phase_;
    timer_.cancel();
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    timed_out_ = false;
    if (buffer_.size() > 0) return ReadRest();
    // Idle: waiting for the first byte of the next request.
    Arm(limits().idle_timeout, [](Session& s) { s.Close(); });
    socket_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](
                                                       boost::system::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadRest();
    });
  }

  void ReadRest() {
    // One deadline for the whole request, headers and body, whatever arrives meanwhile.
    Arm(limits().request_timeout, [](Session& s) {
      s.timed_out_ = true;
      boost::system::error_code ignored;
      s.socket_.cancel(ignored);
    });
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, size_t) {
          if (ec || self->parser_->is_done()) return self->OnRead(ec);
          if (!beast::iequals(self->parser_->get()[bhttp::field::expect], "100-continue")) {
            return self->ReadBody();
          }
          // The client waits for a go-ahead before it sends the body.
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::async_write(self->socket_, asio::buffer(kContinue),
                            [self](boost::system::error_code write_ec, size_t) {
                              if (write_ec) return self->Close();
                              self->ReadBody();
                            });
        });
  }

  void ReadBody() {
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        self->OnRead(ec);
                      });
  }

  void OnRead(boost::system::error_code ec) {
    using core::errors::HttpProblem;
    if (ec) {
      const HttpProblem* problem = nullptr;
      if (timed_out_) {
        problem = &core::errors::kRequestTimeout;
      } else if (ec == bhttp::error::body_limit) {
        problem = &core::errors::kBodyTooLarge;
      } else if (ec == bhttp::error::header_limit) {
        problem = &core::errors::kHeadersTooLarge;
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        problem = &core::errors::kMalformedRequest;
      }
      if (problem == nullptr) return Close();  // the peer went away: nobody to answer
      keep_alive_ = false;
      return Write(ProblemResponse(*problem));
    }
    Disarm();
    Request req = parser_->release();
    keep_alive_ = req.keep_alive();
    Dispatch(std::move(req));
  }

  void Dispatch(Request req) {
    auto split = SplitTarget(std::string_view(req.target().data(), req.target().size()));
    std::string path = std::move(split.first);
    std::map<std::string, std::string> query = std::move(split.second);
    const bool api = path == "/api" || path.rfind("/api/", 0) == 0;
    if (path == "/healthz" || (path == "/healthz/" && !api)) {
      if (req.method() != bhttp::verb::get) {
        ResponsePtr res = ProblemResponse(core::errors::kMethodNotAllowed);
        res->set(bhttp::field::allow, "GET");
        return Write(res);
      }
      return Write(JsonResponse(200, {{"status", "ok"}}));
    }
    std::function<ResponsePtr()> work;
    if (server_.services.options.metrics_page) {
      if (path != "/metrics") {
        return Write(ProblemResponse(core::errors::kNoSuchEndpoint,
                                     std::string(core::errors::kNoSuchEndpoint.detail) + ": " +
                                         path + " (this listener serves /metrics)"));
      }
      if (req.method() != bhttp::verb::get) {
        ResponsePtr res = ProblemResponse(core::errors::kMethodNotAllowed);
        res->set(bhttp::field::allow, "GET");
        return Write(res);
      }
      work = [server = &server_] {
        ResponsePtr res = NewResponse(200);
        res->set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res->set(bhttp::field::cache_control, "no-store");
        res->body() = server->services.options.metrics_page();
        return res;
      };
    } else if (api) {
      std::string method(req.method_string());
      RouteMatch match = MatchRoute(method, path);
      if (match.kind == RouteMatch::kNotFound) {
        return Write(ProblemResponse(core::errors::kNoSuchEndpoint,
                                     std::string(core::errors::kNoSuchEndpoint.detail) + ": " +
                                         method + " " + path));
      }
      if (match.kind == RouteMatch::kWrongMethod) {
        ResponsePtr res = ProblemResponse(core::errors::kMethodNotAllowed);
        res->set(bhttp::field::allow, match.allow);
        return Write(res);
      }
      auto request = std::make_shared<Request>(std::move(req));
      work = [server = &server_, route = match.route, params = std::move(match.params),
              query = std::move(query), request, peer = peer_]() mutable {
        return server->ServeApi(*route, std::move(params), std::move(query), *request, peer);
      };
    } else {
      if (req.method() != bhttp::verb::get) {
        ResponsePtr res = ProblemResponse(core::errors::kMethodNotAllowed);
        res->set(bhttp::field::allow, "GET");
        return Write(res);
      }
      work = [server = &server_, path = std::move(path)] { return server->ServeStatic(path); };
    }
    // The worker answers; the answer comes back to this connection on the I/O thread.
    bool queued = server_.pool.Submit([self = shared_from_this(), work = std::move(work)]() mutable {
      ResponsePtr res;
      try {
        res = work();
      } catch (const std::exception& e) {
        spdlog::error("HTTP handler: unhandled exception: {}", e.what());
      } catch (...) {
        spdlog::error("HTTP handler: unhandled exception");
      }
      if (!res) res = ProblemResponse(core::errors::kInternalError);
      // The connection goes back to the I/O thread with the answer; this thread keeps no
      // reference, so the connection always ends on the I/O thread.
      asio::io_context& ioc = self->server_.ioc;
      asio::post(ioc, [self = std::move(self), res] { self->Write(res); });
    });
    if (!queued) {
      keep_alive_ = false;
      Write(ProblemResponse(core::errors::kServerBusy));
    }
  }

  void Write(ResponsePtr res) {
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    response_ = std::move(res);
    // A reader too slow to take the answer in time is dropped.
    Arm(kWriteTimeout, [](Session& s) { s.Close(); });
    bhttp::async_write(socket_, *response_,
                       [self = shared_from_this()](boost::system::error_code ec, size_t) {
                         if (ec) return self->Close();
                         if (!self->keep_alive_) return self->Linger();
                         self->response_.reset();
                         self->ReadRequest();
                       });
  }

  // Closes gracefully: no more answers, then the rest of what the client sends is read and
  // dropped for a moment, so the answer is not lost to a reset.
  void Linger() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    Arm(kLinger, [](Session& s) { s.Close(); });
    Drain();
  }
  void Drain() {
    socket_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](
                                                      boost::system::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kLingerBytes) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    Disarm();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  ServerState& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string peer_;
  unsigned phase_ = 0;
  bool timed_out_ = false;
  bool keep_alive_ = true;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  ResponsePtr response_;
  std::array<char, 8192> drain_{};
  size_t drained_ = 0;
};

// Refuses a connection over a cap with a 503, without reading from it.
void Refuse(tcp::socket& socket) {
  static const std::string text = [] {
    Response res = *ProblemResponse(core::errors::kServerBusy, "Too many connections");
    res.keep_alive(false);
    res.prepare_payload();
    std::ostringstream out;
    out << res;
    return out.str();
  }();
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(text), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace

void ServerState::Accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of descriptors (or another transient failure): pause instead of spinning.
      spdlog::warn("HTTP accept failed: {}", ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    std::string peer = PeerAddress(socket);
    if (peer.empty() || !Admit(peer)) {
      spdlog::debug("HTTP connection from {} refused: over the connection cap", peer);
      Refuse(socket);
    } else {
      std::make_shared<Session>(*this, std::move(socket), peer)->Start();
    }
    Accept();
  });
}

ResponsePtr ServerState::ServeApi(const Route& route, std::vector<std::string> params,
                                       std::map<std::string, std::string> query, Request& req,
                                       const std::string& peer) {
  Call call;
  call.method = std::string(route.method);
  call.params = std::move(params);
  call.query = std::move(query);
  call.body = std::move(req.body());
  call.content_type = Header(req, "Content-Type");
  call.client_address =
      ClientAddress(peer, Header(req, "X-Forwarded-For"), services.options.trusted_proxies);
  if (route.authenticated) {
    auto principal = Authenticate(services, Header(req, "Authorization"), Header(req, "Cookie"));
    if (!principal.ok()) {
      // Failed credentials count against the client address, like anonymous calls.
      auto admitted = api::Admit(services, call);
      return ErrorResponse(admitted.ok() ? principal.error() : admitted.error());
    }
    auto allowed = Authorize(*principal, call.method, std::string(route.path),
                             Header(req, kCsrfHeader));
    call.principal = std::move(principal).value();
    auto admitted = api::Admit(services, call);
    if (!admitted.ok()) return ErrorResponse(admitted.error());
    if (!allowed.ok()) return ErrorResponse(allowed.error());
  } else if (auto admitted = api::Admit(services, call); !admitted.ok()) {
    return ErrorResponse(admitted.error());
  }
  auto reply = route.handler(services, call);
  if (!reply.ok()) return ErrorResponse(reply.error());
  ResponsePtr res = reply->raw_content_type.empty() ? JsonResponse(reply->status, reply->body)
                                                    : FileResponse(*reply);
  for (const auto& [name, value] : reply->headers) res->insert(name, value);
  return res;
}

ResponsePtr ServerState::ServeStatic(const std::string& path) {
  std::optional<StaticFile> file = ResolveStatic(services.options.web_root, path);
  if (!file) {
    return ProblemResponse(core::errors::kNoSuchEndpoint,
                           std::string(core::errors::kNoSuchEndpoint.detail) + ": GET " + path);
  }
  std::ifstream in(file->file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in || content.str().size() > kMaxStaticFile) {
    spdlog::warn("cannot serve {}", file->file);
    return ProblemResponse(core::errors::kInternalError);
  }
  ResponsePtr res = NewResponse(200);
  res->set(bhttp::field::content_type, file->content_type);
  res->set(bhttp::field::cache_control, file->cache_control);
  res->body() = content.str();
  return res;
}

struct HttpServer::Impl : ServerState {
  using ServerState::ServerState;
};

HttpServer::HttpServer(Services services) : impl_(std::make_unique<Impl>(std::move(services))) {}

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
  std::string port = listen.substr(colon + 1);
  // Leave room below the process's descriptor limit for the database, DNS and the CA.
  ServerLimits& limits = impl_->services.options.limits;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY &&
      static_cast<rlim_t>(limits.max_connections) + 128 > files.rlim_cur) {
    int fitting = std::max(16, static_cast<int>(files.rlim_cur) - 128);
    spdlog::warn("limits.max_connections {} lowered to {} (open-file limit {})",
                 limits.max_connections, fitting, static_cast<long>(files.rlim_cur));
    limits.max_connections = fitting;
  }
  try {
    tcp::resolver resolver(impl_->ioc);
    tcp::endpoint endpoint = *resolver.resolve(host, port, tcp::resolver::passive).begin();
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
    impl_->port = impl_->acceptor.local_endpoint().port();
  } catch (const std::exception& e) {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    return core::Unavailable("cannot listen on " + listen + ": " + e.what());
  }
  impl_->Accept();
  impl_->io_thread = std::thread([impl = impl_.get()] {
    for (;;) {
      try {
        impl->ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("HTTP I/O thread: unhandled exception: {}", e.what());
      } catch (...) {
        spdlog::error("HTTP I/O thread: unhandled exception");
      }
    }
  });
  return core::Ok();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_->io_thread.joinable()) return;
  impl_->ioc.stop();
  impl_->io_thread.join();
  impl_->pool.Stop();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace certadns::api
