// Engine::Context: the working set of one step (private to the engine's .cc files).
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/text.h"
#include "issuance/engine.h"

namespace certadns::issuance {

struct Engine::Context {
  store::Job job;
  JobState state;
  core::Certificate cert;
  core::TimePoint now;
  bool cert_changed = false;
  std::optional<std::string> install_key;  // sealed key to put on the certificate
  std::vector<core::CertificateEvent> events;
  bool finished = false;
  bool next_chosen = false;  // the step set job.step / run_at itself
  // What the commit does beside the job and the certificate (store::StepCommit's fields).
  std::optional<core::TimePoint> renewal_retry_at;
  bool clear_renewal_retry = false;
  std::optional<core::TimePoint> wake_sweep_at;
  bool set_ari_check = false;  // the next ARI check becomes ari_check_at (nullopt: none)
  std::optional<core::TimePoint> ari_check_at;

  void Log(core::EventLevel level, std::string message) {
    // Messages carry upstream text (CA problems, PowerDNS errors): keep only safe text.
    events.push_back({now, level, core::SafeText(message)});
  }
  void Info(std::string message) { Log(core::EventLevel::kInfo, std::move(message)); }
  /// Moves on to `step`, due at once.
  void Next(std::string_view step) {
    job.step = std::string(step);
    job.run_at = now;
    job.attempt = 0;
    state.deadline_ms = 0;
    state.delay_ms = 0;
    state.retry_since_ms = 0;
    next_chosen = true;
  }
  /// Ends an automatic renewal without an order: the certificate stays as it is and its next
  /// renewal moves to `at` (the sweep wakes for it), with `why` in its log.
  void MoveAutomaticRenewal(core::TimePoint at, core::EventLevel level, std::string why) {
    cert.next_renewal_at = at;
    cert_changed = true;
    clear_renewal_retry = true;
    wake_sweep_at = std::min(at, ari_check_at.value_or(at));
    Log(level, std::move(why));
    finished = true;
  }
  /// Counts the end of this issuance or renewal (core/metrics.h), timed from its request
  /// (the job's creation) by the engine's clock.
  void RecordEnd(core::metrics::IssuanceResult result) const {
    const auto kind = job.kind == store::JobKind::kRenew ? core::metrics::IssuanceKind::kRenew
                                                         : core::metrics::IssuanceKind::kIssue;
    const double seconds = std::chrono::duration<double>(now - job.created_at).count();
    core::metrics::Process().IssuanceEnded(kind, result, std::max(0.0, seconds));
  }
  void SetStatus(core::CertificateState status) {
    if (cert.status != status) {
      cert.status = status;
      cert_changed = true;
    }
  }
};

}  // namespace certadns::issuance
