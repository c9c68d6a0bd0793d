// JobQueue: the engine's durable jobs and everything that schedules them: enqueueing,
// claiming with leases (several threads or certadns nodes share one queue), the lease
// heartbeat, wake-ups, and the sweep's queries (expiry and automatic renewal). ClaimJob,
// ListJobs and the sweep's queries are the worker's reads by id alone. Every method is
// atomic; implementations are thread-safe and safe to share between processes.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/records.h"

namespace certadns::store {

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  virtual core::Status EnqueueJob(const Job& job) = 0;
  /// Sets the status of the certificate and inserts `job` in one transaction;
  /// kAlreadyExists (nothing written) when the certificate has a job already.
  virtual core::Status StartJob(const Job& job, core::CertificateState status,
                                core::TimePoint now) = 0;
  /// Leases a due job (run_at <= now, no live lease) to `worker_id` until now + lease:
  /// the most overdue one, or, on a backend that claims fairly (SQLite, PostgreSQL), the
  /// most overdue job of the account served least recently, so one account's burst delays
  /// another's single job by about one claim; such a backend also caps the jobs one account
  /// runs at once (issuance.max_workers_per_account). nullopt when none is due.
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

  /// Sets the hook that wakes this process's waiting workers (WorkerPool::Wake) when jobs
  /// may have become due sooner than NextJobDue() said, through writes this process did not
  /// make: a backend that hears other nodes (PostgreSQL: LISTEN/NOTIFY) calls it when
  /// another node enqueues, releases or reschedules a job. Backends that hear no one else
  /// (SQLite, in-memory) may call it for their own enqueues only; the workers' bounded idle
  /// wait (WorkerPoolConfig::idle_wakeup) is the fallback for what no hook reports. A hint:
  /// it may be called spuriously, and the worker reads the queue again. Called from any
  /// thread, never with the queue's locks held; it must not block. Replaces the previous
  /// hook; an empty function removes it.
  virtual void SetWakeHook(std::function<void()> wake) = 0;

  // The sweep.
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
  /// The earliest moment after `now` when a certificate expires, becomes due for automatic
  /// renewal (or its retry), or its ARI check falls due; nullopt when none will.
  virtual core::Result<std::optional<core::TimePoint>> NextLifecycleEvent(
      core::TimePoint now) = 0;

  // ARI polling (RFC 9773 §4.3). A certificate's next check is set by a step's commit
  // (StepCommit::set_ari_check) and by RecordAriCheck; certificates issued before this
  // existed are due at once.
  /// Certificates whose ARI check is due at `now`: issued, auto_renew, the check at or
  /// before now, the planned renewal after now (a renewal already due asks the CA at its
  /// order step), no job; the earliest check first, at most `limit`.
  virtual core::Result<std::vector<AriCheckDue>> ListDueAriChecks(core::TimePoint now,
                                                                  int limit) = 0;
  /// Applies `check` in one transaction: the next check and failure count, and, when given,
  /// next_renewal_at and the log line. false (nothing written) when the certificate has
  /// changed since: another serial, no longer issued, or it has a job (a renewal started).
  virtual core::Result<bool> RecordAriCheck(const AriCheckResult& check) = 0;
};

/// A JobQueue's wake hook, for backends to hold: Set and Fire from any thread. A call in
/// progress finishes before Set returns, so once Set({}) returns the old hook is never
/// called again (its owner may go away). The hook must not call Set.
class WakeHook {
 public:
  void Set(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
  }
  void Fire() {
    std::lock_guard lock(mutex_);
    if (wake_) wake_();
  }

 private:
  std::mutex mutex_;
  std::function<void()> wake_;  // guarded by mutex_
};

}  // namespace certadns::store
