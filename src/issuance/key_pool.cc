#include "issuance/key_pool.h"

#include <sys/resource.h>
#include <unistd.h>

namespace certadns::issuance {

core::Result<crypto::PrivateKey> DirectKeySource::Take() {
  return crypto::PrivateKey::GenerateRsa(2048);
}

KeyPool::KeyPool(size_t size) : size_(size) {
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
  return crypto::PrivateKey::GenerateRsa(2048);
}

size_t KeyPool::ReadyForTest() {
  std::lock_guard lock(mutex_);
  return ready_.size();
}

void KeyPool::Refill() {
  // Background work: lower this thread's priority so request handling comes first.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  while (true) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || ready_.size() < size_; });
      if (stopping_) return;
    }
    auto key = crypto::PrivateKey::GenerateRsa(2048);
    if (!key.ok()) continue;  // OpenSSL failing here is not transient; Take() reports it
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(key).value());
  }
}

}  // namespace certadns::issuance
