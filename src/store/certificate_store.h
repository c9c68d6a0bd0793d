// CertificateStore: certificates, their private keys and their event logs. Tenant data is
// always read with its owner; GetCertificateForWorker (for the engine) is the only read by
// id alone. Every method is atomic; implementations are thread-safe and safe to share
// between processes.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/records.h"

namespace certadns::store {

class CertificateStore {
 public:
  virtual ~CertificateStore() = default;

  /// Inserts the certificate and its first job together, in one transaction that also
  /// enforces the plan: kResourceExhausted when the owner already has `max_certificates`
  /// certificates; kAlreadyExists when the owner has an active (pending, validating or
  /// issued) certificate for the same domain; kNotFound when the certificate's zone is not
  /// (or no longer) the owner's, so a zone deletion and a request never cross.
  virtual core::Status CreateCertificate(
      const core::Certificate& certificate, const Job& job,
      int max_certificates = std::numeric_limits<int>::max()) = 0;
  /// How many certificates the owner has (every state counts toward the plan's limit).
  virtual core::Result<int> CountCertificates(const std::string& owner_id) = 0;
  /// Sets auto_renew and next_renewal_at; kNotFound when missing or not `owner_id`'s.
  virtual core::Status SetAutoRenew(const std::string& owner_id, const std::string& id,
                                    bool enabled,
                                    std::optional<core::TimePoint> next_renewal_at) = 0;
  /// Sets the certificate's status and appends `event` to its log, in one transaction;
  /// kNotFound when missing or not `owner_id`'s.
  virtual core::Status SetCertificateStatus(const std::string& owner_id, const std::string& id,
                                            core::CertificateState status,
                                            const core::CertificateEvent& event) = 0;
  /// Deletes the certificate with its log and key; its job, if any, finds it gone and ends.
  virtual core::Status DeleteCertificate(const std::string& owner_id, const std::string& id) = 0;
  /// kNotFound when missing or not `owner_id`'s.
  virtual core::Result<core::Certificate> GetCertificate(const std::string& owner_id,
                                                         const std::string& id) = 0;
  virtual core::Result<core::Certificate> GetCertificateForWorker(const std::string& id) = 0;
  /// The owner's certificates, oldest first, without their PEMs (certificate_pem and
  /// chain_pem empty; has_certificate says whether one is installed).
  virtual core::Result<std::vector<core::Certificate>> ListCertificates(
      const std::string& owner_id) = 0;
  /// The sealed private key of the current certificate; kNotFound when there is none.
  virtual core::Result<std::string> GetSealedPrivateKey(const std::string& owner_id,
                                                        const std::string& id) = 0;
  virtual core::Result<std::vector<core::CertificateEvent>> ListEvents(
      const std::string& owner_id, const std::string& certificate_id) = 0;
  virtual core::Status AppendEvent(const std::string& certificate_id,
                                   const core::CertificateEvent& event) = 0;
};

}  // namespace certadns::store
