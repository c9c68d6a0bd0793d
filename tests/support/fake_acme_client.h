// FakeAcmeClient: an in-memory ACME CA behind the AcmeClient interface. It keeps orders,
// authorizations and challenges, lets a test decide per requested name whether validation
// succeeds, fails with a problem document or stays pending for N polls, and issues real
// certificates: at construction it creates a throwaway root and intermediate CA (EC P-256,
// nothing is committed), and Finalize signs a leaf for the CSR's public key with the CSR's
// subjectAltName. Failures can be injected per method; every call is recorded. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acme/acme_client.h"
#include "core/clock.h"
#include "core/result.h"

namespace certadns::test {

class FakeAcmeClient final : public acme::AcmeClient {
 public:
  enum class Method {
    kAccountThumbprint,
    kNewOrder,
    kGetOrder,
    kGetAuthorization,
    kRespondToChallenge,
    kFinalize,
    kDownloadCertificate,
    kRevokeCertificate,
    kGetRenewalInfo,
  };

  struct Call {
    Method method;
    std::string url;                 // the URL acted on ("" for NewOrder/Revoke/Thumbprint)
    std::vector<std::string> names;  // NewOrder: the names; Finalize: the CSR's SAN names
  };

  /// How the CA treats one name as requested in the order ("*.example.com" and
  /// "example.com" are separate authorizations, both for identifier "example.com").
  struct NameBehavior {
    /// The authorization is valid from the start (reused from an earlier validation).
    bool already_valid = false;
    /// After the challenge response, this many GetAuthorization calls still say "pending".
    int pending_polls = 0;
    /// Validation fails with this problem (authorization and challenge become "invalid").
    std::optional<acme::Problem> problem;
    /// Retry-After sent with "pending" authorizations.
    std::optional<long> retry_after_s;
  };

  /// `clock` (may be null: the system clock) dates the certificates the CA issues.
  explicit FakeAcmeClient(const core::Clock* clock = nullptr);
  ~FakeAcmeClient() override;
  FakeAcmeClient(const FakeAcmeClient&) = delete;
  FakeAcmeClient& operator=(const FakeAcmeClient&) = delete;

  // Script.
  void SetBehavior(const std::string& name, NameBehavior behavior);
  /// After Finalize, this many GetOrder calls still say "processing" (default 0: Finalize
  /// answers "valid" at once).
  void SetOrderProcessingPolls(int polls);
  /// Lifetime of issued leaves (default 90 days), starting at the clock's now.
  void SetLeafValidity(core::Duration validity);
  /// Issues leaves for a key of the CA's own instead of the CSR's: a CA gone wrong.
  void SetLeafForAnotherKey(bool on);
  /// The next `count` calls of `method` fail with `error` (default: kUnavailable). With
  /// `after_effect`, each call first takes effect at the CA and then fails, like a response
  /// lost on the way back.
  void FailNext(Method method, int count, std::optional<core::Error> error = std::nullopt,
                bool after_effect = false);

  /// Runs at the start of every NewOrder call, outside the fake's lock: a slow CA.
  void SetNewOrderHook(std::function<void()> hook);
  /// Runs at the start of every call of `method` (NewOrder, GetAuthorization,
  /// RespondToChallenge), outside the fake's lock: a slow CA, or a test watching how many
  /// calls are in flight at once.
  void SetCallHook(Method method, std::function<void()> hook);

  // acme::AcmeClient.
  core::Result<std::string> AccountThumbprint() override;
  core::Result<acme::Order> NewOrder(const std::vector<std::string>& names) override;
  core::Result<acme::Order> GetOrder(const std::string& url) override;
  core::Result<acme::Authorization> GetAuthorization(const std::string& url) override;
  core::Result<acme::Challenge> RespondToChallenge(const std::string& url) override;
  core::Result<acme::Order> Finalize(const std::string& order_url, const std::string& finalize_url,
                                     const std::string& csr_der) override;
  core::Result<std::string> DownloadCertificate(const std::string& url) override;
  core::Status RevokeCertificate(const std::string& certificate_der, int reason) override;
  /// The scripted window (SetRenewalInfo; default: the CA offers no ARI); records the id.
  core::Result<std::optional<acme::RenewalInfo>> GetRenewalInfo(
      const std::string& cert_id) override;
  /// Records `replaces` (Replaces()), then acts as NewOrder.
  core::Result<acme::Order> NewRenewalOrder(const std::vector<std::string>& names,
                                            const std::string& replaces) override;
  /// What GetRenewalInfo answers from now on (nullopt: no ARI).
  void SetRenewalInfo(std::optional<acme::RenewalInfo> info) {
    std::lock_guard<std::mutex> lock(mu_);
    renewal_info_ = std::move(info);
  }
  /// The `replaces` of every NewRenewalOrder, in order.
  std::vector<std::string> Replaces() const {
    std::lock_guard<std::mutex> lock(mu_);
    return replaces_;
  }

  // Observation.
  std::vector<Call> Calls() const;
  size_t CallCount(Method method) const;
  /// The thumbprint AccountThumbprint answers.
  static std::string Thumbprint() { return "fake-account-thumbprint"; }
  /// The dns-01 token of each name of the latest order, keyed by the requested name.
  std::map<std::string, std::string> TokensOfLastOrder() const;
  size_t OrderCount() const;
  /// The trust anchor and the intermediate that signs leaves (PEM).
  std::string RootPem() const;
  std::string IntermediatePem() const;
  /// Every chain issued so far (leaf then intermediate, PEM), in order.
  std::vector<std::string> IssuedChains() const;
  /// DER of every certificate revoked so far.
  std::vector<std::string> RevokedCertificates() const;

 private:
  struct Ca;  // the OpenSSL root/intermediate keys and certificates
  struct ChallengeRec {
    std::string url;
    std::string token;
    std::string status = "pending";
  };
  struct AuthzRec {
    std::string url;
    std::string name;  // as requested
    std::string status = "pending";
    ChallengeRec dns;
    bool responded = false;
    int pending_left = 0;
    NameBehavior behavior;
  };
  struct OrderRec {
    std::string url;
    std::string finalize;
    std::string status = "pending";
    std::vector<std::string> names;
    std::vector<std::string> authorizations;
    std::string certificate_url;
    std::optional<acme::Problem> error;
    int processing_left = 0;
  };
  struct Injection {
    int count = 0;
    core::Error error{core::ErrorCode::kUnavailable, ""};
    bool after_effect = false;
  };

  // All require mu_.
  void Record(Method method, std::string url, std::vector<std::string> names = {});
  std::optional<Injection> TakeInjection(Method method);
  acme::Authorization AuthzView(const AuthzRec& a) const;
  acme::Challenge ChallengeView(const AuthzRec& a) const;
  void RefreshOrder(OrderRec& order);
  acme::Order OrderView(const OrderRec& order) const;
  /// Validates the CSR against the order and issues a leaf; the chain goes to chains_.
  core::Status Issue(OrderRec& order, const std::string& csr_der);

  const core::Clock* clock_;
  std::unique_ptr<Ca> ca_;

  mutable std::mutex mu_;
  std::map<std::string, NameBehavior> behaviors_;         // guarded by mu_
  std::map<Method, Injection> injections_;                // guarded by mu_
  std::map<std::string, OrderRec> orders_;                // by URL; guarded by mu_
  std::map<std::string, AuthzRec> authzs_;                // by URL; guarded by mu_
  std::map<std::string, std::string> challenge_authz_;    // challenge URL -> authz URL
  std::map<std::string, std::string> chains_;             // certificate URL -> PEM chain
  std::vector<std::string> issued_;                       // guarded by mu_
  std::vector<std::string> revoked_;                      // guarded by mu_
  std::vector<Call> calls_;                               // guarded by mu_
  std::string last_order_url_;                            // guarded by mu_
  int processing_polls_ = 0;                              // guarded by mu_
  std::map<Method, std::function<void()>> hooks_;         // guarded by mu_
  void RunHook(Method method);
  core::Duration validity_{std::chrono::hours(24 * 90)};  // guarded by mu_
  bool leaf_for_another_key_ = false;                     // guarded by mu_
  int next_id_ = 1;                                       // guarded by mu_
  int next_serial_ = 0x1000;                              // guarded by mu_
  std::optional<acme::RenewalInfo> renewal_info_;         // guarded by mu_
  std::vector<std::string> replaces_;                     // guarded by mu_
};

std::string_view ToString(FakeAcmeClient::Method method);

}  // namespace certadns::test
