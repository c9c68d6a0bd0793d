// The plan rules that hold for a certificate after its creation (issue 6, defect 6): what a
// plan allows for a renewal, manual or automatic, and what a plan change does to
// certificates that exist already. A downgrade never deletes or revokes anything, and
// download stays allowed on every plan. Thread-safe (stateless).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/certificate_store.h"
#include "store/records.h"

namespace certadns::issuance {

/// True when the certificate holds a wildcard name ("*.example.com").
bool HasWildcard(const core::Certificate& cert);

/// The spec's error (core/errors.h) when `plan` does not allow renewing `cert` by hand:
/// paid plan required, or a wildcard without Elite. nullopt when allowed.
std::optional<core::Error> ManualRenewalRefused(std::string_view plan,
                                                const core::Certificate& cert);

/// The spec's error when `plan` does not allow renewing `cert` automatically: auto-renewal
/// needs Pro or Elite, a wildcard's renewal needs Elite. nullopt when allowed.
std::optional<core::Error> AutoRenewalRefused(std::string_view plan, const core::Certificate& cert);

/// Turns auto-renewal off, with a line in the certificate's log saying why, when `plan`
/// no longer allows it. Returns whether it did.
core::Result<bool> TurnOffAutoRenewalIfRefused(store::CertificateStore& store, core::TimePoint now,
                                               std::string_view plan,
                                               const core::Certificate& cert);

/// After `user`'s plan changed: applies TurnOffAutoRenewalIfRefused to each certificate.
core::Status ApplyPlanChange(store::CertificateStore& store, const core::Clock& clock,
                             const store::User& user);

}  // namespace certadns::issuance
