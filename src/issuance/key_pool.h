// Where new certificate keys come from. RSA-2048 generation takes 70-400 ms here, more than
// the rest of an issuance on loopback, so KeyPool generates keys ahead of demand on one
// background thread and a request takes a ready one. Keys are held only in memory and are
// sealed as soon as a job takes one. A failing generation is retried with backoff and
// jitter, never in a spin. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "crypto/private_key.h"

namespace certadns::issuance {

class KeySource {
 public:
  virtual ~KeySource() = default;
  /// A fresh RSA-2048 key, never handed out before.
  virtual core::Result<crypto::PrivateKey> Take() = 0;
};

/// Generates each key when asked.
class DirectKeySource final : public KeySource {
 public:
  core::Result<crypto::PrivateKey> Take() override;
};

class KeyPool final : public KeySource {
 public:
  using Generator = std::function<core::Result<crypto::PrivateKey>()>;

  /// Keeps up to `size` keys ready; the refill thread sleeps while the pool is full.
  explicit KeyPool(size_t size);
  /// Keys come from `generate`; `jitter` (a number in [0, 1), null: random) spreads the
  /// backoff after a failed generation.
  KeyPool(size_t size, Generator generate, std::function<double()> jitter);
  ~KeyPool() override;

  /// A ready key, or one generated now when the pool is empty (a burst larger than it).
  core::Result<crypto::PrivateKey> Take() override;
  size_t ReadyForTest();

 private:
  void Refill();
  double Jitter();  // in [0, 1), from jitter_ or a random generator

  const size_t size_;
  const Generator generate_;
  std::function<double()> jitter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<crypto::PrivateKey> ready_;  // guarded by mutex_
  bool stopping_ = false;                 // guarded by mutex_
  std::thread thread_;
};

}  // namespace certadns::issuance
