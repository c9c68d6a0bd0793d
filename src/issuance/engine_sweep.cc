// The sweep: the one recurring job. It marks expired certificates, polls the CA's ARI
// windows (engine_ari.cc) and starts automatic renewals when they fall due, then sleeps (as
// a run_at) until the next of these does.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "crypto/encoding.h"
#include "issuance/engine.h"
#include "issuance/plan_rules.h"

namespace certadns::issuance {

store::Job Engine::SweepJob(core::TimePoint now) {
  return store::Job{.id = crypto::RandomId("job"),
                    .certificate_id = std::string(store::kSweepJobId),
                    .kind = store::JobKind::kSweep,
                    .step = "sweep",
                    .run_at = now,
                    .created_at = now};
}

store::StepCommit Engine::RunSweep(const store::Job& job) {
  const core::TimePoint now = clock_.Now();
  store::StepCommit commit;
  commit.job = job;
  commit.job.run_at = now + config_.sweep_interval;

  if (auto expired = jobs_.ExpireCertificates(now); !expired.ok()) {
    spdlog::warn("sweep: cannot mark expired certificates: {}", expired.error().message());
  } else if (*expired > 0) {
    spdlog::info("sweep: {} certificate(s) expired", *expired);
  }

  notifier_->Sweep(now);
  // The CA's windows first: a renewal a window moves to now starts in this very run.
  const bool more_ari_checks = PollRenewalInfo(now);
  auto due = jobs_.ListDueRenewals(now, config_.sweep_batch);
  if (!due.ok()) {
    spdlog::warn("sweep: cannot list due renewals: {}", due.error().message());
    commit.job.run_at = now + std::chrono::seconds(30);
    return commit;
  }
  // Each at a random time within renewal_spread, so a thousand certificates falling due
  // together never hit the CA at once.
  int handled = 0;
  for (const core::Certificate& c : *due) {
    // The owner's plan as it is now: after a downgrade, auto-renewal is turned off (with
    // the reason in the log) instead of renewing. Nothing is deleted or revoked.
    auto owner = accounts_.GetUser(c.owner_id);
    if (!owner.ok()) {
      spdlog::warn("sweep: cannot read the owner of {}: {}", c.id, owner.error().message());
      continue;
    }
    auto turned_off = TurnOffAutoRenewalIfRefused(certificates_, now, owner->plan, c);
    if (!turned_off.ok()) {
      spdlog::warn("sweep: cannot apply the plan to {}: {}", c.id, turned_off.error().message());
      continue;
    }
    if (*turned_off) {
      ++handled;
      continue;
    }
    const core::TimePoint start =
        now + RenewalStartDelay(now, c.expires_at.value_or(now), config_.renewal_spread,
                                Jitter());
    JobState automatic;
    automatic.automatic = true;
    store::Job renew{.id = crypto::RandomId("job"),
                     .certificate_id = c.id,
                     .kind = store::JobKind::kRenew,
                     .step = std::string(steps::kOrder),
                     .run_at = start,
                     .state = automatic.ToJson(),
                     .created_at = now};
    // The rate limits admit it at its order step, once the CA's ARI window is read.
    // The retry time guards against a second start should this attempt end unseen; a
    // failure sets the real one (Fail), a success clears it.
    auto started = jobs_.StartAutoRenewal(renew, start + config_.renewal_retry.first);
    if (!started.ok()) continue;  // it got a job meanwhile (a manual renewal): fine
    (void)certificates_.AppendEvent(
        c.id, {now, core::EventLevel::kInfo,
               "Automatic renewal started (due " + core::FormatRfc3339(*c.next_renewal_at) +
                   "): attempt at " + core::FormatRfc3339(start)});
    ++handled;
  }

  if (static_cast<int>(due->size()) == config_.sweep_batch) {
    // More are due: the next batch at once (30 s later when none of this one could be
    // handled, so a failing store never turns the sweep into a spin).
    commit.job.run_at = handled > 0 ? now : now + std::chrono::seconds(30);
  } else if (more_ari_checks) {
    commit.job.run_at = now;  // the next batch of ARI checks (each one answered: no spin)
  } else if (auto next = jobs_.NextLifecycleEvent(now); next.ok() && next->has_value()) {
    commit.job.run_at = std::max(now, std::min(commit.job.run_at, **next));
  }
  return commit;
}

}  // namespace certadns::issuance
