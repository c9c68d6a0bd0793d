#include "issuance/key_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

namespace certadns::issuance {
namespace {
constexpr std::chrono::milliseconds kLongestBackoff{30000};
}  // namespace

core::Result<crypto::PrivateKey> DirectKeySource::Take() {
  return crypto::PrivateKey::GenerateRsa(2048);
}

KeyPool::KeyPool(size_t size)
    : KeyPool(size, [] { return crypto::PrivateKey::GenerateRsa(2048); }, nullptr) {}

KeyPool::KeyPool(size_t size, Generator generate, std::function<double()> jitter)
    : size_(size), generate_(std::move(generate)), jitter_(std::move(jitter)) {
  if (size_ > 0) thread_ = std::thread([this] { Refill(); });
}

KeyPool::~KeyPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

core::Result<crypto::PrivateKey> KeyPool::Take() {
  {
    std::lock_guard lock(mutex_);
    if (!ready_.empty()) {
      crypto::PrivateKey key = std::move(ready_.front());
      ready_.pop_front();
      cv_.notify_all();
      return key;
    }
  }
  return generate_();
}

double KeyPool::Jitter() {
  if (jitter_) return jitter_();
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

size_t KeyPool::ReadyForTest() {
  std::lock_guard lock(mutex_);
  return ready_.size();
}

void KeyPool::Refill() {
  // Background work: lower this thread's priority so request handling comes first.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  int failures = 0;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || ready_.size() < size_; });
      if (stopping_) return;
    }
    auto key = generate_();
    if (!key.ok()) {
      // Take() reports the failure to its caller; here, back off (100 ms doubling to 30 s,
      // plus up to half as jitter) instead of spinning on it.
      auto delay = std::chrono::milliseconds(100);
      for (int i = 0; i < failures && delay < kLongestBackoff; ++i) delay *= 2;
      delay = std::min(delay, kLongestBackoff);
      delay += std::chrono::milliseconds(static_cast<int64_t>(
          static_cast<double>(delay.count()) * std::clamp(Jitter(), 0.0, 1.0) / 2));
      ++failures;
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, delay, [this] { return stopping_; });
      continue;
    }
    failures = 0;
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(key).value());
  }
}

}  // namespace certadns::issuance
