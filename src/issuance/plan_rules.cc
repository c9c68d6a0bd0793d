#include "issuance/plan_rules.h"

#include <algorithm>

#include "core/errors.h"
#include "core/plan.h"

namespace certadns::issuance {

bool HasWildcard(const core::Certificate& cert) {
  if (cert.is_wildcard) return true;
  auto names = cert.AllNames();
  return std::any_of(names.begin(), names.end(),
                     [](const std::string& n) { return n.rfind("*.", 0) == 0; });
}

std::optional<core::Error> ManualRenewalRefused(std::string_view plan,
                                                const core::Certificate& cert) {
  auto parsed = core::ParsePlan(plan);
  if (!parsed || !core::LimitsOf(*parsed).manual_renewal) return core::errors::PaidPlanRequired();
  if (HasWildcard(cert) && !core::LimitsOf(*parsed).wildcard) {
    return core::errors::WildcardRequiresElite();
  }
  return std::nullopt;
}

std::optional<core::Error> AutoRenewalRefused(std::string_view plan,
                                              const core::Certificate& cert) {
  auto parsed = core::ParsePlan(plan);
  if (!parsed || !core::LimitsOf(*parsed).auto_renew) return core::errors::AutoRenewRequiresPro();
  if (HasWildcard(cert) && !core::LimitsOf(*parsed).wildcard) {
    return core::errors::WildcardRequiresElite();
  }
  return std::nullopt;
}

core::Result<bool> TurnOffAutoRenewalIfRefused(store::CertificateStore& store, core::TimePoint now,
                                               std::string_view plan,
                                               const core::Certificate& cert) {
  if (!cert.auto_renew) return false;
  auto refused = AutoRenewalRefused(plan, cert);
  if (!refused) return false;
  RETURN_IF_ERROR(store.SetAutoRenew(cert.owner_id, cert.id, false, cert.next_renewal_at));
  RETURN_IF_ERROR(store.AppendEvent(
      cert.id, {now, core::EventLevel::kWarning,
                "Auto-renewal turned off: " + refused->message() + " (plan: " + std::string(plan) +
                    "). The certificate stays valid and downloadable."}));
  return true;
}

core::Status ApplyPlanChange(store::CertificateStore& store, const core::Clock& clock,
                             const store::User& user) {
  ASSIGN_OR_RETURN(std::vector<core::Certificate> certs, store.ListCertificates(user.id));
  for (const core::Certificate& cert : certs) {
    RETURN_IF_ERROR(TurnOffAutoRenewalIfRefused(store, clock.Now(), user.plan, cert));
  }
  return core::Ok();
}

}  // namespace certadns::issuance
