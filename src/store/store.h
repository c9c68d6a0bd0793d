// Store: the durable state of the service behind one interface, with SQLite (embedded
// default) and PostgreSQL adapters. Tenant data is always read with its owner; the only
// reads by id alone are the worker's (ClaimJob and the *ForWorker methods). Every method is
// atomic; implementations are thread-safe and safe to share between processes (jobs are
// claimed with leases, so several certadns nodes behave like several threads).
#pragma once

#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"

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
};

class Store {
 public:
  virtual ~Store() = default;

  // Users, credentials and sessions.
  /// kAlreadyExists when the email is taken.
  virtual core::Status CreateUser(const User& user) = 0;
  virtual core::Result<User> GetUserByEmail(const std::string& email) = 0;
  virtual core::Result<User> GetUser(const std::string& id) = 0;
  /// kNotFound when no user has `email`.
  virtual core::Status SetUserPlan(const std::string& email, const std::string& plan) = 0;
  virtual core::Status SetUserPassword(const std::string& email,
                                       const std::string& password_hash) = 0;
  /// Sets the password hash of user `user_id` and ends every session of that user except
  /// `keep_session_hash`, in one transaction; kNotFound when there is no such user.
  virtual core::Status ChangePassword(const std::string& user_id, const std::string& password_hash,
                                      const std::string& keep_session_hash) = 0;
  /// Inserts the key unless its owner already has `max_active` unrevoked keys
  /// (kResourceExhausted, nothing written), checked in the same transaction.
  virtual core::Status CreateApiKey(const ApiKey& key,
                                    int max_active = std::numeric_limits<int>::max()) = 0;
  /// The unrevoked key whose hash is `key_hash`, with its owner; kNotFound otherwise.
  virtual core::Result<ApiKeyOwner> FindApiKeyOwner(const std::string& key_hash) = 0;
  /// Records a use of key `id` at `now`, unless one at or after now - kApiKeyUseResolution
  /// is recorded already. Best effort: it does not wait for a lock another process holds
  /// (kUnavailable then, nothing written).
  virtual core::Status TouchApiKey(const std::string& id, core::TimePoint now) = 0;
  virtual core::Result<std::vector<ApiKey>> ListApiKeys(const std::string& user_id) = 0;
  /// Revokes `user_id`'s key whose id or prefix is `id_or_prefix`; kNotFound otherwise.
  virtual core::Status RevokeApiKey(const std::string& user_id, const std::string& id_or_prefix,
                                    core::TimePoint now) = 0;
  virtual core::Status CreateSession(const Session& session) = 0;
  /// The unexpired session with `token_hash` at `now`; kNotFound otherwise.
  virtual core::Result<Session> FindSession(const std::string& token_hash,
                                            core::TimePoint now) = 0;
  virtual core::Status DeleteSession(const std::string& token_hash) = 0;

  // Zones. Several accounts may hold a pending (unverified) import of one name; at most one
  // zone per name is verified: the one whose account proved control of it.
  /// kAlreadyExists when `zone.owner_id` has imported a zone called `zone.name` already
  /// (other accounts' zones of that name do not count).
  virtual core::Status CreateZone(const Zone& zone) = 0;
  virtual core::Result<Zone> GetZone(const std::string& owner_id, const std::string& id) = 0;
  /// The verified zone called `name`, whoever owns it; kNotFound when none is verified.
  virtual core::Result<Zone> FindVerifiedZoneByName(const std::string& name) = 0;
  virtual core::Result<std::vector<Zone>> ListZones(const std::string& owner_id) = 0;
  /// Marks the zone verified, control proven at `now`. kNotFound when missing or not
  /// `owner_id`'s; kAlreadyExists (nothing written) when another zone of that name is
  /// verified.
  virtual core::Status MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                        core::TimePoint now) = 0;
  /// Records that control of the verified zone was proven again at `now`; kNotFound when
  /// missing, not `owner_id`'s or no longer verified.
  virtual core::Status MarkZoneChecked(const std::string& owner_id, const std::string& id,
                                       core::TimePoint now) = 0;
  /// Verified zones whose control was last proven at or before `before`, least recently
  /// proven first, at most `limit`.
  virtual core::Result<std::vector<Zone>> ListZonesToRecheck(core::TimePoint before,
                                                             int limit) = 0;
  /// Marks the zone unverified and appends `event` to the log of each certificate in it,
  /// in one transaction. kNotFound when missing or not `owner_id`'s.
  virtual core::Status UnverifyZone(const std::string& owner_id, const std::string& id,
                                    const core::CertificateEvent& event) = 0;
  /// Deletes `owner_id`'s zone `id` and returns it as it was; kNotFound when missing or not
  /// `owner_id`'s; kFailedPrecondition (nothing written) while any certificate, in any
  /// state, is in the zone. Checked and deleted in one transaction.
  virtual core::Result<Zone> DeleteZone(const std::string& owner_id, const std::string& id) = 0;

  // Certificates.
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
  /// Sets the status of the certificate and inserts `job` in one transaction;
  /// kAlreadyExists (nothing written) when the certificate has a job already.
  virtual core::Status StartJob(const Job& job, core::CertificateState status,
                                core::TimePoint now) = 0;
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

  // Jobs.
  virtual core::Status EnqueueJob(const Job& job) = 0;
  /// Leases the most overdue job (run_at <= now, no live lease) to `worker_id` until
  /// now + lease. nullopt when none is due.
  virtual core::Result<std::optional<Job>> ClaimJob(const std::string& worker_id,
                                                    core::TimePoint now,
                                                    core::Duration lease) = 0;
  /// Applies `commit` if `worker_id` still holds the job's lease, releasing it;
  /// kFailedPrecondition (nothing written) when the lease was lost.
  virtual core::Status CommitStep(const std::string& worker_id, const StepCommit& commit) = 0;
  /// Extends `worker_id`'s lease on job `job_id` to `until` while its step still runs;
  /// kFailedPrecondition when the worker no longer holds it.
  virtual core::Status ExtendLease(const std::string& worker_id, const std::string& job_id,
                                   core::TimePoint until) = 0;
  /// The workers holding a live lease at `now`.
  virtual core::Result<std::vector<std::string>> ListLeaseOwners(core::TimePoint now) = 0;
  /// Ends every lease `worker_id` holds, for a worker known to be dead: its jobs are
  /// claimable at once instead of when the lease would have expired.
  virtual core::Status ReleaseLeases(const std::string& worker_id) = 0;
  /// The earliest run_at of any job, for the workers' wake-up.
  virtual core::Result<std::optional<core::TimePoint>> NextJobDue() = 0;
  virtual core::Result<std::vector<Job>> ListJobs(const std::string& certificate_id) = 0;

  // Renewal and expiry.
  /// Marks `issued` certificates whose expires_at <= now `expired`, each with a log line;
  /// returns how many.
  virtual core::Result<int> ExpireCertificates(core::TimePoint now) = 0;
  /// Certificates due for automatic renewal at `now`: auto_renew, issued, next_renewal_at
  /// <= now, no retry pending after a failed attempt, no job, in a zone that is verified;
  /// most overdue first.
  virtual core::Result<std::vector<core::Certificate>> ListDueRenewals(core::TimePoint now,
                                                                       int limit) = 0;
  /// Inserts the renewal `job` and records that, should it fail, the next automatic
  /// attempt is not before `retry_at`; kAlreadyExists (nothing written) when the
  /// certificate has a job already.
  virtual core::Status StartAutoRenewal(const Job& job, core::TimePoint retry_at) = 0;
  /// The earliest moment after `now` when a certificate expires or becomes due for
  /// automatic renewal (or its retry); nullopt when none will.
  virtual core::Result<std::optional<core::TimePoint>> NextLifecycleEvent(
      core::TimePoint now) = 0;

  // ACME accounts.
  /// The sealed account key for `directory_url`, if one was stored.
  virtual core::Result<std::optional<std::string>> GetAcmeAccountKey(
      const std::string& directory_url) = 0;
  /// Stores the key unless one exists already; returns the one that is stored afterwards
  /// (so racing nodes agree on a single account).
  virtual core::Result<std::string> PutAcmeAccountKey(const std::string& directory_url,
                                                      const std::string& sealed_key) = 0;
};

}  // namespace certadns::store
