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
}  // namespace

Engine::Engine(store::Store& store, acme::AcmeClient& acme, dns::DnsProvider& dns,
               dns::PropagationChecker* checker, const crypto::SecretBox& box,
               const core::Clock& clock, EngineConfig config)
    : store_(store),
      acme_(acme),
      dns_(dns),
      checker_(checker),
      box_(box),
      clock_(clock),
      config_(config) {}

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

  auto cert = store_.GetCertificateForWorker(job.certificate_id);
  auto state = JobState::FromJson(job.state);
  if (!cert.ok() && cert.error().code() != core::ErrorCode::kNotFound) {
    // The store is busy or down: try this step again shortly, nothing lost.
    spdlog::warn("job {}: cannot read its certificate: {}", job.id, cert.error().message());
    ctx.job.run_at = ctx.now + std::chrono::seconds(1);
    return store::StepCommit{ctx.job, false, {}, {}, {}};
  }
  if (!cert.ok() || !state.ok()) {
    // The certificate was deleted (or the job is unreadable): withdraw our records, then
    // stop. No log lines: the certificate's log went with it.
    bool finished = true;
    if (state.ok()) {
      ctx.state = std::move(state).value();
      ctx.job.step = std::string(steps::kCleanup);
      auto cleaned = CleanUpRecords(ctx);
      finished = !cleaned.ok() || ctx.finished;
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
  if (!status.ok()) {
    const core::Error& error = status.error();
    // A rate limit that lifts within minutes is waited out; a longer one fails with the
    // CA's words (Let's Encrypt's weekly limits), rather than holding the job for days.
    std::optional<long> retry_after = error.retry_after_s();
    bool short_limit = error.code() == core::ErrorCode::kResourceExhausted && retry_after &&
                       *retry_after <= kLongestRateLimitWait.count();
    bool transient = error.code() == core::ErrorCode::kUnavailable || short_limit;
    if (transient && ctx.job.attempt < config_.max_transient_retries && !ctx.state.failed) {
      ctx.job.attempt++;
      // 100 ms, 200 ms, 400 ms...: a busy peer gets room, a blip costs little.
      auto delay = std::min<core::Duration>(core::Duration(100) * (1 << (ctx.job.attempt - 1)),
                                            std::chrono::seconds(30));
      if (retry_after) delay = std::max<core::Duration>(delay, std::chrono::seconds(*retry_after));
      ctx.job.run_at = ctx.now + delay;
      ctx.Log(EventLevel::kWarning,
              "Step " + job.step + " failed, retrying (attempt " +
                  std::to_string(ctx.job.attempt) + "): " + error.message());
    } else if (job.step == steps::kCleanup) {
      // Cleanup retries are counted in the state; see CleanUpRecords.
      ctx.Log(EventLevel::kError, "Cleanup of challenge records failed: " + error.message());
      ctx.finished = true;
    } else {
      Fail(ctx, error.message());
    }
  }

  store::StepCommit commit;
  commit.job = ctx.job;
  commit.job.state = ctx.state.ToJson();
  commit.finished = ctx.finished;
  if (ctx.cert_changed) {
    ctx.cert.updated_at = ctx.now;
    commit.certificate = ctx.cert;
  }
  commit.sealed_private_key = ctx.install_key;
  commit.events = std::move(ctx.events);
  for (const auto& e : commit.events) {
    spdlog::log(e.level == EventLevel::kError     ? spdlog::level::warn
                : e.level == EventLevel::kWarning ? spdlog::level::info
                                                  : spdlog::level::debug,
                "{} [{}] {}", job.certificate_id, job.step, e.message);
  }
  return commit;
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
  if (retry_after_s) delay = std::max<int64_t>(delay, *retry_after_s * 1000);
  if (ctx.state.deadline_ms != 0) {
    delay = std::min<int64_t>(delay, std::max<int64_t>(ctx.state.deadline_ms -
                                                           core::ToUnixMillis(ctx.now),
                                                       0));
  }
  ctx.job.run_at = ctx.now + core::Duration(delay);
  ctx.next_chosen = true;
  return core::Ok();
}

void Engine::Fail(Context& ctx, const std::string& reason) {
  ctx.state.failed = true;
  if (ctx.job.kind == store::JobKind::kIssue) {
    ctx.Log(EventLevel::kError, "Issuance failed: " + reason);
    ctx.SetStatus(CertificateState::kFailed);
  } else {
    bool current_valid = !ctx.cert.certificate_pem.empty() && ctx.cert.expires_at &&
                         *ctx.cert.expires_at > ctx.now;
    if (current_valid) {
      ctx.Log(EventLevel::kError,
              "Renewal failed: " + reason + ". The current certificate stays in place until " +
                  core::FormatRfc3339(*ctx.cert.expires_at) + ".");
      ctx.SetStatus(CertificateState::kIssued);
    } else {
      ctx.Log(EventLevel::kError, "Renewal failed: " + reason);
      ctx.SetStatus(CertificateState::kFailed);
    }
  }
  ctx.Next(steps::kCleanup);
}

}  // namespace certadns::issuance
