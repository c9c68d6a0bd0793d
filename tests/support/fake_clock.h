// FakeClock: a core::Clock that stands still until a test moves it (Advance, Set), so waits,
// leases, backoff and renewal times are tested without sleeping. Header-only. Thread-safe.
#pragma once

#include <mutex>

#include "core/clock.h"

namespace certadns::test {

class FakeClock final : public core::Clock {
 public:
  /// 2026-01-15T10:30:00Z: a whole second, so times survive X.509's second precision.
  static core::TimePoint DefaultStart() { return core::FromUnixMillis(1768473000000); }

  explicit FakeClock(core::TimePoint start = DefaultStart()) : now_(start) {}

  core::TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  /// Moves time forward by `d` (a negative `d` moves it back).
  void Advance(core::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  /// Jumps to `t`.
  void Set(core::TimePoint t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  core::TimePoint now_;  // guarded by mu_
};

}  // namespace certadns::test
