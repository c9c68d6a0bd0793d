// FaultProxy: a loopback HTTPS proxy in front of an ACME server (the test's own Pebble), for
// the "CA answering 5xx" fault tests. It terminates TLS with the devstack's Pebble server
// certificate (so clients keep trusting the same CA bundle) and forwards each request to the
// upstream with its Host header kept, so Pebble writes URLs (and checks JWS "url"s) for the
// proxy's address and every later request comes through the proxy too. FailNext() makes it
// answer the next N requests itself, with a 5xx, before forwarding again. Bounded: at most
// 32 connections, every read polled with a stop flag, a 5 s TLS handshake limit. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace certadns::test {

class FaultProxy {
 public:
  FaultProxy() = default;
  ~FaultProxy() { Stop(); }
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  /// Listens on a free loopback port; `upstream` is "https://127.0.0.1:PORT", trusted with
  /// `ca_bundle`; `cert_pem`/`key_pem` are the TLS files the proxy presents. "" or why not.
  std::string Start(const std::string& upstream, const std::string& ca_bundle,
                    const std::string& cert_pem, const std::string& key_pem);
  void Stop();

  /// The next `count` requests are answered `status` (503, 500, ...) by the proxy itself.
  /// With `retry_after_s` > 0 every other one (the second, fourth, ...) carries
  /// `Retry-After: retry_after_s` and an ACME problem document (serverInternal); the others
  /// a plain-text body, as a load balancer would send. count < 0: every request, for good.
  void FailNext(int count, int status, int retry_after_s = 0);

  int port() const { return port_; }
  /// "https://127.0.0.1:PORT/dir", for acme.directory_url.
  std::string directory_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/dir"; }
  int failed() const { return failed_.load(); }      // answered with a fault
  int forwarded() const { return forwarded_.load(); }

 private:
  struct Fault {
    int left = 0;
    int status = 0;
    int retry_after_s = 0;
    int sent = 0;
  };
  void AcceptLoop();
  void Serve(int fd);
  // The fault for the next request, if any: status, Retry-After (0 = none).
  bool TakeFault(int* status, int* retry_after_s);

  std::string upstream_;
  std::string ca_bundle_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> failed_{0};
  std::atomic<int> forwarded_{0};
  std::mutex mu_;
  Fault fault_;                       // guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace certadns::test
