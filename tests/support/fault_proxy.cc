#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "http/curl_http_client.h"

namespace certadns::test {
namespace {

constexpr int kMaxConnections = 32;
constexpr size_t kMaxRequestBytes = 1 << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string Reason(long status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

struct ParsedRequest {
  std::string method;
  std::string target;
  std::vector<http::Header> headers;
  std::string body;
};

}  // namespace

std::string FaultProxy::Start(const std::string& upstream, const std::string& ca_bundle,
                              const std::string& cert_pem, const std::string& key_pem) {
  upstream_ = upstream;
  ca_bundle_ = ca_bundle;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return "SSL_CTX_new failed";
  ssl_ctx_ = ctx;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_pem.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key_pem.c_str(), SSL_FILETYPE_PEM) != 1) {
    return "cannot load " + cert_pem + " / " + key_pem;
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return "socket failed";
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return "cannot listen on 127.0.0.1";
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return "";
}

void FaultProxy::Stop() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
  if (ssl_ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
  ssl_ctx_ = nullptr;
}

void FaultProxy::FailNext(int count, int status, int retry_after_s) {
  std::lock_guard lock(mu_);
  fault_ = Fault{count, status, retry_after_s, 0};
}

bool FaultProxy::TakeFault(int* status, int* retry_after_s) {
  std::lock_guard lock(mu_);
  if (fault_.left == 0) return false;
  if (fault_.left > 0) --fault_.left;
  *status = fault_.status;
  *retry_after_s = fault_.retry_after_s > 0 && fault_.sent % 2 == 1 ? fault_.retry_after_s : 0;
  ++fault_.sent;
  return true;
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    if (connections_.load() >= kMaxConnections) {
      close(fd);
      continue;
    }
    ++connections_;
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, fd] {
      Serve(fd);
      close(fd);
      --connections_;
    });
  }
}

void FaultProxy::Serve(int fd) {
  // The handshake and any read that poll() said is ready: bounded by 5 s.
  timeval limit{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
  if (ssl == nullptr) return;
  SSL_set_fd(ssl, fd);
  http::CurlHttpClient upstream(http::CurlHttpClientOptions{.ca_bundle = ca_bundle_});
  std::string buffer;
  auto write_all = [&](const std::string& out) {
    size_t done = 0;
    while (done < out.size()) {
      int n = SSL_write(ssl, out.data() + done, static_cast<int>(out.size() - done));
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  };
  // Appends what arrives next to `buffer`; false on EOF, error, stop or oversize.
  auto read_more = [&]() {
    while (!stop_) {
      if (SSL_pending(ssl) == 0) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
      }
      char chunk[16384];
      int n = SSL_read(ssl, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
      return buffer.size() <= kMaxRequestBytes;
    }
    return false;
  };

  if (SSL_accept(ssl) == 1) {
    while (!stop_) {
      size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!read_more()) goto done;
      }
      ParsedRequest request;
      size_t content_length = 0;
      {
        std::string head = buffer.substr(0, end + 2);
        size_t line_end = head.find("\r\n");
        std::string line = head.substr(0, line_end);
        size_t sp1 = line.find(' ');
        size_t sp2 = line.find(' ', sp1 + 1);
        if (sp1 == std::string::npos || sp2 == std::string::npos) goto done;
        request.method = line.substr(0, sp1);
        request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        for (size_t at = line_end + 2; at < head.size();) {
          size_t next = head.find("\r\n", at);
          std::string h = head.substr(at, next - at);
          at = next + 2;
          size_t colon = h.find(':');
          if (colon == std::string::npos) continue;
          std::string name = Trim(h.substr(0, colon));
          std::string value = Trim(h.substr(colon + 1));
          if (Lower(name) == "content-length") {
            char* digits_end = nullptr;
            content_length = std::strtoul(value.c_str(), &digits_end, 10);
            if (value.empty() || *digits_end != '\0') goto done;
          }
          request.headers.push_back({name, value});
        }
      }
      buffer.erase(0, end + 4);
      if (content_length > kMaxRequestBytes) goto done;
      while (buffer.size() < content_length) {
        if (!read_more()) goto done;
      }
      request.body = buffer.substr(0, content_length);
      buffer.erase(0, content_length);

      long status = 0;
      std::vector<http::Header> headers;
      std::string body;
      int fault_status = 0, retry_after = 0;
      if (TakeFault(&fault_status, &retry_after)) {
        ++failed_;
        status = fault_status;
        if (retry_after > 0) {
          headers.push_back({"Retry-After", std::to_string(retry_after)});
          headers.push_back({"Content-Type", "application/problem+json"});
          body = "{\"type\": \"urn:ietf:params:acme:error:serverInternal\", \"detail\": "
                 "\"fault proxy: the CA is overloaded\", \"status\": " +
                 std::to_string(fault_status) + "}";
        } else {
          headers.push_back({"Content-Type", "text/plain"});
          body = std::to_string(fault_status) + " " + Reason(fault_status) + " (fault proxy)";
        }
      } else {
        http::Request out{.method = request.method, .url = upstream_ + request.target};
        for (const auto& h : request.headers) {
          std::string name = Lower(h.name);
          if (name == "content-length" || name == "connection" || name == "accept-encoding" ||
              name == "transfer-encoding" || name == "expect") {
            continue;
          }
          out.headers.push_back(h);  // Host included: Pebble builds its URLs from it
        }
        out.body = request.body;
        out.timeout = std::chrono::milliseconds(10000);
        auto answer = upstream.Send(out);
        if (!answer.ok()) {
          status = 502;
          body = "fault proxy: upstream " + answer.error().message();
        } else {
          ++forwarded_;
          status = answer->status;
          body = std::move(answer->body);
          for (const auto& h : answer->headers) {
            std::string name = Lower(h.name);
            if (name == "content-length" || name == "connection" ||
                name == "transfer-encoding" || name == "keep-alive") {
              continue;
            }
            headers.push_back(h);
          }
        }
      }
      std::string reply = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
      for (const auto& h : headers) reply += h.name + ": " + h.value + "\r\n";
      reply += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      if (request.method != "HEAD") reply += body;
      if (!write_all(reply)) break;
    }
  }
done:
  SSL_shutdown(ssl);
  SSL_free(ssl);
}

}  // namespace certadns::test
