// Store: the durable state of the service behind one interface, with SQLite (embedded
// default) and PostgreSQL adapters. Tenant data is always read with its owner; the only
// reads by id alone are the worker's (ClaimJob and the *ForWorker methods). Every method is
// atomic; implementations are thread-safe and safe to share between processes (jobs are
// claimed with leases, so several certadns nodes behave like several threads).
#pragma once

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
  std::string password_hash;
  core::TimePoint created_at;
};

struct Zone {
  std::string id;  // "zone_..."
  std::string owner_id;
  std::string name;  // "example.com", no trailing dot
  bool verified = false;
  core::TimePoint created_at;
};

enum class JobKind { kIssue, kRenew, kRevoke };
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
  std::optional<core::Certificate> certificate;  // replaces the certificate's row
  std::optional<std::string> sealed_private_key;  // installs this key on the certificate
  std::vector<core::CertificateEvent> events;      // appended to the certificate's log
};

class Store {
 public:
  virtual ~Store() = default;

  // Users and zones.
  /// kAlreadyExists when the email is taken.
  virtual core::Status CreateUser(const User& user) = 0;
  virtual core::Result<User> GetUserByEmail(const std::string& email) = 0;
  /// kAlreadyExists when the zone name is taken (by anyone).
  virtual core::Status CreateZone(const Zone& zone) = 0;
  virtual core::Result<Zone> GetZone(const std::string& owner_id, const std::string& id) = 0;
  virtual core::Result<std::vector<Zone>> ListZones(const std::string& owner_id) = 0;

  // Certificates.
  /// Inserts the certificate and its first job together.
  virtual core::Status CreateCertificate(const core::Certificate& certificate,
                                         const Job& job) = 0;
  /// kNotFound when missing or not `owner_id`'s.
  virtual core::Result<core::Certificate> GetCertificate(const std::string& owner_id,
                                                         const std::string& id) = 0;
  virtual core::Result<core::Certificate> GetCertificateForWorker(const std::string& id) = 0;
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
  /// The workers holding a live lease at `now`.
  virtual core::Result<std::vector<std::string>> ListLeaseOwners(core::TimePoint now) = 0;
  /// Ends every lease `worker_id` holds, for a worker known to be dead: its jobs are
  /// claimable at once instead of when the lease would have expired.
  virtual core::Status ReleaseLeases(const std::string& worker_id) = 0;
  /// The earliest run_at of any job, for the workers' wake-up.
  virtual core::Result<std::optional<core::TimePoint>> NextJobDue() = 0;
  virtual core::Result<std::vector<Job>> ListJobs(const std::string& certificate_id) = 0;

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
