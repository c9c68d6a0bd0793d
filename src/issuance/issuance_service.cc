#include "issuance/issuance_service.h"

#include "crypto/encoding.h"
#include "issuance/engine.h"

namespace certadns::issuance {

IssuanceService::IssuanceService(store::CertificateStore& certificates, store::JobQueue& jobs,
                                 const core::Clock& clock, std::function<void()> wake)
    : certificates_(certificates), jobs_(jobs), clock_(clock), wake_(std::move(wake)) {}

core::Result<core::Certificate> IssuanceService::Request(const CertificateRequest& request,
                                                         int max_certificates) {
  core::TimePoint now = clock_.Now();
  core::Certificate c;
  c.id = crypto::RandomId("cert");
  c.owner_id = request.owner_id;
  c.zone_id = request.zone_id;
  c.zone_name = request.zone_name;
  c.domain = request.domain;
  c.sans = request.sans;
  c.is_wildcard = request.domain.rfind("*.", 0) == 0;
  c.auto_renew = request.auto_renew;
  c.status = core::CertificateState::kPending;
  c.created_at = now;
  c.updated_at = now;

  store::Job job{.id = crypto::RandomId("job"),
                 .certificate_id = c.id,
                 .kind = store::JobKind::kIssue,
                 .step = std::string(steps::kOrder),
                 .run_at = now,
                 .created_at = now};
  // Reserve, then create: the reservation is counted and recorded in one serialised step of
  // the ledger (the last slot goes to one request only), and forgotten if the certificate
  // cannot be created after all.
  if (limits_ != nullptr) {
    RETURN_IF_ERROR(limits_->Admit({.id = job.id, .certificate_id = c.id, .names = c.AllNames()}));
  }
  if (auto created = certificates_.CreateCertificate(c, job, max_certificates); !created.ok()) {
    if (limits_ != nullptr) limits_->Forget(job.id);
    return created.error();
  }
  (void)certificates_.AppendEvent(c.id, {now, core::EventLevel::kInfo, "Certificate requested"});
  if (wake_) wake_();
  return c;
}

core::Status IssuanceService::StartJob(const core::Certificate& certificate,
                                       store::JobKind kind, std::string_view step,
                                       core::CertificateState status, const std::string& job_id) {
  core::TimePoint now = clock_.Now();
  store::Job job{.id = job_id,
                 .certificate_id = certificate.id,
                 .kind = kind,
                 .step = std::string(step),
                 .run_at = now,
                 .created_at = now};
  auto started = jobs_.StartJob(job, status, now);
  if (!started.ok() && started.error().code() == core::ErrorCode::kAlreadyExists) {
    // The store allows one job per certificate.
    return core::FailedPrecondition("Another operation on this certificate is in progress");
  }
  RETURN_IF_ERROR(started);
  if (wake_) wake_();
  return core::Ok();
}

core::Result<core::Certificate> IssuanceService::Renew(const std::string& owner_id,
                                                       const std::string& id) {
  ASSIGN_OR_RETURN(core::Certificate c, certificates_.GetCertificate(owner_id, id));
  const std::string job_id = crypto::RandomId("job");
  if (limits_ != nullptr) {
    // Admitted here, so a refusal is the request's 429 with nothing started. The CA's ARI
    // window is not read until the order step, so a manual renewal is never exempt: stricter
    // than the CA, never looser. (An automatic one is admitted at its order step.)
    auto admitted = limits_->AdmitRenewal(c, job_id, /*inside_ari_window=*/false);
    if (!admitted.ok()) {
      if (admitted.error().code() == core::ErrorCode::kResourceExhausted) {
        (void)certificates_.AppendEvent(
            c.id, {clock_.Now(), core::EventLevel::kWarning,
                   "Renewal not ordered: " + admitted.error().message()});
      }
      return admitted.error();
    }
  }
  if (auto started = StartJob(c, store::JobKind::kRenew, steps::kOrder,
                              core::CertificateState::kValidating, job_id);
      !started.ok()) {
    if (limits_ != nullptr) limits_->Forget(job_id);
    return started.error();
  }
  (void)certificates_.AppendEvent(c.id,
                                  {clock_.Now(), core::EventLevel::kInfo, "Renewal requested"});
  c.status = core::CertificateState::kValidating;
  return c;
}

}  // namespace certadns::issuance
