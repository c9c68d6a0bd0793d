#include "issuance/certificate_service.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/errors.h"
#include "core/names.h"
#include "crypto/x509.h"
#include "issuance/engine.h"
#include "issuance/plan_rules.h"

namespace certadns::issuance {
namespace {

// RFC 8555 §7.6: revoking a revoked certificate.
constexpr std::string_view kAlreadyRevoked = "urn:ietf:params:acme:error:alreadyRevoked";

bool IsWildcard(const std::string& name) { return name.rfind("*.", 0) == 0; }

// A raw name longer than this cannot become a valid name (253 octets once normalised, and a
// Unicode label of 63 octets of punycode is at most a few hundred bytes of UTF-8); it is
// refused before normalisation so a huge body costs nothing but its parsing.
constexpr size_t kMaxRawNameBytes = 1024;

// The request's shape, checked before any name is normalised or looked up: how many names
// and how long each is.
core::Status CheckSize(const NewCertificate& input) {
  if (input.sans.size() + 1 > kMaxNamesPerCertificate) {
    return core::errors::TooManyNames(kMaxNamesPerCertificate, input.sans.size() + 1);
  }
  if (input.domain.size() > kMaxRawNameBytes) return core::errors::NameTooLong("domain");
  for (const std::string& san : input.sans) {
    if (san.size() > kMaxRawNameBytes) return core::errors::NameTooLong("sans");
  }
  return core::Ok();
}

// Checks that normalised names lie in `zone` itself: not outside it, and not in a more
// specific verified zone below it (another zone answers for those names, so the challenge record
// could not be published in `zone`); pending imports change nothing. Each name between a name and the zone is looked up
// once per request, however many names share it.
class ZoneNames {
 public:
  ZoneNames(store::ZoneStore& zones, std::string zone) : zones_(zones), zone_(std::move(zone)) {}

  core::Result<std::string> Check(const std::string& raw) {
    ASSIGN_OR_RETURN(std::string name, core::NormalizeDnsName(raw));
    if (!core::IsUnderZone(name, zone_)) return core::errors::DomainNotUnderZone();
    std::string rest = IsWildcard(name) ? name.substr(2) : name;
    while (rest.size() > zone_.size()) {
      auto [it, fresh] = other_zone_.try_emplace(rest, false);
      if (fresh) it->second = zones_.FindVerifiedZoneByName(rest).ok();
      if (it->second) return core::errors::DomainNotUnderZone();
      rest = rest.substr(rest.find('.') + 1);
    }
    return name;
  }

 private:
  store::ZoneStore& zones_;
  const std::string zone_;
  std::map<std::string, bool> other_zone_;  // name -> is a zone of its own
};

// The wildcard among `wildcards` ("*.example.com") that covers `name` ("app.example.com"):
// a wildcard stands for exactly one label (RFC 6125 §6.4.3).
std::optional<std::string> CoveringWildcard(const std::string& name,
                                            const std::set<std::string>& wildcards) {
  if (IsWildcard(name)) return std::nullopt;
  size_t dot = name.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string wildcard = "*" + name.substr(dot);
  if (wildcards.count(wildcard) != 0) return wildcard;
  return std::nullopt;
}

}  // namespace

CertificateService::CertificateService(store::CertificateStore& store, store::ZoneStore& zones,
                                       IssuanceService& issuance, acme::AcmeClient& acme,
                                       const crypto::SecretBox& box, const core::Clock& clock,
                                       core::Duration renew_before)
    : store_(store),
      zones_(zones),
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

core::Result<CertificateService::Checked> CertificateService::Check(const store::User& user,
                                                                   const NewCertificate& input) {
  ASSIGN_OR_RETURN(core::Plan plan, PaidPlan(user));
  const core::PlanLimits limits = core::LimitsOf(plan);

  auto zone = zones_.GetZone(user.id, input.zone_id);
  if (!zone.ok() || !zone->verified) return core::errors::ZoneNotFound();

  if (input.domain.empty()) return core::errors::InvalidRequest("domain is required");
  // Cheap checks first: an oversize request is refused before any name is normalised or
  // looked up.
  RETURN_IF_ERROR(CheckSize(input));
  ZoneNames names(zones_, zone->name);
  ASSIGN_OR_RETURN(std::string domain, names.Check(input.domain));
  // "wildcard": true with "example.com" asks for "*.example.com" (DESIGN.md).
  if (input.wildcard && !IsWildcard(domain)) {
    domain = "*." + domain;
    if (domain.size() > 253) return core::errors::InvalidRequest("domain is too long");
  }
  // SANs equal to the domain or to each other (by case, trailing dot, punycode) are kept
  // once, in the order given.
  std::vector<std::string> sans;
  std::set<std::string> seen = {domain};
  for (const std::string& raw : input.sans) {
    ASSIGN_OR_RETURN(std::string san, names.Check(raw));
    if (seen.insert(san).second) sans.push_back(san);
  }
  bool wildcard = IsWildcard(domain) || std::any_of(sans.begin(), sans.end(), IsWildcard);
  if (wildcard && !limits.wildcard) return core::errors::WildcardRequiresElite();
  if (input.auto_renew && !limits.auto_renew) return core::errors::AutoRenewRequiresPro();
  // After the plan rules (a Plus user hears that wildcards need Elite first). Let's Encrypt
  // refuses an order naming both "*.example.com" and "app.example.com".
  std::set<std::string> wildcards;
  for (const std::string& name : seen) {
    if (IsWildcard(name)) wildcards.insert(name);
  }
  for (const std::string& name : seen) {
    if (auto wildcard = CoveringWildcard(name, wildcards)) {
      return core::errors::NameCoveredByWildcard(name, *wildcard);
    }
  }

  return Checked{CertificateRequest{user.id, zone->id, zone->name, domain, sans, input.auto_renew},
                 limits.max_certificates};
}

core::Result<core::Certificate> CertificateService::Create(const store::User& user,
                                                           const NewCertificate& input) {
  ASSIGN_OR_RETURN(Checked checked, Check(user, input));
  const CertificateRequest& request = checked.request;
  if (preflight_ != nullptr) {
    // Before anything is stored: a request bound to fail costs no CA order.
    std::vector<std::string> names = {request.domain};
    names.insert(names.end(), request.sans.begin(), request.sans.end());
    RETURN_IF_ERROR(preflight_->Run(request.owner_id, request.zone_name, names).AsStatus());
  }
  auto created = issuance_.Request(request, checked.max_certificates);
  if (!created.ok()) {
    // The plan's limit (the store's bare kResourceExhausted); a rate limit keeps its own
    // code and words.
    if (created.error().code() == core::ErrorCode::kResourceExhausted &&
        created.error().reason().empty()) {
      return core::errors::CertificateLimitReached();
    }
    if (created.error().code() == core::ErrorCode::kAlreadyExists) {
      return core::errors::CertificateExists();
    }
    // The zone was deleted after it was read above.
    if (created.error().code() == core::ErrorCode::kNotFound) return core::errors::ZoneNotFound();
  }
  return created;
}

namespace {

// From expires_at on, an issued certificate is expired, whether or not the sweep has marked
// it in the store yet (it runs at that moment, but a busy queue may delay it).
core::Certificate AsOf(core::Certificate cert, core::TimePoint now) {
  if (cert.status == core::CertificateState::kIssued && cert.expires_at &&
      *cert.expires_at <= now) {
    cert.status = core::CertificateState::kExpired;
  }
  return cert;
}

}  // namespace

core::Result<PreflightReport> CertificateService::CheckPreflight(const store::User& user,
                                                                const NewCertificate& input) {
  auto checked = Check(user, input);
  if (!checked.ok()) {
    if (checked.error().reason() != core::errors::DomainNotUnderZone().reason()) {
      return checked.error();
    }
    PreflightReport report;
    report.ok = false;
    report.checks.push_back(PreflightCheck{"domain_under_zone", false, checked.error().message(),
                                           checked.error().reason()});
    return report;
  }
  const CertificateRequest& request = checked->request;
  std::vector<std::string> names = {request.domain};
  names.insert(names.end(), request.sans.begin(), request.sans.end());
  if (preflight_ == nullptr) {
    PreflightReport report;
    report.checks.push_back({"domain_under_zone", true, "every name is under " +
                                                            request.zone_name, ""});
    return report;
  }
  return preflight_->Run(request.owner_id, request.zone_name, names);
}

core::Result<std::vector<core::Certificate>> CertificateService::List(const store::User& user) {
  RETURN_IF_ERROR(PaidPlan(user));
  ASSIGN_OR_RETURN(std::vector<core::Certificate> certs, store_.ListCertificates(user.id));
  const core::TimePoint now = clock_.Now();
  for (core::Certificate& cert : certs) cert = AsOf(std::move(cert), now);
  return certs;
}

core::Result<int> CertificateService::Count(const store::User& user) {
  return store_.CountCertificates(user.id);
}

core::Result<core::Certificate> CertificateService::Get(const store::User& user,
                                                        const std::string& id) {
  RETURN_IF_ERROR(PaidPlan(user));
  auto cert = store_.GetCertificate(user.id, id);
  if (!cert.ok() && cert.error().code() == core::ErrorCode::kNotFound) {
    return core::errors::CertificateNotFound();
  }
  if (!cert.ok()) return cert;
  return AsOf(*std::move(cert), clock_.Now());
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
  const core::Certificate cert = AsOf(*std::move(found), clock_.Now());
  if (cert.status != core::CertificateState::kIssued) {
    return core::FailedPrecondition("Certificate is not issued (status: " +
                                    std::string(core::ToString(cert.status)) + ")");
  }
  ASSIGN_OR_RETURN(std::string sealed, store_.GetSealedPrivateKey(user.id, id));
  ASSIGN_OR_RETURN(crypto::SecretString key, box_.Open(sealed, id));
  return CertificateFiles{cert.domain, cert.certificate_pem, cert.chain_pem, std::move(key)};
}

std::string FullChainPem(const CertificateFiles& files) {
  std::string out = files.certificate_pem;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + files.chain_pem;
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
  // A zone whose proof of control is gone (ZoneService's re-check) issues nothing more.
  auto zone = zones_.GetZone(user.id, cert.zone_id);
  if (!zone.ok() || !zone->verified) return core::errors::ZoneNotFound();
  // Renewing makes it active again: not while another certificate of the domain is.
  ASSIGN_OR_RETURN(auto owned, store_.ListCertificates(user.id));
  for (const core::Certificate& other : owned) {
    if (other.id != cert.id && other.domain == cert.domain && core::IsActive(other.status)) {
      return core::errors::CertificateExists();
    }
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
    if (!status.ok() && status.error().acme_problem() != kAlreadyRevoked) {
      // The CA's words go to the certificate's log; the client gets a stable sentence.
      (void)store_.AppendEvent(id, {clock_.Now(), core::EventLevel::kError,
                                    "Revocation failed: " + status.error().message()});
      const core::ErrorCode code = status.error().code();
      if (code == core::ErrorCode::kUnavailable || code == core::ErrorCode::kDeadlineExceeded ||
          code == core::ErrorCode::kResourceExhausted) {
        return core::errors::CertificateAuthorityUnavailable();
      }
      return core::errors::RevocationRefused();
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
