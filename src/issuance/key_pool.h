// Where new certificate keys come from. RSA-2048 generation takes 70-400 ms here, more than
// the rest of an issuance on loopback, so KeyPool generates keys ahead of demand on one
// background thread and a request takes a ready one. Keys are held only in memory and are
// sealed as soon as a job takes one. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
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
  /// Keeps up to `size` keys ready; the refill thread sleeps while the pool is full.
  explicit KeyPool(size_t size);
  ~KeyPool() override;

  /// A ready key, or one generated now when the pool is empty (a burst larger than it).
  core::Result<crypto::PrivateKey> Take() override;
  size_t ReadyForTest();

 private:
  void Refill();

  const size_t size_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<crypto::PrivateKey> ready_;  // guarded by mutex_
  bool stopping_ = false;                 // guarded by mutex_
  std::thread thread_;
};

}  // namespace certadns::issuance
