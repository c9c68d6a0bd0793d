#include "issuance/engine.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "issuance/engine_context.h"

namespace certadns::issuance {

using core::CertificateState;
using core::EventLevel;

core::TimePoint RenewalTime(core::TimePoint not_before, core::TimePoint not_after,
                            core::Duration renew_before) {
  auto lifetime = std::chrono::duration_cast<core::Duration>(not_after - not_before);
  return not_after - std::min(renew_before, lifetime / 3);
}

namespace {
constexpr std::chrono::seconds kLongestRateLimitWait{300};

/// "750 ms", "12 s", "5 min", "7 h" for the certificate's log.
std::string FormatDelay(core::Duration d) {
  auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 120 * 1000) return std::to_string(ms / 1000) + " s";
  if (ms < 120 * 60 * 1000) return std::to_string(ms / 60000) + " min";
  return std::to_string(ms / 3600000) + " h";
}
}  // namespace

Engine::Engine(store::CertificateStore& certificates, store::JobQueue& jobs,
               store::AccountStore& accounts, acme::AcmeClient& acme, dns::DnsProvider& dns,
               dns::PropagationChecker* checker, const crypto::SecretBox& box,
               const core::Clock& clock, EngineConfig config)
    : certificates_(certificates),
      jobs_(jobs),
      accounts_(accounts),
      acme_(acme),
      dns_(dns),
      checker_(checker),
      box_(box),
      clock_(clock),
      config_(std::move(config)),
      random_(std::random_device{}()) {}

Engine::Step Engine::Lookup(std::string_view step) const {
  if (step == steps::kOrder) return &Engine::CreateOrder;
  if (step == steps::kAuthorize) return &Engine::ReadAuthorizations;
  if (step == steps::kPresent) return &Engine::PresentRecords;
  if (step == steps::kPropagate) return &Engine::CheckPropagation;
  if (step == steps::kRespond) return &Engine::RespondToChallenges;
  if (step == steps::kPollAuthorizations) return &Engine::PollAuthorizations;
  if (step == steps::kFinalize) return &Engine::FinalizeOrder;
  if (step == steps::kPollOrder) return &Engine::PollOrder;
  if (step == steps::kDownload) return &Engine::DownloadCertificate;
  if (step == steps::kCleanup) return &Engine::CleanUpRecords;
  return nullptr;
}

store::StepCommit Engine::RunStep(const store::Job& job) {
  if (job.kind == store::JobKind::kSweep) return RunSweep(job);
  Context ctx;
  ctx.job = job;
  ctx.now = clock_.Now();

  auto cert = certificates_.GetCertificateForWorker(job.certificate_id);
  auto state = JobState::FromJson(job.state);
  if (!cert.ok() && cert.error().code() != core::ErrorCode::kNotFound) {
    // The store is busy or down: try this step again shortly, nothing lost.
    spdlog::warn("job {}: cannot read its certificate: {}", job.id, cert.error().message());
    ctx.job.run_at = ctx.now + std::chrono::seconds(1);
    return store::StepCommit{ctx.job, false, {}, {}, {}};
  }
  if (!cert.ok() || !state.ok()) {
    // The certificate was deleted (or the job is unreadable): withdraw our records, then
    // stop. The job stays until they are gone (within cleanup_budget), so nothing of ours
    // is left in DNS. No log lines: the certificate's log went with it.
    bool finished = true;
    if (state.ok()) {
      ctx.state = std::move(state).value();
      if (ctx.job.step != steps::kCleanup) {
        ctx.job.step = std::string(steps::kCleanup);
        ctx.job.attempt = 0;
        ctx.state.retry_since_ms = 0;
      }
      auto cleaned = CleanUpRecords(ctx);
      finished = cleaned.ok() ? ctx.finished
                              : !ScheduleRetry(ctx, cleaned.error(), config_.cleanup_budget);
      if (!cleaned.ok() && finished) {
        spdlog::error("job {}: gave up removing challenge records of deleted {}: {}", job.id,
                      job.certificate_id, cleaned.error().message());
      }
    }
    if (finished) {
      spdlog::info("job {} for {} ended: {}", job.id, job.certificate_id,
                   cert.ok() ? state.error().message() : "certificate deleted");
    }
    store::StepCommit commit{ctx.job, finished, {}, {}, {}};
    commit.job.state = ctx.state.ToJson();
    return commit;
  }
  ctx.cert = std::move(cert).value();
  ctx.state = std::move(state).value();

  Step step = Lookup(job.step);
  core::Status status = step ? (this->*step)(ctx)
                             : core::Internal("unknown step '" + job.step + "'");
  if (status.ok() && !ctx.next_chosen && !ctx.finished) {
    status = core::Internal("step " + job.step + " chose no next step");
  }
  if (status.ok()) {
    // It got through: a later failure of this step (a poll) has a budget of its own.
    ctx.state.retry_since_ms = 0;
    ctx.job.attempt = 0;
  }
  if (!status.ok()) {
    const core::Error& error = status.error();
    // A rate limit that lifts within minutes is waited out; a longer one fails with the
    // CA's words (Let's Encrypt's weekly limits), rather than holding the job for days.
    std::optional<long> retry_after = error.retry_after_s();
    bool short_limit = error.code() == core::ErrorCode::kResourceExhausted && retry_after &&
                       *retry_after <= kLongestRateLimitWait.count();
    bool transient = error.code() == core::ErrorCode::kUnavailable || short_limit;
    const bool cleanup = job.step == steps::kCleanup;
    // Cleanup retries every failure: our records must not be left behind.
    const core::Duration budget = cleanup ? config_.cleanup_budget : config_.retry_budget;
    if ((transient || cleanup) && ScheduleRetry(ctx, error, budget)) {
      auto delay = std::chrono::duration_cast<core::Duration>(ctx.job.run_at - ctx.now);
      ctx.Log(EventLevel::kWarning,
              "Step " + job.step + " failed, retrying in " + FormatDelay(delay) +
                  " (attempt " + std::to_string(ctx.job.attempt) + "): " + error.message());
    } else if (cleanup) {
      ctx.Log(EventLevel::kError, "Cleanup of challenge records failed, giving up after " +
                                      FormatDelay(budget) + ": " + error.message());
      ctx.finished = true;
    } else if (transient) {
      Fail(ctx, error.message() + " (still failing after " + FormatDelay(budget) +
                    " of retries)");
    } else {
      // A rate limit the CA says lifts later: the next renewal attempt is not before it.
      bool limited = error.code() == core::ErrorCode::kResourceExhausted;
      Fail(ctx, error.message(), limited ? retry_after : std::nullopt);
    }
  }

  store::StepCommit commit;
  commit.job = ctx.job;
  commit.job.state = ctx.state.ToJson();
  commit.finished = ctx.finished;
  // From its cleanup on, the job no longer holds the certificate: a renewal may start
  // while the old challenge records are removed (retried for up to cleanup_budget).
  commit.detach = !ctx.finished && ctx.job.step == steps::kCleanup;
  if (ctx.cert_changed) {
    ctx.cert.updated_at = ctx.now;
    commit.certificate = ctx.cert;
  }
  commit.sealed_private_key = ctx.install_key;
  commit.renewal_retry_at = ctx.renewal_retry_at;
  commit.clear_renewal_retry = ctx.clear_renewal_retry;
  commit.wake_sweep_at = ctx.wake_sweep_at;
  commit.set_ari_check = ctx.set_ari_check;
  commit.ari_check_at = ctx.ari_check_at;
  commit.events = std::move(ctx.events);
  for (const auto& e : commit.events) {
    spdlog::log(e.level == EventLevel::kError     ? spdlog::level::warn
                : e.level == EventLevel::kWarning ? spdlog::level::info
                                                  : spdlog::level::debug,
                "{} [{}] {}", job.certificate_id, job.step, e.message);
  }
  return commit;
}

double Engine::Jitter() {
  double r = 0;
  if (config_.jitter) {
    r = config_.jitter();
  } else {
    std::lock_guard lock(random_mutex_);
    r = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  return std::clamp(r, 0.0, 1.0);
}

core::Duration Engine::RetryDelay(int attempt) {
  core::Duration base = config_.first_retry_delay;
  for (int i = 0; i < attempt && base < config_.max_retry_delay; ++i) base *= 2;
  base = std::min(base, config_.max_retry_delay);
  return base + core::Duration(static_cast<int64_t>(static_cast<double>(base.count()) *
                                                    Jitter() / 2));
}

bool Engine::ScheduleRetry(Context& ctx, const core::Error& error, core::Duration budget) {
  const int64_t now_ms = core::ToUnixMillis(ctx.now);
  if (ctx.state.retry_since_ms == 0) ctx.state.retry_since_ms = now_ms;
  if (now_ms - ctx.state.retry_since_ms >= budget.count()) return false;
  core::Duration delay = RetryDelay(ctx.job.attempt);
  if (auto asked = error.retry_after_s(); asked && *asked > 0) {
    // Honoured, but capped: a CA's Retry-After never parks a job (nor overflows).
    core::Duration cap = error.code() == core::ErrorCode::kResourceExhausted
                             ? std::max<core::Duration>(kLongestRateLimitWait,
                                                        config_.max_retry_delay)
                             : config_.max_retry_delay;
    long cap_s = static_cast<long>(cap.count() / 1000);
    delay = std::max(delay, std::min<core::Duration>(
                                std::chrono::seconds(std::min(*asked, cap_s)), cap));
  }
  ctx.job.attempt++;
  ctx.job.run_at = ctx.now + delay;
  ctx.next_chosen = true;
  return true;
}

void Engine::StartWait(Context& ctx, std::string_view step) {
  ctx.Next(step);
  auto budget = config_.poll_interval * config_.poll_attempts;
  ctx.state.deadline_ms = core::ToUnixMillis(ctx.now + budget);
}

core::Status Engine::WaitMore(Context& ctx, const std::string& what,
                              std::optional<long> retry_after_s) {
  if (ctx.state.deadline_ms != 0 && core::ToUnixMillis(ctx.now) >= ctx.state.deadline_ms) {
    auto budget_s = (config_.poll_interval * config_.poll_attempts).count() / 1000;
    return core::Error(core::ErrorCode::kDeadlineExceeded,
                       what + " did not complete within " + std::to_string(budget_s) + " s");
  }
  int64_t delay = ctx.state.delay_ms == 0 ? config_.first_poll.count() : ctx.state.delay_ms * 2;
  delay = std::min<int64_t>(delay, config_.poll_interval.count());
  ctx.state.delay_ms = delay;
  if (retry_after_s) {
    // Capped before it is multiplied: a huge Retry-After must not overflow.
    int64_t cap_ms = std::max<int64_t>(config_.max_retry_delay.count(), 1000);
    delay = std::max<int64_t>(delay, std::min<int64_t>(*retry_after_s, cap_ms / 1000) * 1000);
  }
  if (ctx.state.deadline_ms != 0) {
    delay = std::min<int64_t>(delay, std::max<int64_t>(ctx.state.deadline_ms -
                                                           core::ToUnixMillis(ctx.now),
                                                       0));
  }
  ctx.job.run_at = ctx.now + core::Duration(delay);
  ctx.next_chosen = true;
  return core::Ok();
}

void Engine::Fail(Context& ctx, const std::string& reason, std::optional<long> not_before_s) {
  ctx.state.failed = true;
  ctx.RecordEnd(core::metrics::IssuanceResult::kFailed);
  // Nothing was issued: the order no longer counts as a certificate for the rate limits.
  if (limits_ != nullptr) limits_->Release(ctx.job.id);
  if (ctx.job.kind == store::JobKind::kIssue) {
    ctx.Log(EventLevel::kError, "Issuance failed: " + reason);
    ctx.SetStatus(CertificateState::kFailed);
  } else {
    bool current_valid = !ctx.cert.certificate_pem.empty() && ctx.cert.expires_at &&
                         *ctx.cert.expires_at > ctx.now;
    if (current_valid) {
      // next_renewal_at stays where it is, in the past: the spec's sign of a failed renewal.
      const core::TimePoint due = ctx.cert.next_renewal_at.value_or(ctx.now);
      core::TimePoint retry = RenewalRetryTime(due, ctx.now, config_.renewal_retry, Jitter());
      if (not_before_s && *not_before_s > 0) {
        retry = std::max(retry, ctx.now + std::chrono::seconds(*not_before_s));
      }
      std::string next;
      if (!ctx.cert.auto_renew) {
        next = " Automatic renewal is off: renew it again to retry.";
      } else if (retry < *ctx.cert.expires_at) {
        next = " Next attempt at " + core::FormatRfc3339(retry) + ".";
      } else {
        // Retries stop at expiry: the sweep then marks it expired.
        retry = *ctx.cert.expires_at;
        next = " No further attempt: the certificate expires before the next one would be due.";
      }
      ctx.renewal_retry_at = retry;
      ctx.wake_sweep_at = retry;
      ctx.Log(EventLevel::kError,
              "Renewal failed: " + reason + ". The current certificate stays in place until " +
                  core::FormatRfc3339(*ctx.cert.expires_at) + "." + next);
      ctx.SetStatus(CertificateState::kIssued);
    } else {
      ctx.Log(EventLevel::kError, "Renewal failed: " + reason);
      ctx.SetStatus(CertificateState::kFailed);
    }
  }
  notifier_->Failed(ctx.cert, ctx.job, reason, ctx.now);
  ctx.Next(steps::kCleanup);
}

}  // namespace certadns::issuance
