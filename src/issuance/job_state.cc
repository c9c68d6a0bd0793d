#include "issuance/job_state.h"

#include <nlohmann/json.hpp>

namespace certadns::issuance {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AuthorizationState, url, identifier, wildcard,
                                                status, challenge_url, fqdn, value, presented,
                                                responded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JobState, zone, order_url, finalize_url,
                                                certificate_url, authorizations, deadline_ms,
                                                delay_ms, failed, cleanup_attempts,
                                                retry_since_ms, reorders, automatic,
                                                inside_ari_window, key_spki)

// URLs come from the CA's headers and bodies: never let odd bytes throw in a worker.
std::string JobState::ToJson() const {
  return nlohmann::json(*this).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Result<JobState> JobState::FromJson(const std::string& json) {
  if (json.empty()) return JobState{};
  try {
    return nlohmann::json::parse(json).get<JobState>();
  } catch (const nlohmann::json::exception& e) {
    return core::Internal(std::string("corrupt job state: ") + e.what());
  }
}

bool InsideAriWindow(const store::Job& job) {
  if (job.kind != store::JobKind::kRenew) return false;
  auto state = JobState::FromJson(job.state);
  return state.ok() && state->inside_ari_window;
}

}  // namespace certadns::issuance
