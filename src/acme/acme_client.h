// AcmeClient: the RFC 8555 operations the issuance engine performs, one call per request so
// that each engine step stays small and idempotent. Rfc8555Client is the real one;
// tests use a fake. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/types.h"
#include "core/result.h"

namespace certadns::acme {

class AcmeClient {
 public:
  virtual ~AcmeClient() = default;

  /// The account key's RFC 7638 thumbprint, for key authorizations (RFC 8555 §8.1).
  virtual core::Result<std::string> AccountThumbprint() = 0;
  /// RFC 8555 §7.4 newOrder for DNS `names` ("*.example.com" allowed).
  virtual core::Result<Order> NewOrder(const std::vector<std::string>& names) = 0;
  /// POST-as-GET of an order URL (§7.4). `url` is kept in the result.
  virtual core::Result<Order> GetOrder(const std::string& url) = 0;
  /// POST-as-GET of an authorization URL (§7.5).
  virtual core::Result<Authorization> GetAuthorization(const std::string& url) = 0;
  /// Tells the server the challenge is ready (§7.5.1: POST "{}").
  virtual core::Result<Challenge> RespondToChallenge(const std::string& url) = 0;
  /// Submits the CSR (§7.4 finalize). `url` is the order URL, kept in the result.
  virtual core::Result<Order> Finalize(const std::string& order_url,
                                       const std::string& finalize_url,
                                       const std::string& csr_der) = 0;
  /// Downloads the certificate chain as PEM (§7.4.2), leaf first.
  virtual core::Result<std::string> DownloadCertificate(const std::string& url) = 0;
  /// §7.6 revokeCert, signed by the account key. `reason` is an RFC 5280 CRLReason code.
  virtual core::Status RevokeCertificate(const std::string& certificate_der, int reason) = 0;

  /// RFC 9773: the CA's suggested renewal window for the certificate `cert_id`
  /// (crypto::AriCertificateId). nullopt when the CA offers no renewalInfo (the default).
  virtual core::Result<std::optional<RenewalInfo>> GetRenewalInfo(const std::string& cert_id) {
    (void)cert_id;
    return std::optional<RenewalInfo>();
  }
  /// newOrder for a renewal: with ARI, `replaces` (RFC 9773 §5) names the certificate it
  /// replaces; "" or a CA without ARI: a plain newOrder (the default).
  virtual core::Result<Order> NewRenewalOrder(const std::vector<std::string>& names,
                                              const std::string& replaces) {
    (void)replaces;
    return NewOrder(names);
  }

  /// The directory's meta.caaIdentities (RFC 8555 §7.1.1): the issuer domain names CAA
  /// records must name. Empty when the CA lists none (or a fake does not say).
  virtual core::Result<std::vector<std::string>> CaaIdentities() {
    return std::vector<std::string>{};
  }
};

}  // namespace certadns::acme
