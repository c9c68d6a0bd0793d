// A PowerDNS and a Pebble of a test's own, beside the devstack, for fault tests that stop
// them: the devstack's servers are shared by the other suites and are never touched. Both
// run on free loopback ports in the test's private folder, with the devstack's Pebble TLS
// files (STACK_DIR/pebble), and are stopped by their pids (SIGTERM, then SIGKILL). A
// stopped PowerDNS starts again on the same ports with the same data. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/support/stack_env.h"

namespace certadns::test {

class OwnPowerDns {
 public:
  OwnPowerDns() = default;
  ~OwnPowerDns() { Stop(); }
  OwnPowerDns(const OwnPowerDns&) = delete;
  OwnPowerDns& operator=(const OwnPowerDns&) = delete;

  /// Creates its database and config in `dir` (first call only), starts pdns_server and
  /// waits (bounded) until its API answers; "" or what went wrong.
  std::string Start(const std::string& dir);
  /// SIGTERM, then SIGKILL; the ports are free once it returns. Idempotent.
  void Stop();
  bool running() const { return pid_ > 0; }

  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }
  const std::string& api_key() const { return api_key_; }
  std::string nameserver() const { return "127.0.0.1:" + std::to_string(dns_port_); }
  /// `env` with this PowerDNS in place of the devstack's (API and nameservers).
  StackEnv Use(StackEnv env) const;

 private:
  pid_t pid_ = -1;
  std::string dir_;
  std::string api_key_;
  int dns_port_ = 0;
  int api_port_ = 0;
};

class OwnPebble {
 public:
  OwnPebble() = default;
  ~OwnPebble() { Stop(); }
  OwnPebble(const OwnPebble&) = delete;
  OwnPebble& operator=(const OwnPebble&) = delete;

  /// Starts Pebble in `dir`, validating DNS-01 against `dns_server` ("127.0.0.1:PORT") with
  /// `nonce_reject` % of nonces rejected; "" once its directory answers (bounded wait).
  /// `validity_s` > 0: the certificates it issues are valid that many seconds.
  std::string Start(const StackEnv& env, const std::string& dir, const std::string& dns_server,
                    int nonce_reject = 0, long validity_s = 0);
  void Stop();

  const std::string& directory_url() const { return directory_url_; }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string directory_url_;
};

}  // namespace certadns::test
