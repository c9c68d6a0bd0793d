// The sweep's ARI polling (RFC 9773 §4.3): between issuance and the planned renewal, the
// CA's suggested window of each certificate is asked again on the CA's Retry-After schedule,
// so a window the CA moves (earlier, before a mass revocation; or later) moves the renewal.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/text.h"
#include "crypto/x509.h"
#include "issuance/engine.h"

namespace certadns::issuance {

bool Engine::PollRenewalInfo(core::TimePoint now) {
  auto due = jobs_.ListDueAriChecks(now, config_.sweep_batch);
  if (!due.ok()) {
    spdlog::warn("sweep: cannot list due ARI checks: {}", due.error().message());
    return false;
  }
  for (const store::AriCheckDue& check : *due) {
    // A CA that does not answer is not asked again in this run: the rest wait for the next.
    if (!CheckRenewalInfo(now, check)) return false;
  }
  return static_cast<int>(due->size()) == config_.sweep_batch;
}

bool Engine::CheckRenewalInfo(core::TimePoint now, const store::AriCheckDue& due) {
  const core::Certificate& c = due.certificate;
  store::AriCheckResult result{.certificate_id = c.id, .serial = c.serial};
  bool answered = true;
  // No identifier (a certificate without an AKI) or a CA no longer offering ARI: no further
  // check (next_check_at stays nullopt).
  if (auto cert_id = crypto::AriCertificateId(c.certificate_pem); cert_id.ok()) {
    auto info = acme_.GetRenewalInfo(*cert_id);
    if (!info.ok()) {
      // ARI only advises: the plan stands, and the check is tried again with backoff. Not
      // in the certificate's log: the CA's outage is not the user's news.
      answered = false;
      result.failures = due.failures + 1;
      result.next_check_at =
          AriCheckRetryTime(now, result.failures, info.error().retry_after_s(), Jitter());
      spdlog::warn("sweep: ARI check of {} failed ({} in a row; next at {}): {}", c.id,
                   result.failures, core::FormatRfc3339(*result.next_check_at),
                   core::SafeText(info.error().message()));
    } else if (const std::optional<acme::RenewalInfo>& window = *info; window) {
      result.next_check_at = AriCheckTime(now, window->retry_after_s);
      const core::TimePoint planned = c.next_renewal_at.value_or(now);
      // The part of the window before the certificate expires: a CA's window must not let
      // it lapse.
      const core::TimePoint end =
          std::min(window->window_end, c.expires_at.value_or(window->window_end));
      if (end <= window->window_start) {
        spdlog::warn("sweep: ARI window of {} opens after it expires; plan kept", c.id);
      } else if (planned < window->window_start || planned >= end) {
        // RFC 9773 §4.2 again: a random time in the new window; now when it is over.
        const core::TimePoint at = PickInWindow(window->window_start, end, now, Jitter());
        result.next_renewal_at = at;
        result.event = core::CertificateEvent{
            now, core::EventLevel::kInfo,
            core::SafeText(DescribeWindow(*window) + "; renewal moved from " +
                           core::FormatRfc3339(planned) + " to " + core::FormatRfc3339(at))};
      }
    }
  }
  auto recorded = jobs_.RecordAriCheck(result);
  if (!recorded.ok()) {
    spdlog::warn("sweep: cannot record the ARI check of {}: {}", c.id,
                 recorded.error().message());
  }
  return answered;
}

}  // namespace certadns::issuance
