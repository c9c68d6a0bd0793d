// NoncePool caches Replay-Nonce values (RFC 8555 §7.2) so most requests need no extra
// round trip: every response's nonce is kept for the next request. Thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace certadns::acme {

class NoncePool {
 public:
  /// A cached nonce, or nullopt when the caller must fetch one from newNonce.
  std::optional<std::string> Take();
  /// Keeps `nonce` for a later request; the oldest is dropped beyond a small bound.
  void Put(std::string nonce);

 private:
  static constexpr size_t kMaxNonces = 64;
  std::mutex mutex_;
  std::deque<std::string> nonces_;  // guarded by mutex_; newest at the back
};

}  // namespace certadns::acme
