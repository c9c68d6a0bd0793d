// Throttles against hostile clients, all in memory and per node: token buckets per caller
// (user or client address), login failure counting with exponential lockout per account
// and per address, and a bound on concurrent password checks (Argon2id costs 64 MiB each).
// Every table holds at most `max_tracked` entries, evicting the least recently used, so
// rotating addresses or emails cannot grow memory without bound. Time comes from the
// injected core::Clock (tests step a fake one). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace certadns::api {

struct ThrottleOptions {
  // Failed logins counted per account (email) and per client address within `login_window`
  // (the count restarts after a window without failures). Reaching the count locks the
  // account / address out for `login_lockout`, doubling with each further failure, at most
  // `login_lockout_max`. A successful login clears its account's count.
  int login_failures_per_account = 5;
  int login_failures_per_address = 20;
  std::chrono::seconds login_window{900};
  std::chrono::seconds login_lockout{60};
  std::chrono::seconds login_lockout_max{3600};
  // Concurrent password checks, and how long a login waits for one before a 503.
  int password_checks = 2;
  std::chrono::milliseconds password_check_wait{2000};
  // Requests per second (sustained) and burst, per authenticated user and, for requests
  // without valid credentials, per client address. A rate <= 0 turns the bucket off.
  double api_requests_per_s = 20;
  double api_burst = 100;
  double anonymous_requests_per_s = 5;
  double anonymous_burst = 50;
  // Entries per table (users, addresses, accounts).
  size_t max_tracked = 50000;
};

/// A map of at most `capacity` entries that forgets the least recently used one when full.
/// Keys are cut to 256 bytes (longer ones cannot be an email or an address). Not thread-safe.
template <class V>
class LruTable {
 public:
  explicit LruTable(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// The entry for `key`, marked as just used; nullptr when absent.
  V* Find(std::string_view key) {
    auto it = index_.find(Cut(key));
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }
  /// The entry for `key` (inserted as `initial` when absent), marked as just used.
  V& FindOrInsert(std::string_view key, const V& initial) {
    if (V* found = Find(key)) return *found;
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(Cut(key), initial);
    index_.emplace(order_.front().first, order_.begin());
    return order_.front().second;
  }
  void Erase(std::string_view key) {
    auto it = index_.find(Cut(key));
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }
  size_t size() const { return index_.size(); }

 private:
  static std::string Cut(std::string_view key) { return std::string(key.substr(0, 256)); }

  size_t capacity_;
  std::list<std::pair<std::string, V>> order_;  // most recently used first
  std::unordered_map<std::string, typename std::list<std::pair<std::string, V>>::iterator> index_;
};

/// One token bucket per key: `burst` tokens, refilled at `rate_per_s`.
class TokenBuckets {
 public:
  TokenBuckets(const core::Clock& clock, double rate_per_s, double burst, size_t max_tracked);

  /// Takes a token for `key`: nullopt when there was one, else how long until there is.
  std::optional<core::Duration> Take(std::string_view key);
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens;
    core::TimePoint at;
  };
  const core::Clock& clock_;
  double rate_per_s_;
  double burst_;
  mutable std::mutex mu_;
  LruTable<Bucket> buckets_;  // guarded by mu_
};

/// Failed-login counting with exponential lockout, per account and per client address.
class LoginThrottle {
 public:
  LoginThrottle(const core::Clock& clock, const ThrottleOptions& options);

  /// Starts a password check for `account` from `address`. nullopt when it may run now (it
  /// then counts as in flight until Finish); else how long to wait: the longer lockout, or
  /// a second when so many checks are in flight that their failures would reach the limit
  /// (parallel guesses cannot overshoot it).
  std::optional<core::Duration> Begin(std::string_view account, std::string_view address);
  enum class Outcome { kSucceeded, kFailed, kNotChecked };
  /// Ends a check that Begin let run. A failure (wrong password, unknown account) counts
  /// against both; a success forgets the account's failures (not the address's, so one good
  /// account cannot launder guesses at others); kNotChecked counts neither way.
  void Finish(std::string_view account, std::string_view address, Outcome outcome);
  size_t tracked() const;

 private:
  struct Failures {
    int count = 0;
    int in_flight = 0;
    core::TimePoint last;
    core::TimePoint locked_until;
  };
  bool IsForgiven(const Failures& failures, core::TimePoint now) const;
  std::optional<core::Duration> WaitFor(LruTable<Failures>& table, int limit, std::string_view key,
                                        core::TimePoint now);
  void Fail(LruTable<Failures>& table, int limit, std::string_view key, core::TimePoint now);

  const core::Clock& clock_;
  ThrottleOptions options_;
  mutable std::mutex mu_;
  LruTable<Failures> accounts_;   // guarded by mu_
  LruTable<Failures> addresses_;  // guarded by mu_
};

/// A counting semaphore for password checks whose waits are bounded in time and in number.
class PasswordCheckSlots {
 public:
  /// `slots` concurrent checks (at least 1); at most 4 x `slots` callers wait for one.
  explicit PasswordCheckSlots(int slots);

  /// Holds a slot until destroyed.
  class Slot {
   public:
    explicit Slot(PasswordCheckSlots* owner) : owner_(owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        if (owner_ != nullptr) owner_->Release();
        owner_ = other.owner_;
        other.owner_ = nullptr;
      }
      return *this;
    }
    ~Slot();

   private:
    PasswordCheckSlots* owner_;
  };

  /// A slot, waiting at most `wait` (real time) for one; nullopt when none freed up in time
  /// or too many callers are already waiting.
  std::optional<Slot> Acquire(std::chrono::milliseconds wait);

 private:
  void Release();

  int free_;
  int max_waiting_;
  int waiting_ = 0;
  std::mutex mu_;
  std::condition_variable freed_;
};

/// The throttles one node applies, built from ThrottleOptions.
class Throttle {
 public:
  Throttle(const core::Clock& clock, ThrottleOptions options);

  const ThrottleOptions& options() const { return options_; }
  LoginThrottle& login() { return login_; }
  PasswordCheckSlots& password_checks() { return password_checks_; }
  TokenBuckets& users() { return users_; }
  TokenBuckets& anonymous() { return anonymous_; }

 private:
  ThrottleOptions options_;
  LoginThrottle login_;
  PasswordCheckSlots password_checks_;
  TokenBuckets users_;
  TokenBuckets anonymous_;
};

/// The key under which a client address is counted: an IPv4 address as is (also when
/// IPv4-mapped), an IPv6 address by its /64 prefix (one subscriber usually holds a whole
/// /64, so its 2^64 addresses count as one client); anything else as given.
std::string ClientKey(std::string_view address);

/// Whole seconds for a Retry-After header: `wait` rounded up, at least 1.
long RetryAfterSeconds(core::Duration wait);

}  // namespace certadns::api
