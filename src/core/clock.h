// Clock: the only source of time for code below app/, so renewal, expiry and backoff are
// tested by advancing a fake instead of waiting (cf. Envoy TimeSource). Implementations
// must be thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace certadns::core {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall-clock time (UTC).
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

/// Milliseconds since the Unix epoch, the form times take in the store.
int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(int64_t ms);

/// RFC 3339 UTC with second precision, e.g. "2026-01-15T10:30:00Z".
std::string FormatRfc3339(TimePoint t);
/// Parses RFC 3339 timestamps as ACME servers send them ("...Z" or "+00:00", optional
/// fractional seconds). Returns nullopt when malformed.
std::optional<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace certadns::core
