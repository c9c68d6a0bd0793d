// Rfc8555Client: AcmeClient over HTTP (RFC 8555). It discovers the directory, registers
// (or finds) the account for its key on first use, signs every request with JWS (jwk for
// newAccount, kid otherwise), keeps the nonce of every response for the next request, and
// retries a request only when it was rejected with badNonce (cf. lego retrievablePost).
// Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "acme/acme_client.h"
#include "acme/nonce_pool.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "crypto/private_key.h"
#include "http/http_client.h"

namespace certadns::acme {

struct AcmeConfig {
  std::string directory_url;
  std::string contact_email;  // optional; "mailto:" is added
};

class Rfc8555Client final : public AcmeClient {
 public:
  /// `clock` turns an HTTP-date Retry-After into a wait; it must outlive the client.
  Rfc8555Client(http::HttpClient& http, AcmeConfig config, crypto::PrivateKey account_key,
                 const core::Clock& clock);

  /// Fetches the directory and registers or looks up the account. Called lazily by every
  /// operation; call it early to fail fast on a bad directory URL.
  core::Status EnsureAccount();
  /// The account URL ("kid") once EnsureAccount succeeded.
  std::string AccountUrl();

  core::Result<std::string> AccountThumbprint() override;
  core::Result<Order> NewOrder(const std::vector<std::string>& names) override;
  core::Result<Order> GetOrder(const std::string& url) override;
  core::Result<Authorization> GetAuthorization(const std::string& url) override;
  core::Result<Challenge> RespondToChallenge(const std::string& url) override;
  core::Result<Order> Finalize(const std::string& order_url, const std::string& finalize_url,
                               const std::string& csr_der) override;
  core::Result<std::string> DownloadCertificate(const std::string& url) override;
  core::Status RevokeCertificate(const std::string& certificate_der, int reason) override;
  core::Result<std::optional<RenewalInfo>> GetRenewalInfo(const std::string& cert_id) override;
  core::Result<Order> NewRenewalOrder(const std::vector<std::string>& names,
                                      const std::string& replaces) override;
  core::Result<std::vector<std::string>> CaaIdentities() override;

 private:
  struct Reply {
    http::Response response;
    nlohmann::json json;  // null when the body is not JSON
    std::optional<long> retry_after_s;
  };

  core::Result<Directory> GetDirectory();
  core::Result<std::string> FreshNonce(const Directory& directory);
  /// Signs and POSTs `payload` (empty = POST-as-GET) to `url`; retries on badNonce; turns
  /// an error status with a problem document into an Error.
  core::Result<Reply> Post(core::metrics::AcmeEndpoint endpoint, const std::string& url,
                           const std::string& payload, bool use_jwk,
                           const std::string& accept = "");
  /// Sends one request to the CA, counted and timed under `endpoint` (core/metrics.h).
  core::Result<http::Response> Send(core::metrics::AcmeEndpoint endpoint,
                                    const http::Request& request);
  core::Result<std::string> Kid();

  http::HttpClient& http_;
  const core::Clock& clock_;
  const AcmeConfig config_;
  const crypto::PrivateKey account_key_;
  const std::string thumbprint_;
  NoncePool nonces_;

  std::mutex mutex_;
  std::optional<Directory> directory_;  // guarded by mutex_
  std::string account_url_;             // guarded by mutex_
};

}  // namespace certadns::acme
