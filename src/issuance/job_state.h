// JobState: what the engine remembers between the steps of one certificate operation (the
// ACME order, its authorizations and our challenge records), persisted as the job row's JSON
// so a restarted process resumes exactly where the last one stopped. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace certadns::issuance {

/// One authorization of the order and the DNS-01 record that answers it.
struct AuthorizationState {
  std::string url;
  std::string identifier;     // "example.com" (for "*.example.com": wildcard = true)
  bool wildcard = false;
  std::string status;         // last seen: pending, valid, invalid...
  std::string challenge_url;  // dns-01 challenge
  std::string fqdn;           // "_acme-challenge.example.com"
  std::string value;          // TXT value
  bool presented = false;     // our TXT value may be in DNS (cleanup must remove it)
  bool responded = false;     // we told the CA to validate
};

struct JobState {
  std::string zone;  // where the records go; kept so cleanup works after the row is gone
  std::string order_url;
  std::string finalize_url;
  std::string certificate_url;
  std::vector<AuthorizationState> authorizations;
  int64_t deadline_ms = 0;  // end of the current wait's budget (Unix ms); 0 = none
  int64_t delay_ms = 0;     // current backoff delay
  int64_t retry_since_ms = 0;  // first failure of the current step (Unix ms); 0 = none
  bool failed = false;      // the operation failed; cleanup finishes the job
  int cleanup_attempts = 0;
  int reorders = 0;  // new orders placed after the CA could not validate (bounded)
  bool automatic = false;  // a renewal the sweep started (ARI may move it later)
  /// The renewal is inside the CA's ARI window (RFC 9773): at or after its start. Let's
  /// Encrypt exempts such renewals from its rate limits. Set by the order step.
  bool inside_ari_window = false;
  // The certificate key's public key (DER SubjectPublicKeyInfo, base64url), noted when the
  // CSR is made: the downloaded certificate is checked against it without decoding the
  // private key again. Empty in jobs saved before it existed.
  std::string key_spki;

  std::string ToJson() const;
  static core::Result<JobState> FromJson(const std::string& json);
};

/// Whether the renewal `job` performs is inside the CA's ARI window (JobState's flag; false
/// for other jobs, before the order step has asked the CA, and for an unreadable state).
bool InsideAriWindow(const store::Job& job);

}  // namespace certadns::issuance
