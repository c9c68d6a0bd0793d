// CertificateService: what a user can do with certificates, with the spec's rules applied in
// one place (plan limits, zone ownership and verification, name rules, one active
// certificate per domain) and the spec's errors (core/errors.h) returned. The API layer
// only translates HTTP to these calls. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/acme_client.h"
#include "core/certificate.h"
#include "core/clock.h"
#include "core/plan.h"
#include "crypto/secret_box.h"
#include "issuance/issuance_service.h"
#include "issuance/preflight.h"
#include "store/certificate_store.h"
#include "store/records.h"
#include "store/zone_store.h"

namespace certadns::issuance {

/// A request as the user sent it: names not yet normalised or checked.
struct NewCertificate {
  std::string zone_id;
  std::string domain;
  std::vector<std::string> sans;
  bool wildcard = false;
  bool auto_renew = false;
};

struct CertificateFiles {
  std::string domain;  // the certificate's primary name, e.g. "*.example.com"
  std::string certificate_pem;
  std::string chain_pem;
  crypto::SecretString private_key_pem;
};

/// The leaf followed by its chain (certbot's fullchain.pem), each PEM ending in a newline.
std::string FullChainPem(const CertificateFiles& files);

/// At most this many names (domain + SANs) on one certificate (Let's Encrypt's limit).
inline constexpr size_t kMaxNamesPerCertificate = 100;

class CertificateService {
 public:
  CertificateService(store::CertificateStore& store, store::ZoneStore& zones,
                     IssuanceService& issuance, acme::AcmeClient& acme,
                     const crypto::SecretBox& box, const core::Clock& clock,
                     core::Duration renew_before);

  /// Checks and records the request; the certificate starts `pending`. Errors: the spec's
  /// paid-plan / wildcard / auto-renew / limit 403s, zone 404, domain-not-under-zone 400,
  /// duplicate 409, and kInvalidArgument for malformed names.
  /// With pre-flight checks (SetPreflight), a failed check refuses the request (400 with the
  /// check's code, e.g. caa_forbids_issuance) before anything is stored.
  core::Result<core::Certificate> Create(const store::User& user, const NewCertificate& input);
  /// The checks Create would run, without creating anything: the request's own rules first
  /// (their errors as Create's, except a name outside the zone, which is a failed
  /// "domain_under_zone" check), then the pre-flight checks when set.
  core::Result<PreflightReport> CheckPreflight(const store::User& user,
                                               const NewCertificate& input);
  /// Turns the pre-flight checks on (null: off). Call before serving.
  void SetPreflight(Preflight* preflight) { preflight_ = preflight; }
  core::Result<std::vector<core::Certificate>> List(const store::User& user);
  /// How many certificates `user` has: every state counts toward the plan's limit.
  core::Result<int> Count(const store::User& user);
  core::Result<core::Certificate> Get(const store::User& user, const std::string& id);
  core::Result<std::vector<core::CertificateEvent>> Logs(const store::User& user,
                                                        const std::string& id);
  /// Only for `issued` certificates; kFailedPrecondition otherwise. Allowed on every plan.
  core::Result<CertificateFiles> Download(const store::User& user, const std::string& id);
  /// Starts a renewal (status `validating` at once). The plan as it is now applies (a
  /// wildcard needs Elite). kFailedPrecondition while another operation runs or for a
  /// revoked certificate.
  core::Result<core::Certificate> Renew(const store::User& user, const std::string& id);
  core::Result<core::Certificate> SetAutoRenew(const store::User& user, const std::string& id,
                                               bool enabled);
  /// Deletes the certificate; with `revoke`, an issued one is first revoked with the CA
  /// and marked `revoked` (nothing is deleted if the CA refuses). Returns whether it was
  /// revoked.
  core::Result<bool> Delete(const store::User& user, const std::string& id, bool revoke);
  /// After a plan change: turns auto-renewal off, with a line in each certificate's log,
  /// where the user's plan no longer allows it (auto-renewal, or a wildcard's renewal).
  /// Never deletes or revokes anything.
  core::Status ApplyPlan(const store::User& user);

 private:
  struct Checked {
    CertificateRequest request;
    int max_certificates = 0;
  };
  core::Result<core::Plan> PaidPlan(const store::User& user);
  /// Create's rules (plan, zone, names), with nothing stored.
  core::Result<Checked> Check(const store::User& user, const NewCertificate& input);

  store::CertificateStore& store_;
  store::ZoneStore& zones_;
  IssuanceService& issuance_;
  acme::AcmeClient& acme_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  const core::Duration renew_before_;
  Preflight* preflight_ = nullptr;
};

}  // namespace certadns::issuance
