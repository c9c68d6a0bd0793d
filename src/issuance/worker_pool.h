// WorkerPool: threads that claim due jobs from the store and run their steps through the
// Engine. A worker runs steps back to back while they are due (a job's next step that is due
// at once runs under the same lease, each step committed as it ends), and otherwise waits on a
// condition variable until the earliest run_at (or Wake(), which IssuanceService calls on
// every enqueue), so a new request starts at once and a waiting job costs no thread. One
// heartbeat thread extends the leases of the steps running now (every lease / 3), so a
// step slower than the lease (a slow CA) is never run twice. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "issuance/engine.h"
#include "store/job_queue.h"

namespace certadns::issuance {

struct WorkerPoolConfig {
  int threads = 4;
  core::Duration lease{std::chrono::seconds(60)};
  /// Longest idle wait: bounds how late a job enqueued by another process is noticed.
  core::Duration idle_wakeup{std::chrono::seconds(1)};
  std::string node_id = "node";
};

class WorkerPool {
 public:
  /// Steps one claim may run back to back before the job goes back to the queue.
  static constexpr int kMaxStepsPerClaim = 32;

  WorkerPool(store::JobQueue& store, Engine& engine, const core::Clock& clock,
             WorkerPoolConfig config);
  ~WorkerPool();

  void Start();
  /// Stops the workers after their current step; idempotent.
  void Stop();
  /// A job became due now; wakes a waiting worker.
  void Wake();
  /// Runs one pass of the lease heartbeat at once.
  void HeartbeatForTest() { Heartbeat(); }

 private:
  void Run(const std::string& worker_id);
  /// Claims a due job and runs its steps while they are due; false when none was due.
  bool RunOne(const std::string& worker_id);
  bool Stopping();
  /// Commits a step's outcome, trying again while the database is locked (bounded).
  core::Status CommitWhileLocked(const std::string& worker_id, const store::StepCommit& commit);
  /// Extends the lease of every step running now.
  void Heartbeat();
  void RunHeartbeat();

  store::JobQueue& store_;
  Engine& engine_;
  const core::Clock& clock_;
  const WorkerPoolConfig config_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mutex_
  bool heartbeat_stopping_ = false;  // guarded by mutex_; set once the workers are gone
  uint64_t wakeups_ = 0;   // guarded by mutex_
  std::map<std::string, std::string> running_;  // worker id -> job id; guarded by mutex_
  std::condition_variable heartbeat_cv_;
  std::vector<std::thread> threads_;
  std::thread heartbeat_;
};

}  // namespace certadns::issuance
