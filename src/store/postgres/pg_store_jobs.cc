// PgStore's job queue: a due job is claimed by one node only (FOR UPDATE SKIP LOCKED) with a
// lease that expires unless renewed; a step commits atomically with the certificate changes
// it makes, and only while its worker still holds the lease.
#include <vector>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {
namespace {

// pg_try_advisory_xact_lock(class, hashtext(owner)): the claims of one account ("CAJB").
constexpr int64_t kClaimLockClass = 0x43414a42;

using core::FromUnixMillis;
using core::ToUnixMillis;

// A detached job (its cleanup) reads as the certificate's job it came from.
constexpr std::string_view kJobColumns =
    "id, COALESCE(detached_from, certificate_id), kind, step, attempt, run_at, state, "
    "sealed_key, created_at";

Job ReadJob(const PgResult& r, int row) {
  Job job;
  job.id = r.Text(row, 0);
  job.certificate_id = r.Text(row, 1);
  job.kind = ParseJobKind(r.Text(row, 2)).value_or(JobKind::kIssue);
  job.step = r.Text(row, 3);
  job.attempt = static_cast<int>(r.Int(row, 4));
  job.run_at = FromUnixMillis(r.Int(row, 5));
  job.state = r.Text(row, 6);
  job.sealed_key = r.Bytes(row, 7);
  job.created_at = FromUnixMillis(r.Int(row, 8));
  return job;
}

Params& SealedKey(Params& params, const std::string& sealed_key) {
  return sealed_key.empty() ? params.Null() : params.Bytes(sealed_key);
}

}  // namespace

core::Status InsertJob(PgConnection& conn, const Job& job) {
  Params params;
  params.Text(job.id).Text(job.certificate_id).Text(ToString(job.kind)).Text(job.step)
      .Int(int64_t{job.attempt}).Int(ToUnixMillis(job.run_at)).Text(job.state);
  SealedKey(params, job.sealed_key).Int(ToUnixMillis(job.created_at));
  RETURN_IF_ERROR(conn.Exec("INSERT INTO jobs(id, certificate_id, kind, step, attempt, run_at, "
                            "state, sealed_key, created_at) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            params));
  return core::Ok();
}

core::Status PgStore::EnqueueJob(const Job& job) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return InsertJob(*conn, job);
}

core::Status PgStore::StartJob(const Job& job, core::CertificateState status,
                               core::TimePoint now) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto busy, conn->Exec("SELECT 1 FROM jobs WHERE certificate_id = $1",
                                         Params().Text(job.certificate_id)));
  if (busy.rows() > 0) {
    return core::AlreadyExists("certificate " + job.certificate_id + " has a job already");
  }
  ASSIGN_OR_RETURN(auto r, conn->Exec("UPDATE certificates SET status = $2, updated_at = $3 "
                                      "WHERE id = $1",
                                      Params().Text(job.certificate_id)
                                          .Text(core::ToString(status)).Int(ToUnixMillis(now))));
  if (r.affected() != 1) return core::NotFound("certificate " + job.certificate_id);
  // Two nodes passing the check above together: jobs_cert answers the second insert with a
  // unique violation, kAlreadyExists, and its status change rolls back.
  RETURN_IF_ERROR(InsertJob(*conn, job));
  return tx.Commit();
}

void PgStore::SetMaxRunningJobsPerAccount(int max) { max_running_per_account_ = max; }

core::Result<std::optional<Job>> PgStore::ClaimJob(const std::string& worker_id,
                                                   core::TimePoint now, core::Duration lease) {
  const int64_t now_ms = ToUnixMillis(now);
  const int cap = max_running_per_account_.load();
  // Every account with due work, with its running jobs on every node (the leases are in
  // the table); FairClaims orders them.
  std::vector<ClaimCandidate> candidates;
  {
    ASSIGN_OR_RETURN(auto r, Exec("SELECT COALESCE(c.owner_id, ''), "
                                  "COUNT(*) FILTER (WHERE j.lease_until >= $1), "
                                  "MIN(j.run_at) FILTER (WHERE j.run_at <= $1 AND "
                                  "(j.lease_until IS NULL OR j.lease_until < $1)) AS due "
                                  "FROM jobs j LEFT JOIN certificates c "
                                  "ON c.id = COALESCE(j.detached_from, j.certificate_id) "
                                  "GROUP BY 1 HAVING MIN(j.run_at) FILTER (WHERE j.run_at <= $1 "
                                  "AND (j.lease_until IS NULL OR j.lease_until < $1)) IS NOT NULL",
                                  Params().Int(now_ms)));
    for (int i = 0; i < r.rows(); ++i) candidates.push_back({r.Text(i, 0), r.Int(i, 1), r.Int(i, 2)});
  }
  for (const ClaimCandidate& candidate : fair_claims_.Order(std::move(candidates), cap)) {
    ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
    PgTransaction tx(*conn);
    RETURN_IF_ERROR(tx.status());
    if (!candidate.owner.empty() && cap > 0) {
      // The cap holds across nodes: one node at a time claims for an account (a node that
      // finds another claiming for it moves on to the next account, as SKIP LOCKED does),
      // and counts its live leases afresh once it holds the lock, so a claim another node
      // committed meanwhile is counted.
      ASSIGN_OR_RETURN(auto locked, conn->Exec("SELECT pg_try_advisory_xact_lock($1::integer, "
                                               "hashtext($2))",
                                               Params().Int(kClaimLockClass).Text(candidate.owner)));
      if (!locked.Bool(0, 0)) continue;
      ASSIGN_OR_RETURN(auto running, conn->Exec("SELECT COUNT(*) FROM jobs j JOIN certificates c "
                                                "ON c.id = COALESCE(j.detached_from, "
                                                "j.certificate_id) "
                                                "WHERE c.owner_id = $1 AND j.lease_until >= $2",
                                                Params().Text(candidate.owner).Int(now_ms)));
      if (running.Int(0, 0) >= cap) continue;
    }
    // SKIP LOCKED: nodes claiming at once each take a different job and never wait on each
    // other; a job whose claim committed first is re-checked (its lease) and passed over.
    ASSIGN_OR_RETURN(auto r, conn->Exec("UPDATE jobs SET lease_owner = $1, lease_until = $2 "
                                        "WHERE id = (SELECT j.id FROM jobs j LEFT JOIN "
                                        "certificates c ON c.id = COALESCE(j.detached_from, "
                                        "j.certificate_id) WHERE j.run_at <= $3 AND "
                                        "(j.lease_until IS NULL OR j.lease_until < $3) AND "
                                        "COALESCE(c.owner_id, '') = $4 ORDER BY j.run_at "
                                        "LIMIT 1 FOR UPDATE OF j SKIP LOCKED) RETURNING " +
                                            std::string(kJobColumns),
                                        Params().Text(worker_id).Int(now_ms + lease.count())
                                            .Int(now_ms).Text(candidate.owner)));
    if (r.rows() == 0) continue;
    RETURN_IF_ERROR(tx.Commit());
    fair_claims_.Served(candidate.owner);
    return std::optional<Job>(ReadJob(r, 0));
  }
  return std::optional<Job>();
}

core::Status PgStore::CommitStep(const std::string& worker_id, const StepCommit& commit) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  const Job& job = commit.job;
  int64_t changed = 0;
  if (commit.finished) {
    ASSIGN_OR_RETURN(auto r, conn->Exec("DELETE FROM jobs WHERE id = $1 AND lease_owner = $2",
                                        Params().Text(job.id).Text(worker_id)));
    changed = r.affected();
  } else {
    // Detaching frees the certificate for a new job while this one carries on.
    Params params;
    params.Text(job.id).Text(worker_id).Text(job.step).Int(int64_t{job.attempt})
        .Int(ToUnixMillis(job.run_at)).Text(job.state);
    SealedKey(params, job.sealed_key).Bool(commit.detach);
    if (commit.keep_lease_until) {
      params.Int(ToUnixMillis(*commit.keep_lease_until));
    } else {
      params.Null();
    }
    ASSIGN_OR_RETURN(auto r, conn->Exec(
        "UPDATE jobs SET step = $3, attempt = $4, run_at = $5, state = $6, sealed_key = $7, "
        "lease_owner = CASE WHEN $9::bigint IS NULL THEN NULL ELSE lease_owner END, "
        "lease_until = $9::bigint, "
        "detached_from = CASE WHEN $8 THEN COALESCE(detached_from, certificate_id) "
        "ELSE detached_from END, "
        "certificate_id = CASE WHEN $8 THEN 'cleanup:' || id ELSE certificate_id END "
        "WHERE id = $1 AND lease_owner = $2",
        params));
    changed = r.affected();
  }
  if (changed != 1) return core::FailedPrecondition("lease on job " + job.id + " was lost");
  if (commit.certificate) {
    // Only the columns the engine owns: a user's change made while the step ran (the
    // auto-renew toggle) must survive the commit.
    const core::Certificate& c = *commit.certificate;
    ASSIGN_OR_RETURN(auto r, conn->Exec(
        "UPDATE certificates SET status = $2, issued_at = $3, expires_at = $4, "
        "next_renewal_at = $5, serial = $6, certificate_pem = $7, chain_pem = $8, "
        "updated_at = $9 WHERE id = $1",
        Params().Text(c.id).Text(core::ToString(c.status)).Int(OptionalMillis(c.issued_at))
            .Int(OptionalMillis(c.expires_at)).Int(OptionalMillis(c.next_renewal_at)).Text(c.serial)
            .Text(c.certificate_pem).Text(c.chain_pem).Int(ToUnixMillis(c.updated_at))));
    if (r.affected() != 1) return core::NotFound("certificate " + c.id);
  }
  if (commit.sealed_private_key) {
    RETURN_IF_ERROR(conn->Exec("UPDATE certificates SET private_key_sealed = $2 WHERE id = $1",
                               Params().Text(job.certificate_id)
                                   .Bytes(*commit.sealed_private_key)));
  }
  if (commit.renewal_retry_at || commit.clear_renewal_retry) {
    RETURN_IF_ERROR(conn->Exec("UPDATE certificates SET renewal_retry_at = $2 WHERE id = $1",
                               Params().Text(job.certificate_id)
                                   .Int(OptionalMillis(commit.renewal_retry_at))));
  }
  if (commit.set_ari_check) {
    RETURN_IF_ERROR(conn->Exec("UPDATE certificates SET ari_check_at = $2, "
                               "ari_check_failures = 0 WHERE id = $1",
                               Params().Text(job.certificate_id)
                                   .Int(OptionalMillis(commit.ari_check_at))));
  }
  if (commit.wake_sweep_at) {
    RETURN_IF_ERROR(conn->Exec("UPDATE jobs SET run_at = LEAST(run_at, $2) "
                               "WHERE certificate_id = $1 AND run_at > $2",
                               Params().Text(std::string(kSweepJobId))
                                   .Int(ToUnixMillis(*commit.wake_sweep_at))));
  }
  for (const core::CertificateEvent& event : commit.events) {
    RETURN_IF_ERROR(InsertEvent(*conn, job.certificate_id, event));
  }
  return tx.Commit();
}

core::Status PgStore::ExtendLease(const std::string& worker_id, const std::string& job_id,
                                  core::TimePoint until) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE jobs SET lease_until = GREATEST(lease_until, $3) "
                                "WHERE id = $1 AND lease_owner = $2",
                                Params().Text(job_id).Text(worker_id).Int(ToUnixMillis(until))));
  if (r.affected() != 1) return core::FailedPrecondition("lease on job " + job_id + " was lost");
  return core::Ok();
}

core::Result<std::vector<std::string>> PgStore::ListLeaseOwners(core::TimePoint now) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT DISTINCT lease_owner FROM jobs WHERE lease_until >= $1",
                                Params().Int(ToUnixMillis(now))));
  std::vector<std::string> owners;
  for (int i = 0; i < r.rows(); ++i) owners.push_back(r.Text(i, 0));
  return owners;
}

core::Status PgStore::ReleaseLeases(const std::string& worker_id) {
  RETURN_IF_ERROR(Exec("UPDATE jobs SET lease_owner = NULL, lease_until = NULL "
                       "WHERE lease_owner = $1",
                       Params().Text(worker_id)));
  return core::Ok();
}

core::Result<std::optional<core::TimePoint>> PgStore::NextJobDue() {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT MIN(GREATEST(run_at, COALESCE(lease_until, 0))) FROM jobs",
                                Params()));
  if (r.IsNull(0, 0)) return std::optional<core::TimePoint>();
  return std::optional<core::TimePoint>(FromUnixMillis(r.Int(0, 0)));
}

core::Result<std::vector<Job>> PgStore::ListJobs(const std::string& certificate_id) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT " + std::string(kJobColumns) +
                                    " FROM jobs WHERE certificate_id = $1 OR detached_from = $1 "
                                    "ORDER BY created_at",
                                Params().Text(certificate_id)));
  std::vector<Job> jobs;
  for (int i = 0; i < r.rows(); ++i) jobs.push_back(ReadJob(r, i));
  return jobs;
}

}  // namespace certadns::store::postgres
