// The store's records: the rows the store interfaces (account_store.h, zone_store.h,
// certificate_store.h, job_queue.h, acme_account_store.h) read and write. Plain values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"

namespace certadns::store {

struct User {
  std::string id;  // "user_..."
  std::string email;
  std::string plan;  // free, plus, pro, elite
  std::string password_hash;  // Argon2id (libsodium crypto_pwhash_str); "" = no password login
  core::TimePoint created_at;
};

struct Zone {
  std::string id;  // "zone_..."
  std::string owner_id;
  std::string name;  // "example.com", no trailing dot
  bool verified = false;
  core::TimePoint created_at;
  std::string verification_token;  // the value of the _certadns-verify TXT record
  std::optional<core::TimePoint> checked_at;  // control last proven (verified zones)
};

/// An API key: only its SHA-256 is stored; `prefix` (the first characters of the key) lets
/// the owner tell keys apart.
struct ApiKey {
  std::string id;  // "key_..."
  std::string user_id;
  std::string key_hash;  // hex SHA-256 of the whole key
  std::string prefix;
  core::TimePoint created_at;
  std::optional<core::TimePoint> revoked_at;
  /// When the key last authenticated a request, to within kApiKeyUseResolution.
  std::optional<core::TimePoint> last_used_at;
};

/// last_used_at is written at most this often per key, so API calls stay reads.
inline constexpr core::Duration kApiKeyUseResolution = std::chrono::minutes(1);

/// An unrevoked API key and its owner.
struct ApiKeyOwner {
  User user;
  ApiKey key;
};

/// A dashboard session: only the SHA-256 of the cookie's token is stored.
struct Session {
  std::string token_hash;  // hex SHA-256 of the cookie value
  std::string user_id;
  std::string csrf_token;  // echoed by the dashboard in X-CSRF-Token on state changes
  core::TimePoint created_at;
  core::TimePoint expires_at;
};

/// kSweep is the one recurring job (certificate_id kSweepJobId) that marks expired
/// certificates and starts automatic renewals.
enum class JobKind { kIssue, kRenew, kSweep };
inline constexpr std::string_view kSweepJobId = "sweep";
std::string_view ToString(JobKind kind);
std::optional<JobKind> ParseJobKind(std::string_view text);

/// One certificate operation in progress: the engine's durable state machine row.
struct Job {
  std::string id;  // "job_..."
  std::string certificate_id;
  JobKind kind = JobKind::kIssue;
  std::string step;        // the engine's step name
  int attempt = 0;         // retries of the current step
  core::TimePoint run_at;  // not before
  std::string state;       // the engine's JSON (order, authorizations, challenges)
  std::string sealed_key;  // the new private key (SecretBox-sealed) until it is installed
  core::TimePoint created_at;
};

/// What one engine step changes, written in one transaction.
struct StepCommit {
  Job job;                 // the job's next step, run_at, attempt and state
  bool finished = false;   // delete the job instead of saving it
  /// The engine's columns of the certificate (status, issued_at, expires_at,
  /// next_renewal_at, serial, PEMs, updated_at) are written from it; the user's (auto_renew,
  /// names) never are, so a change the user made while the step ran survives.
  std::optional<core::Certificate> certificate;
  std::optional<std::string> sealed_private_key;  // installs this key on the certificate
  std::vector<core::CertificateEvent> events;      // appended to the certificate's log
  /// The job lets go of its certificate (its cleanup carries on): a new operation on the
  /// certificate may start. The job still reads as the certificate's and logs into it.
  bool detach = false;
  /// The worker keeps the job's lease until then to run its next step at once (the step is
  /// due now); nullopt: the lease is released and the job waits in the queue.
  std::optional<core::TimePoint> keep_lease_until;
  /// After a failed renewal: the next automatic attempt starts no earlier than this.
  std::optional<core::TimePoint> renewal_retry_at;
  /// The certificate got a new validity: a retry time left by a failed attempt is dropped.
  bool clear_renewal_retry = false;
  /// A lifecycle event of the certificate (its renewal, a retry, its expiry) falls due then:
  /// the sweep job's run_at is brought forward to it if it is later.
  std::optional<core::TimePoint> wake_sweep_at;
  /// With set_ari_check, the certificate's next ARI check (RFC 9773 §4.3) becomes
  /// ari_check_at (nullopt: none, the CA offers no ARI) and its failed checks are forgotten.
  bool set_ari_check = false;
  std::optional<core::TimePoint> ari_check_at;
};

/// A certificate whose ARI check is due (JobQueue::ListDueAriChecks), with the number of
/// checks in a row that got no answer from the CA.
struct AriCheckDue {
  core::Certificate certificate;
  int failures = 0;
};

/// The outcome of one ARI check of a certificate (JobQueue::RecordAriCheck).
struct AriCheckResult {
  std::string certificate_id;
  std::string serial;                            // the certificate that was checked
  std::optional<core::TimePoint> next_check_at;  // nullopt: no further check
  int failures = 0;                              // checks in a row without an answer
  std::optional<core::TimePoint> next_renewal_at;  // the new plan, when it moved
  std::optional<core::CertificateEvent> event;     // its line in the certificate's log
};

}  // namespace certadns::store
