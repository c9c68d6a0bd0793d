#include "issuance/key_pool.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include <spdlog/spdlog.h>

#include "crypto/encoding.h"

namespace certadns::issuance {
namespace {
constexpr std::chrono::milliseconds kLongestBackoff{30000};

core::Result<crypto::PrivateKey> GenerateRsa2048() { return crypto::PrivateKey::GenerateRsa(2048); }
}  // namespace

core::Result<crypto::PrivateKey> DirectKeySource::Take() { return GenerateRsa2048(); }

KeyPool::KeyPool(size_t size, int threads) : KeyPool(size, nullptr, nullptr, threads) {}

KeyPool::KeyPool(size_t size, Generator generate, std::function<double()> jitter, int threads)
    : size_(size),
      generate_(generate ? std::move(generate) : CancellableRsa2048()),
      jitter_(std::move(jitter)) {
  Start(threads);
}

KeyPool::KeyPool(size_t size, store::KeyPoolStore& store, const crypto::SecretBox& box,
                 const core::Clock& clock, Generator generate, std::function<double()> jitter,
                 int threads)
    : size_(size),
      store_(&store),
      box_(&box),
      clock_(&clock),
      generate_(generate ? std::move(generate) : CancellableRsa2048()),
      jitter_(std::move(jitter)) {
  Start(threads);
}

void KeyPool::Start(int threads) {
  if (size_ == 0) return;
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this] { Refill(); });
}

KeyPool::Generator KeyPool::CancellableRsa2048() {
  // A refill thread runs only in idle CPU time: on a busy machine a key it has begun could
  // take minutes, and the destructor must not wait for it.
  return [this] { return crypto::PrivateKey::GenerateRsa(2048, &cancel_); };
}

KeyPool::~KeyPool() {
  cancel_ = true;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

core::Result<crypto::SecretString> KeySource::TakePem() {
  ASSIGN_OR_RETURN(crypto::PrivateKey key, Take());
  return key.ToPem();
}

void KeyPool::Wanted() {
  {
    std::lock_guard lock(mutex_);
    wanted_ = true;
    ++changes_;
  }
  cv_.notify_all();
}

core::Result<crypto::PrivateKey> KeyPool::Take() {
  auto pem = Unshelve();
  Wanted();
  if (pem.ok() && pem->has_value()) return crypto::PrivateKey::FromPem((*pem)->reveal());
  if (!pem.ok()) spdlog::warn("key pool: {}; generating a key now", pem.error().message());
  return generate_();
}

core::Result<crypto::SecretString> KeyPool::TakePem() {
  auto pem = Unshelve();
  Wanted();
  if (pem.ok() && pem->has_value()) return std::move(**pem);
  if (!pem.ok()) spdlog::warn("key pool: {}; generating a key now", pem.error().message());
  ASSIGN_OR_RETURN(crypto::PrivateKey key, generate_());
  return key.ToPem();
}

core::Result<std::optional<crypto::SecretString>> KeyPool::Unshelve() {
  if (store_ == nullptr) {
    std::lock_guard lock(mutex_);
    if (ready_.empty()) return std::optional<crypto::SecretString>();
    crypto::PrivateKey key = std::move(ready_.front());
    ready_.pop_front();
    return std::optional<crypto::SecretString>(key.ToPem());
  }
  ASSIGN_OR_RETURN(std::optional<store::PooledKey> pooled, store_->TakePooledKey());
  if (!pooled) return std::optional<crypto::SecretString>();
  ASSIGN_OR_RETURN(crypto::SecretString pem, box_->Open(pooled->sealed_key, pooled->id));
  return std::optional<crypto::SecretString>(std::move(pem));
}

core::Status KeyPool::Shelve(crypto::PrivateKey key) {
  if (store_ == nullptr) {
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(key));
    return core::Ok();
  }
  store::PooledKey pooled{.id = crypto::RandomId("pkey"), .sealed_key = {}};
  ASSIGN_OR_RETURN(pooled.sealed_key, box_->Seal(key.ToPem().reveal(), pooled.id));
  return store_->AddPooledKey(pooled, clock_->Now());
}

core::Result<size_t> KeyPool::Ready() {
  if (store_ == nullptr) {
    std::lock_guard lock(mutex_);
    return ready_.size();
  }
  ASSIGN_OR_RETURN(int64_t count, store_->CountPooledKeys());
  return static_cast<size_t>(std::max<int64_t>(count, 0));
}

double KeyPool::Jitter() {
  if (jitter_) return jitter_();
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

size_t KeyPool::ReadyForTest() {
  auto ready = Ready();
  return ready.ok() ? *ready : 0;
}

void KeyPool::Backoff(int failures) {
  // 100 ms doubling to 30 s, plus up to half as jitter, instead of spinning on a failure.
  auto delay = std::chrono::milliseconds(100);
  for (int i = 0; i < failures && delay < kLongestBackoff; ++i) delay *= 2;
  delay = std::min(delay, kLongestBackoff);
  delay += std::chrono::milliseconds(static_cast<int64_t>(
      static_cast<double>(delay.count()) * std::clamp(Jitter(), 0.0, 1.0) / 2));
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, delay, [this] { return stopping_; });
}

core::Result<bool> KeyPool::ClaimOne() {
  ASSIGN_OR_RETURN(size_t ready, Ready());
  std::lock_guard lock(mutex_);
  if (ready + making_ >= size_) {
    if (making_ == 0) wanted_ = false;  // full: sleep until the next Take()
    return false;
  }
  ++making_;
  return true;
}

void KeyPool::Refill() {
  // Background work: run only when the CPU would otherwise idle, so that request handling
  // and job steps always come first (nice 19 where SCHED_IDLE is refused).
  sched_param idle{};
  if (sched_setscheduler(0, SCHED_IDLE, &idle) != 0) {
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  }
  int failures = 0;
  while (true) {
    uint64_t seen = 0;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || wanted_; });
      if (stopping_) return;
      seen = changes_;
    }
    auto claimed = ClaimOne();
    if (claimed.ok() && !*claimed) {
      // Full, counting the keys other threads are making: wait for a Take() or for one of
      // them to finish.
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || changes_ != seen; });
      continue;
    }
    core::Status status = claimed.ok() ? core::Ok() : core::Status(claimed.error());
    if (status.ok()) {
      auto key = generate_();
      status = key.ok() ? Shelve(std::move(key).value()) : core::Status(key.error());
      {
        std::lock_guard lock(mutex_);
        --making_;
        ++changes_;
      }
      cv_.notify_all();
    }
    if (!status.ok() && cancel_) return;  // stopping: the key was cancelled, not failed
    if (!status.ok()) {
      // Take() reports a failing generation to its caller; here, back off.
      if (failures == 0) spdlog::warn("key pool: cannot refill: {}", status.error().message());
      Backoff(failures++);
      continue;
    }
    failures = 0;
  }
}

}  // namespace certadns::issuance
