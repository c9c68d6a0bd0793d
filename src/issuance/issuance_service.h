// IssuanceService: how the rest of the service starts certificate operations. Each request
// writes the certificate and its job in one transaction, then wakes a worker, so the first
// step runs at once; the reply does not wait for the CA. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "issuance/rate_limits.h"
#include "store/certificate_store.h"
#include "store/job_queue.h"

namespace certadns::issuance {

struct CertificateRequest {
  std::string owner_id;
  std::string zone_id;
  std::string zone_name;
  std::string domain;             // normalised; "*.example.com" for a wildcard
  std::vector<std::string> sans;  // normalised, without the domain
  bool auto_renew = false;
};

class IssuanceService {
 public:
  /// `wake` is called after each enqueue (WorkerPool::Wake).
  IssuanceService(store::CertificateStore& certificates, store::JobQueue& jobs,
                  const core::Clock& clock, std::function<void()> wake);

  /// Creates a `pending` certificate and its issue job. kResourceExhausted when the owner
  /// has `max_certificates` already; kAlreadyExists when the domain has an active one;
  /// kNotFound when the zone is no longer the owner's (deleted meanwhile).
  core::Result<core::Certificate> Request(const CertificateRequest& request,
                                          int max_certificates = 1 << 30);
  /// Starts a renewal: the certificate goes `validating`; the current one stays until the
  /// new one is issued. kFailedPrecondition while another operation is running. With rate
  /// limits, a renewal they refuse is not started: the certificate stays as it is, with the
  /// reason in its log, and the refusal (kResourceExhausted) is returned.
  core::Result<core::Certificate> Renew(const std::string& owner_id, const std::string& id);
  /// Requests and renewals are admitted by `limits` first (null: no limits, the default).
  void SetRateLimiter(RateLimiter* limits) { limits_ = limits; }

 private:
  core::Status StartJob(const core::Certificate& certificate, store::JobKind kind,
                        std::string_view step, core::CertificateState status,
                        const std::string& job_id);

  store::CertificateStore& certificates_;
  store::JobQueue& jobs_;
  const core::Clock& clock_;
  std::function<void()> wake_;
  RateLimiter* limits_ = nullptr;
};

}  // namespace certadns::issuance
