#include "issuance/certificate_service.h"

#include <algorithm>

#include "core/errors.h"
#include "core/names.h"
#include "crypto/x509.h"
#include "issuance/engine.h"
#include "issuance/plan_rules.h"

namespace certadns::issuance {
namespace {

bool IsWildcard(const std::string& name) { return name.rfind("*.", 0) == 0; }

// Normalises `raw` and checks that it lies in `zone` itself: not outside it, and not in a
// more specific zone below it (another zone answers for those names, so the challenge
// record could not be published in `zone`).
core::Result<std::string> ZoneName(store::Store& store, const std::string& raw,
                                   const std::string& zone) {
  ASSIGN_OR_RETURN(std::string name, core::NormalizeDnsName(raw));
  if (!core::IsUnderZone(name, zone)) return core::errors::DomainNotUnderZone();
  std::string rest = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
  while (rest.size() > zone.size()) {
    if (store.FindZoneByName(rest).ok()) return core::errors::DomainNotUnderZone();
    rest = rest.substr(rest.find('.') + 1);
  }
  return name;
}

}  // namespace

CertificateService::CertificateService(store::Store& store, IssuanceService& issuance,
                                       acme::AcmeClient& acme, const crypto::SecretBox& box,
                                       const core::Clock& clock, core::Duration renew_before)
    : store_(store),
      issuance_(issuance),
      acme_(acme),
      box_(box),
      clock_(clock),
      renew_before_(renew_before) {}

core::Result<core::Plan> CertificateService::PaidPlan(const store::User& user) {
  auto plan = core::ParsePlan(user.plan);
  if (!plan || !core::LimitsOf(*plan).api_access) return core::errors::PaidPlanRequired();
  return *plan;
}

core::Result<core::Certificate> CertificateService::Create(const store::User& user,
                                                           const NewCertificate& input) {
  ASSIGN_OR_RETURN(core::Plan plan, PaidPlan(user));
  const core::PlanLimits limits = core::LimitsOf(plan);

  auto zone = store_.GetZone(user.id, input.zone_id);
  if (!zone.ok() || !zone->verified) return core::errors::ZoneNotFound();

  if (input.domain.empty()) return core::errors::InvalidRequest("domain is required");
  ASSIGN_OR_RETURN(std::string domain, ZoneName(store_, input.domain, zone->name));
  // "wildcard": true with "example.com" asks for "*.example.com" (DESIGN.md).
  if (input.wildcard && !IsWildcard(domain)) {
    domain = "*." + domain;
    if (domain.size() > 253) return core::errors::InvalidRequest("domain is too long");
  }
  std::vector<std::string> sans;
  for (const std::string& raw : input.sans) {
    ASSIGN_OR_RETURN(std::string san, ZoneName(store_, raw, zone->name));
    if (san != domain && std::find(sans.begin(), sans.end(), san) == sans.end()) {
      sans.push_back(san);
    }
  }
  if (sans.size() + 1 > kMaxNamesPerCertificate) {
    return core::errors::InvalidRequest("A certificate can hold at most " +
                                        std::to_string(kMaxNamesPerCertificate) + " names (" +
                                        std::to_string(sans.size() + 1) + " given)");
  }
  bool wildcard = IsWildcard(domain) || std::any_of(sans.begin(), sans.end(), IsWildcard);
  if (wildcard && !limits.wildcard) return core::errors::WildcardRequiresElite();
  if (input.auto_renew && !limits.auto_renew) return core::errors::AutoRenewRequiresPro();

  CertificateRequest request{user.id, zone->id, zone->name, domain, sans, input.auto_renew};
  auto created = issuance_.Request(request, limits.max_certificates);
  if (!created.ok()) {
    if (created.error().code() == core::ErrorCode::kResourceExhausted) {
      return core::errors::CertificateLimitReached();
    }
    if (created.error().code() == core::ErrorCode::kAlreadyExists) {
      return core::errors::CertificateExists();
    }
  }
  return created;
}

core::Result<std::vector<core::Certificate>> CertificateService::List(const store::User& user) {
  RETURN_IF_ERROR(PaidPlan(user));
  return store_.ListCertificates(user.id);
}

core::Result<core::Certificate> CertificateService::Get(const store::User& user,
                                                        const std::string& id) {
  RETURN_IF_ERROR(PaidPlan(user));
  auto cert = store_.GetCertificate(user.id, id);
  if (!cert.ok() && cert.error().code() == core::ErrorCode::kNotFound) {
    return core::errors::CertificateNotFound();
  }
  return cert;
}

core::Result<std::vector<core::CertificateEvent>> CertificateService::Logs(
    const store::User& user, const std::string& id) {
  RETURN_IF_ERROR(Get(user, id));
  return store_.ListEvents(user.id, id);
}

core::Result<CertificateFiles> CertificateService::Download(const store::User& user,
                                                            const std::string& id) {
  // Allowed on every plan, also after a downgrade to Free: the keys are the user's.
  auto found = store_.GetCertificate(user.id, id);
  if (!found.ok()) {
    if (found.error().code() == core::ErrorCode::kNotFound) {
      return core::errors::CertificateNotFound();
    }
    return found.error();
  }
  const core::Certificate& cert = *found;
  if (cert.status != core::CertificateState::kIssued) {
    return core::FailedPrecondition("Certificate is not issued (status: " +
                                    std::string(core::ToString(cert.status)) + ")");
  }
  ASSIGN_OR_RETURN(std::string sealed, store_.GetSealedPrivateKey(user.id, id));
  ASSIGN_OR_RETURN(crypto::SecretString key, box_.Open(sealed, id));
  return CertificateFiles{cert.certificate_pem, cert.chain_pem, std::move(key)};
}

core::Result<core::Certificate> CertificateService::Renew(const store::User& user,
                                                          const std::string& id) {
  ASSIGN_OR_RETURN(core::Plan plan, PaidPlan(user));
  if (!core::LimitsOf(plan).manual_renewal) return core::errors::PaidPlanRequired();
  ASSIGN_OR_RETURN(core::Certificate cert, Get(user, id));
  // The plan as it is now, not as it was at creation (a downgrade from Elite).
  if (auto refused = ManualRenewalRefused(user.plan, cert)) return *refused;
  if (cert.status == core::CertificateState::kRevoked) {
    return core::FailedPrecondition("A revoked certificate cannot be renewed");
  }
  if (cert.status == core::CertificateState::kPending ||
      cert.status == core::CertificateState::kValidating) {
    return core::FailedPrecondition("Certificate is being issued already (status: " +
                                    std::string(core::ToString(cert.status)) + ")");
  }
  return issuance_.Renew(user.id, id);
}

core::Result<core::Certificate> CertificateService::SetAutoRenew(const store::User& user,
                                                                 const std::string& id,
                                                                 bool enabled) {
  ASSIGN_OR_RETURN(core::Plan plan, PaidPlan(user));
  if (enabled && !core::LimitsOf(plan).auto_renew) return core::errors::AutoRenewRequiresPro();
  ASSIGN_OR_RETURN(core::Certificate cert, Get(user, id));
  if (enabled) {
    if (auto refused = AutoRenewalRefused(user.plan, cert)) return *refused;
  }
  std::optional<core::TimePoint> next = cert.next_renewal_at;
  if (enabled && cert.issued_at && cert.expires_at) {
    next = RenewalTime(*cert.issued_at, *cert.expires_at, renew_before_);
  }
  RETURN_IF_ERROR(store_.SetAutoRenew(user.id, id, enabled, next));
  (void)store_.AppendEvent(id, {clock_.Now(), core::EventLevel::kInfo,
                                enabled ? "Auto-renewal enabled" : "Auto-renewal disabled"});
  return Get(user, id);
}

core::Result<bool> CertificateService::Delete(const store::User& user, const std::string& id,
                                              bool revoke) {
  RETURN_IF_ERROR(PaidPlan(user));
  ASSIGN_OR_RETURN(core::Certificate cert, Get(user, id));
  bool revoked = false;
  if (revoke && !cert.certificate_pem.empty() &&
      cert.status != core::CertificateState::kRevoked) {
    ASSIGN_OR_RETURN(std::string der, crypto::CertificatePemToDer(cert.certificate_pem));
    auto status = acme_.RevokeCertificate(der, /*reason=unspecified*/ 0);
    if (!status.ok() && status.error().message().find("alreadyRevoked") == std::string::npos) {
      (void)store_.AppendEvent(id, {clock_.Now(), core::EventLevel::kError,
                                    "Revocation failed: " + status.error().message()});
      return core::Unavailable("Revocation with the CA failed: " + status.error().message());
    }
    // Marked revoked before it is deleted (the spec): should the delete fail, the user sees
    // it revoked, and a repeated delete finds it alreadyRevoked at the CA and goes on.
    RETURN_IF_ERROR(store_.SetCertificateStatus(
        user.id, id, core::CertificateState::kRevoked,
        {clock_.Now(), core::EventLevel::kInfo,
         "Certificate revoked with the CA (serial " + cert.serial + ")"}));
    revoked = true;
  }
  RETURN_IF_ERROR(store_.DeleteCertificate(user.id, id));
  return revoked;
}

core::Status CertificateService::ApplyPlan(const store::User& user) {
  return ApplyPlanChange(store_, clock_, user);
}

}  // namespace certadns::issuance
