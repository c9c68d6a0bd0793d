// When renewals happen: the retry schedule of a failed renewal (exponential backoff with
// jitter) and the spread of renewals falling due together. Pure functions of their
// arguments (the caller supplies the clock's time and the random draw), so a fake clock and
// a seeded draw test them exactly. Thread-safe.
#pragma once

#include <optional>

#include "core/clock.h"

namespace certadns::issuance {

struct RenewalRetryPolicy {
  core::Duration first{std::chrono::hours(1)};
  core::Duration max{std::chrono::hours(24)};
};

/// When a renewal that failed at `now` is next tried. The wait is as long as the renewal
/// has been overdue (`now - due`), at least policy.first and at most policy.max, plus
/// `jitter` (a draw in [0, 1)) times a third of it. Attempts made one after another from
/// `due` on thus wait 1 h, 1 h, 2 h, 4 h, ... up to 24 h (+ up to a third: at most 32 h).
core::TimePoint RenewalRetryTime(core::TimePoint due, core::TimePoint now,
                                 const RenewalRetryPolicy& policy, double jitter);

/// How long after the sweep finds a renewal due its first step runs: `jitter` (a draw in
/// [0, 1)) times the window, which is `spread` but at most a quarter of the time left until
/// `expires_at` (a short-lived certificate is not left to expire while it waits).
core::Duration RenewalStartDelay(core::TimePoint now, core::TimePoint expires_at,
                                 core::Duration spread, double jitter);

/// RFC 9773 §4.2: a uniformly random time (`jitter`, a draw in [0, 1)) in the part of the
/// CA's suggested window [start, end) not yet past at `now`; `now` when the window is over
/// (renew at once).
core::TimePoint PickInWindow(core::TimePoint start, core::TimePoint end, core::TimePoint now,
                             double jitter);

/// When the window of an ARI answer with `retry_after_s` is next asked (RFC 9773 §4.3): then,
/// held to [acme::kMinAriRetryAfterSeconds, acme::kMaxAriRetryAfterSeconds] from `now`.
core::TimePoint AriCheckTime(core::TimePoint now, long retry_after_s);

/// When an ARI check the CA did not answer (the `failures`-th in a row, from 1) is tried
/// again (RFC 9773 §4.3.3): 1 h, doubling with each failure up to 6 h (the RFC's interval
/// after a long-term error), never before a Retry-After the CA sent (honoured up to a day),
/// plus `jitter` (a draw in [0, 1)) times a third of it.
core::TimePoint AriCheckRetryTime(core::TimePoint now, int failures,
                                  std::optional<long> retry_after_s, double jitter);

}  // namespace certadns::issuance
