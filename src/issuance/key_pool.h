// Where new certificate keys come from. RSA-2048 generation takes 70-400 ms of CPU here, more
// than the rest of an issuance on loopback, so KeyPool generates keys ahead of demand on
// background threads that run only in idle time (SCHED_IDLE; nice 19 where that is refused:
// request handling and job steps always come first) and a request takes a ready one. With a KeyPoolStore the ready keys are persisted, sealed with the master key
// like every key (associated data: the pooled key's id), so a restart keeps a warm pool and
// processes sharing the database share it; a key is taken by deleting its row, so it is
// never used twice. Without one they are held in memory. A failing generation (or store) is
// retried with backoff and jitter, never in a spin. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "crypto/private_key.h"
#include "crypto/secret_box.h"
#include "store/key_pool_store.h"

namespace certadns::issuance {

class KeySource {
 public:
  virtual ~KeySource() = default;
  /// A fresh RSA-2048 key, never handed out before.
  virtual core::Result<crypto::PrivateKey> Take() = 0;
  /// The same as Take(), as PKCS#8 PEM: where keys are kept as PEM, no decoding (OpenSSL 3
  /// takes about a millisecond to decode one) for a caller that only stores it.
  virtual core::Result<crypto::SecretString> TakePem();
};

/// Generates each key when asked.
class DirectKeySource final : public KeySource {
 public:
  core::Result<crypto::PrivateKey> Take() override;
};

class KeyPool final : public KeySource {
 public:
  using Generator = std::function<core::Result<crypto::PrivateKey>()>;

  /// Keeps up to `size` keys ready, made by `threads` refill threads (at least 1), which
  /// sleep while the pool is full.
  explicit KeyPool(size_t size, int threads = 1);
  /// Keys come from `generate`; `jitter` (a number in [0, 1), null: random) spreads the
  /// backoff after a failed generation.
  KeyPool(size_t size, Generator generate, std::function<double()> jitter, int threads = 1);
  /// Keeps up to `size` keys ready in `store`, sealed by `box`. All three must outlive it.
  KeyPool(size_t size, store::KeyPoolStore& store, const crypto::SecretBox& box,
          const core::Clock& clock, Generator generate = nullptr,
          std::function<double()> jitter = nullptr, int threads = 1);
  ~KeyPool() override;

  /// A ready key, or one generated now when the pool is empty (a burst larger than it) or
  /// its store fails.
  core::Result<crypto::PrivateKey> Take() override;
  /// Take() without decoding a key kept in the store.
  core::Result<crypto::SecretString> TakePem() override;
  size_t ReadyForTest();
  /// How many keys are ready (in the store, or in memory).
  core::Result<size_t> Ready();

 private:
  void Start(int threads);
  Generator CancellableRsa2048();
  void Refill();
  /// Claims the making of one key (false: the pool is full, counting keys being made).
  core::Result<bool> ClaimOne();
  /// A ready key taken out of the pool, as PEM; nullopt when it is empty.
  core::Result<std::optional<crypto::SecretString>> Unshelve();
  /// Asks the refill threads for a key to replace one taken.
  void Wanted();
  core::Status Shelve(crypto::PrivateKey key);
  void Backoff(int failures);
  double Jitter();  // in [0, 1), from jitter_ or a random generator

  const size_t size_;
  store::KeyPoolStore* const store_ = nullptr;  // null: keys in ready_
  const crypto::SecretBox* const box_ = nullptr;
  const core::Clock* const clock_ = nullptr;
  std::atomic<bool> cancel_{false};  // set first by the destructor: stops a key being made
  const Generator generate_;
  std::function<double()> jitter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<crypto::PrivateKey> ready_;  // guarded by mutex_
  bool stopping_ = false;                 // guarded by mutex_
  bool wanted_ = true;  // guarded by mutex_; a key was taken since the pool was last full
  size_t making_ = 0;   // guarded by mutex_; keys being generated now
  uint64_t changes_ = 0;  // guarded by mutex_; counts Take()s and finished keys
  std::vector<std::thread> threads_;
};

}  // namespace certadns::issuance
