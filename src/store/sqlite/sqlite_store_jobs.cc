// SqliteStore's job queue: claim with a lease, commit a step atomically with the
// certificate changes it makes.
#include <sqlite3.h>

#include <vector>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {
namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

// A detached job (its cleanup) reads as the certificate's job it came from.
constexpr std::string_view kJobColumns =
    "id, COALESCE(detached_from, certificate_id), kind, step, attempt, run_at, state, sealed_key, created_at";

Job ReadJob(const Statement& s) {
  Job job;
  job.id = s.Text(0);
  job.certificate_id = s.Text(1);
  job.kind = ParseJobKind(s.Text(2)).value_or(JobKind::kIssue);
  job.step = s.Text(3);
  job.attempt = static_cast<int>(s.Int(4));
  job.run_at = FromUnixMillis(s.Int(5));
  job.state = s.Text(6);
  job.sealed_key = s.Blob(7);
  job.created_at = FromUnixMillis(s.Int(8));
  return job;
}

}  // namespace

core::Status SqliteStore::InsertJob(const Job& job) {
  Statement s(db_, "INSERT INTO jobs(id, certificate_id, kind, step, attempt, run_at, state, "
                   "sealed_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.Bind(1, job.id).Bind(2, job.certificate_id).Bind(3, ToString(job.kind)).Bind(4, job.step);
  s.Bind(5, int64_t{job.attempt}).Bind(6, ToUnixMillis(job.run_at)).Bind(7, job.state);
  if (job.sealed_key.empty()) {
    s.BindNull(8);
  } else {
    s.BindBlob(8, job.sealed_key);
  }
  s.Bind(9, ToUnixMillis(job.created_at));
  return s.Run();
}

core::Status SqliteStore::EnqueueJob(const Job& job) {
  std::lock_guard lock(mutex_);
  return InsertJob(job);
}

core::Status SqliteStore::StartJob(const Job& job, core::CertificateState status,
                                   core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  {
    Statement busy(db_, "SELECT 1 FROM jobs WHERE certificate_id = ?1");
    busy.Bind(1, job.certificate_id);
    if (busy.Step()) {
      return core::AlreadyExists("certificate " + job.certificate_id + " has a job already");
    }
    RETURN_IF_ERROR(busy.status());
  }
  Statement s(db_, "UPDATE certificates SET status = ?2, updated_at = ?3 WHERE id = ?1");
  s.Bind(1, job.certificate_id).Bind(2, core::ToString(status)).Bind(3, ToUnixMillis(now));
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("certificate " + job.certificate_id);
  RETURN_IF_ERROR(InsertJob(job));
  return tx.Commit();
}

void SqliteStore::SetMaxRunningJobsPerAccount(int max) {
  std::lock_guard lock(mutex_);
  max_running_per_account_ = max;
}

core::Result<std::optional<Job>> SqliteStore::ClaimJob(const std::string& worker_id,
                                                       core::TimePoint now,
                                                       core::Duration lease) {
  std::lock_guard lock(mutex_);
  const int64_t now_ms = ToUnixMillis(now);
  // Every account with due work, with its running jobs; FairClaims orders them.
  std::vector<ClaimCandidate> candidates;
  {
    Statement s(db_, "SELECT COALESCE(c.owner_id, ''), "
                     "SUM(CASE WHEN j.lease_until >= ?1 THEN 1 ELSE 0 END), "
                     "MIN(CASE WHEN j.run_at <= ?1 AND (j.lease_until IS NULL OR "
                     "j.lease_until < ?1) THEN j.run_at END) AS due "
                     "FROM jobs j LEFT JOIN certificates c "
                     "ON c.id = COALESCE(j.detached_from, j.certificate_id) "
                     "GROUP BY 1 HAVING due IS NOT NULL");
    s.Bind(1, now_ms);
    while (s.Step()) candidates.push_back({s.Text(0), s.Int(1), s.Int(2)});
    RETURN_IF_ERROR(s.status());
  }
  for (const ClaimCandidate& candidate :
       fair_claims_.Order(std::move(candidates), max_running_per_account_)) {
    // One statement, so the pick and the lease are atomic even across processes; another
    // process may have taken the job since the query above, then the next account is tried.
    Statement s(db_, "UPDATE jobs SET lease_owner = ?1, lease_until = ?2 WHERE id = ("
                     "SELECT j.id FROM jobs j LEFT JOIN certificates c "
                     "ON c.id = COALESCE(j.detached_from, j.certificate_id) "
                     "WHERE j.run_at <= ?3 AND (j.lease_until IS NULL OR j.lease_until < ?3) "
                     "AND COALESCE(c.owner_id, '') = ?4 ORDER BY j.run_at LIMIT 1) "
                     "RETURNING " + std::string(kJobColumns));
    s.Bind(1, worker_id).Bind(2, now_ms + lease.count()).Bind(3, now_ms).Bind(4, candidate.owner);
    if (!s.Step()) {
      RETURN_IF_ERROR(s.status());
      continue;
    }
    Job job = ReadJob(s);
    RETURN_IF_ERROR(s.Run());
    fair_claims_.Served(candidate.owner);
    return std::optional<Job>(std::move(job));
  }
  return std::optional<Job>();
}

core::Status SqliteStore::CommitStep(const std::string& worker_id, const StepCommit& commit) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  const Job& job = commit.job;
  if (commit.finished) {
    Statement s(db_, "DELETE FROM jobs WHERE id = ?1 AND lease_owner = ?2");
    RETURN_IF_ERROR(s.Bind(1, job.id).Bind(2, worker_id).Run());
  } else {
    // Detaching frees the certificate for a new job while this one carries on.
    Statement s(db_, "UPDATE jobs SET step = ?3, attempt = ?4, run_at = ?5, state = ?6, "
                     "sealed_key = ?7, "
                     "lease_owner = CASE WHEN ?9 IS NULL THEN NULL ELSE lease_owner END, "
                     "lease_until = ?9, "
                     "detached_from = CASE WHEN ?8 THEN COALESCE(detached_from, certificate_id) "
                     "ELSE detached_from END, "
                     "certificate_id = CASE WHEN ?8 THEN 'cleanup:' || id ELSE certificate_id END "
                     "WHERE id = ?1 AND lease_owner = ?2");
    s.Bind(1, job.id).Bind(2, worker_id).Bind(3, job.step).Bind(4, int64_t{job.attempt});
    s.Bind(8, int64_t{commit.detach ? 1 : 0});
    s.Bind(9, commit.keep_lease_until
                  ? std::optional<int64_t>(ToUnixMillis(*commit.keep_lease_until))
                  : std::nullopt);
    s.Bind(5, ToUnixMillis(job.run_at)).Bind(6, job.state);
    if (job.sealed_key.empty()) {
      s.BindNull(7);
    } else {
      s.BindBlob(7, job.sealed_key);
    }
    RETURN_IF_ERROR(s.Run());
  }
  if (sqlite3_changes(db_) != 1) {
    return core::FailedPrecondition("lease on job " + job.id + " was lost");
  }
  if (commit.certificate) {
    // Only the columns the engine owns: a user's change made while the step ran (the
    // auto-renew toggle) must survive the commit.
    const core::Certificate& c = *commit.certificate;
    Statement s(db_, "UPDATE certificates SET status = ?2, issued_at = ?3, expires_at = ?4, "
                     "next_renewal_at = ?5, serial = ?6, certificate_pem = ?7, chain_pem = ?8, "
                     "updated_at = ?9 WHERE id = ?1");
    s.Bind(1, c.id).Bind(2, core::ToString(c.status));
    s.Bind(3, c.issued_at ? std::optional<int64_t>(ToUnixMillis(*c.issued_at)) : std::nullopt);
    s.Bind(4, c.expires_at ? std::optional<int64_t>(ToUnixMillis(*c.expires_at)) : std::nullopt);
    s.Bind(5, c.next_renewal_at ? std::optional<int64_t>(ToUnixMillis(*c.next_renewal_at))
                                : std::nullopt);
    s.Bind(6, c.serial).Bind(7, c.certificate_pem).Bind(8, c.chain_pem);
    s.Bind(9, ToUnixMillis(c.updated_at));
    RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db_) != 1) return core::NotFound("certificate " + c.id);
  }
  if (commit.sealed_private_key) {
    Statement s(db_, "UPDATE certificates SET private_key_sealed = ?2 WHERE id = ?1");
    RETURN_IF_ERROR(s.Bind(1, job.certificate_id).BindBlob(2, *commit.sealed_private_key).Run());
  }
  if (commit.renewal_retry_at || commit.clear_renewal_retry) {
    Statement s(db_, "UPDATE certificates SET renewal_retry_at = ?2 WHERE id = ?1");
    s.Bind(1, job.certificate_id);
    s.Bind(2, commit.renewal_retry_at
                  ? std::optional<int64_t>(ToUnixMillis(*commit.renewal_retry_at))
                  : std::nullopt);
    RETURN_IF_ERROR(s.Run());
  }
  if (commit.set_ari_check) {
    Statement s(db_, "UPDATE certificates SET ari_check_at = ?2, ari_check_failures = 0 "
                     "WHERE id = ?1");
    s.Bind(1, job.certificate_id);
    s.Bind(2, commit.ari_check_at ? std::optional<int64_t>(ToUnixMillis(*commit.ari_check_at))
                                  : std::nullopt);
    RETURN_IF_ERROR(s.Run());
  }
  if (commit.wake_sweep_at) {
    Statement s(db_, "UPDATE jobs SET run_at = MIN(run_at, ?2) WHERE certificate_id = ?1");
    s.Bind(1, std::string(kSweepJobId)).Bind(2, ToUnixMillis(*commit.wake_sweep_at));
    RETURN_IF_ERROR(s.Run());
  }
  for (const core::CertificateEvent& event : commit.events) {
    RETURN_IF_ERROR(InsertEvent(job.certificate_id, event));
  }
  return tx.Commit();
}

core::Status SqliteStore::ExtendLease(const std::string& worker_id, const std::string& job_id,
                                      core::TimePoint until) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE jobs SET lease_until = MAX(lease_until, ?3) "
                   "WHERE id = ?1 AND lease_owner = ?2");
  RETURN_IF_ERROR(s.Bind(1, job_id).Bind(2, worker_id).Bind(3, ToUnixMillis(until)).Run());
  if (sqlite3_changes(db_) != 1) {
    return core::FailedPrecondition("lease on job " + job_id + " was lost");
  }
  return core::Ok();
}

core::Result<std::vector<std::string>> SqliteStore::ListLeaseOwners(core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT DISTINCT lease_owner FROM jobs WHERE lease_until >= ?1");
  s.Bind(1, ToUnixMillis(now));
  std::vector<std::string> owners;
  while (s.Step()) owners.push_back(s.Text(0));
  RETURN_IF_ERROR(s.status());
  return owners;
}

core::Status SqliteStore::ReleaseLeases(const std::string& worker_id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE jobs SET lease_owner = NULL, lease_until = NULL "
                   "WHERE lease_owner = ?1");
  return s.Bind(1, worker_id).Run();
}

core::Result<std::optional<core::TimePoint>> SqliteStore::NextJobDue() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT MIN(MAX(run_at, COALESCE(lease_until, 0))) FROM jobs");
  if (!s.Step() || s.IsNull(0)) {
    RETURN_IF_ERROR(s.status());
    return std::optional<core::TimePoint>();
  }
  return std::optional<core::TimePoint>(FromUnixMillis(s.Int(0)));
}

core::Result<std::vector<Job>> SqliteStore::ListJobs(const std::string& certificate_id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT " + std::string(kJobColumns) +
                       " FROM jobs WHERE certificate_id = ?1 OR detached_from = ?1 "
                       "ORDER BY created_at");
  s.Bind(1, certificate_id);
  std::vector<Job> jobs;
  while (s.Step()) jobs.push_back(ReadJob(s));
  RETURN_IF_ERROR(s.status());
  return jobs;
}

}  // namespace certadns::store::sqlite
