#include "api/throttle.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace certadns::api {
namespace {

// Time between `from` and `to`, never negative (the wall clock may step back).
core::Duration Elapsed(core::TimePoint from, core::TimePoint to) {
  return to > from ? std::chrono::duration_cast<core::Duration>(to - from) : core::Duration(0);
}

}  // namespace

std::string ClientKey(std::string_view address) {
  std::string text(address.substr(0, 64));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  char out[INET6_ADDRSTRLEN] = {0};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    return inet_ntop(AF_INET, &v6.s6_addr[12], out, sizeof out) ? out : text;
  }
  std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), 0);
  if (inet_ntop(AF_INET6, &v6, out, sizeof out) == nullptr) return text;
  return std::string(out) + "/64";
}

long RetryAfterSeconds(core::Duration wait) {
  long seconds = static_cast<long>((wait.count() + 999) / 1000);
  return std::max(seconds, 1L);
}

TokenBuckets::TokenBuckets(const core::Clock& clock, double rate_per_s, double burst,
                           size_t max_tracked)
    : clock_(clock), rate_per_s_(rate_per_s), burst_(std::max(burst, 1.0)), buckets_(max_tracked) {}

std::optional<core::Duration> TokenBuckets::Take(std::string_view key) {
  if (rate_per_s_ <= 0) return std::nullopt;
  core::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  Bucket& bucket = buckets_.FindOrInsert(key, Bucket{burst_, now});
  double elapsed_s = static_cast<double>(Elapsed(bucket.at, now).count()) / 1000.0;
  bucket.tokens = std::min(burst_, bucket.tokens + elapsed_s * rate_per_s_);
  bucket.at = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  // At most a day: a tiny rate must not make the wait overflow.
  double wait_ms = std::min(std::ceil((1.0 - bucket.tokens) / rate_per_s_ * 1000.0), 86400e3);
  return core::Duration(static_cast<int64_t>(wait_ms));
}

size_t TokenBuckets::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

LoginThrottle::LoginThrottle(const core::Clock& clock, const ThrottleOptions& options)
    : clock_(clock),
      options_(options),
      accounts_(options.max_tracked),
      addresses_(options.max_tracked) {}

// A quiet window (counted from the end of the last lockout) forgives earlier failures.
bool LoginThrottle::IsForgiven(const Failures& failures, core::TimePoint now) const {
  return Elapsed(std::max(failures.last, failures.locked_until), now) > options_.login_window;
}

std::optional<core::Duration> LoginThrottle::WaitFor(LruTable<Failures>& table, int limit,
                                                     std::string_view key, core::TimePoint now) {
  const Failures* failures = table.Find(key);
  if (failures == nullptr) return std::nullopt;
  if (now < failures->locked_until) return Elapsed(now, failures->locked_until);
  int count = IsForgiven(*failures, now) ? 0 : failures->count;
  if (limit > 0 && failures->in_flight > 0 && count + failures->in_flight >= limit) {
    return core::Duration(1000);
  }
  return std::nullopt;
}

void LoginThrottle::Fail(LruTable<Failures>& table, int limit, std::string_view key,
                         core::TimePoint now) {
  if (limit <= 0) return;
  Failures& failures = table.FindOrInsert(key, Failures{});
  if (IsForgiven(failures, now)) failures.count = 0;
  failures.count += 1;
  failures.last = now;
  if (failures.count < limit) return;
  // The limit-th failure locks for login_lockout; each one after it doubles that.
  int doublings = std::min(failures.count - limit, 30);
  auto lockout = std::chrono::duration_cast<core::Duration>(options_.login_lockout) *
                 (int64_t{1} << doublings);
  lockout =
      std::min(lockout, std::chrono::duration_cast<core::Duration>(options_.login_lockout_max));
  failures.locked_until = now + lockout;
}

std::optional<core::Duration> LoginThrottle::Begin(std::string_view account,
                                                   std::string_view address) {
  core::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto by_account = WaitFor(accounts_, options_.login_failures_per_account, account, now);
  auto by_address = WaitFor(addresses_, options_.login_failures_per_address, address, now);
  if (by_account || by_address) {
    return std::max(by_account.value_or(core::Duration(0)), by_address.value_or(core::Duration(0)));
  }
  accounts_.FindOrInsert(account, Failures{}).in_flight += 1;
  addresses_.FindOrInsert(address, Failures{}).in_flight += 1;
  return std::nullopt;
}

void LoginThrottle::Finish(std::string_view account, std::string_view address, Outcome outcome) {
  core::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  for (auto* table : {&accounts_, &addresses_}) {
    // Absent only when evicted meanwhile; then it starts afresh.
    Failures& failures = table->FindOrInsert(table == &accounts_ ? account : address, Failures{});
    failures.in_flight = std::max(failures.in_flight - 1, 0);
  }
  if (outcome == Outcome::kNotChecked) return;
  if (outcome == Outcome::kSucceeded) {
    Failures& failures = accounts_.FindOrInsert(account, Failures{});
    failures.count = 0;
    failures.locked_until = core::TimePoint();
    return;
  }
  Fail(accounts_, options_.login_failures_per_account, account, now);
  Fail(addresses_, options_.login_failures_per_address, address, now);
}

size_t LoginThrottle::tracked() const {
  std::lock_guard lock(mu_);
  return accounts_.size() + addresses_.size();
}

PasswordCheckSlots::PasswordCheckSlots(int slots)
    : free_(std::max(slots, 1)), max_waiting_(4 * std::max(slots, 1)) {}

PasswordCheckSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->Release();
}

std::optional<PasswordCheckSlots::Slot> PasswordCheckSlots::Acquire(
    std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (free_ == 0) {
    if (waiting_ >= max_waiting_) return std::nullopt;
    ++waiting_;
    bool got = freed_.wait_for(lock, wait, [this] { return free_ > 0; });
    --waiting_;
    if (!got) return std::nullopt;
  }
  --free_;
  return Slot(this);
}

void PasswordCheckSlots::Release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  freed_.notify_one();
}

Throttle::Throttle(const core::Clock& clock, ThrottleOptions options)
    : options_(options),
      login_(clock, options),
      password_checks_(options.password_checks),
      users_(clock, options.api_requests_per_s, options.api_burst, options.max_tracked),
      anonymous_(clock, options.anonymous_requests_per_s, options.anonymous_burst,
                 options.max_tracked) {}

}  // namespace certadns::api
