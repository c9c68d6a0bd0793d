// SlowClients: hostile but bounded TCP clients for the HTTP server's tests and benchmark:
// idle connections that never send a byte, and "tricklers" that send a request's headers
// one byte per interval and never finish them. Connections come from several loopback
// source addresses (127.0.0.2, 127.0.0.3, ...) so per-address caps do not refuse them.
// Everything is closed (and the trickling thread joined) when the object goes away, or when
// the trickling has run for `max_trickle`. Loopback only. Not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace certadns::test {

/// Raises this process's open-file limit to at least `want` (up to the hard limit); returns
/// the soft limit in force afterwards. Children started later inherit it.
long RaiseOpenFileLimit(long want);

/// Connects to 127.0.0.1:`port` from 127.0.0.`source_host` within `timeout`; a non-blocking
/// socket, or -1.
int ConnectFrom(int source_host, int port, std::chrono::milliseconds timeout);

class SlowClients {
 public:
  /// Clients go to 127.0.0.1:`port` from `addresses` source addresses starting at 127.0.0.2.
  explicit SlowClients(int port, int addresses = 20,
                       std::chrono::seconds max_trickle = std::chrono::seconds(120));
  ~SlowClients();
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  /// Opens `n` idle connections; returns how many connected.
  int OpenIdle(int n);
  /// Opens `n` connections that each send one more byte of an endless header every
  /// `interval`; returns how many connected.
  int StartTricklers(int n, std::chrono::milliseconds interval = std::chrono::seconds(1));
  /// How many of the idle / trickling connections the server has closed so far.
  int IdleClosedByServer();
  int TricklersClosedByServer();
  /// What the server sent on the trickling connections (concatenated, for assertions).
  std::string TricklerReplies();

 private:
  void TrickleLoop(std::chrono::milliseconds interval);

  int port_;
  int addresses_;
  std::chrono::seconds max_trickle_;
  int next_source_ = 0;
  std::vector<int> idle_;
  std::mutex mu_;
  std::vector<int> tricklers_;      // guarded by mu_
  std::vector<bool> trickle_done_;  // guarded by mu_: the server closed it
  std::string replies_;             // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace certadns::test
