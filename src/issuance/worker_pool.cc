#include "issuance/worker_pool.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace certadns::issuance {

WorkerPool::WorkerPool(store::JobQueue& store, Engine& engine, const core::Clock& clock,
                       WorkerPoolConfig config)
    : store_(store), engine_(engine), clock_(clock), config_(std::move(config)) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() {
  for (int i = 0; i < config_.threads; ++i) {
    std::string id = config_.node_id + "/w" + std::to_string(i);
    threads_.emplace_back([this, id] { Run(id); });
  }
  heartbeat_ = std::thread([this] { RunHeartbeat(); });
}

void WorkerPool::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  // The heartbeat stops last: a step still finishing during shutdown keeps its lease.
  {
    std::lock_guard lock(mutex_);
    heartbeat_stopping_ = true;
  }
  heartbeat_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void WorkerPool::Heartbeat() {
  std::map<std::string, std::string> running;
  {
    std::lock_guard lock(mutex_);
    running = running_;
  }
  for (const auto& [worker_id, job_id] : running) {
    auto status = store_.ExtendLease(worker_id, job_id, clock_.Now() + config_.lease);
    if (!status.ok()) {
      spdlog::warn("{}: cannot extend the lease on job {}: {}", worker_id, job_id,
                   status.error().message());
    }
  }
}

void WorkerPool::RunHeartbeat() {
  const auto period = std::max<core::Duration>(config_.lease / 3, core::Duration(10));
  std::unique_lock lock(mutex_);
  while (!heartbeat_stopping_) {
    heartbeat_cv_.wait_for(lock, period, [this] { return heartbeat_stopping_; });
    if (heartbeat_stopping_) return;
    lock.unlock();
    Heartbeat();
    lock.lock();
  }
}

void WorkerPool::Wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakeups_;
  }
  cv_.notify_one();
}

bool WorkerPool::RunOne(const std::string& worker_id) {
  auto claimed = store_.ClaimJob(worker_id, clock_.Now(), config_.lease);
  if (!claimed.ok()) {
    spdlog::error("{}: cannot claim a job: {}", worker_id, claimed.error().message());
    return false;
  }
  if (!claimed->has_value()) return false;
  store::Job job = std::move(**claimed);
  {
    std::lock_guard lock(mutex_);
    running_[worker_id] = job.id;
  }
  // The job's steps run back to back while the next one is due at once (most are: only a
  // wait for DNS or the CA puts one later), under the lease the claim took: no trip through
  // the queue between them. Bounded, so a job cannot hold its worker for ever.
  for (int steps = 1;; ++steps) {
    const auto started = std::chrono::steady_clock::now();
    store::StepCommit commit = engine_.RunStep(job);
    const auto ran = std::chrono::steady_clock::now();
    const bool go_on = !commit.finished && !commit.detach && steps < kMaxStepsPerClaim &&
                       commit.job.kind != store::JobKind::kSweep &&
                       commit.job.run_at <= clock_.Now() && !Stopping();
    if (go_on) commit.keep_lease_until = clock_.Now() + config_.lease;
    auto status = CommitWhileLocked(worker_id, commit);
    if (spdlog::should_log(spdlog::level::debug)) {
      using Ms = std::chrono::duration<double, std::milli>;
      spdlog::debug("{}: job {} step {} ran {:.1f} ms, saved in {:.1f} ms; next {}", worker_id,
                    job.id, job.step, Ms(ran - started).count(),
                    Ms(std::chrono::steady_clock::now() - ran).count(),
                    commit.finished ? std::string("none") : commit.job.step);
    }
    if (!status.ok()) {
      spdlog::error("{}: job {} step {} not saved: {}", worker_id, job.id, job.step,
                    status.error().message());
      break;
    }
    if (!go_on) break;
    job = std::move(commit.job);
  }
  {
    std::lock_guard lock(mutex_);
    running_.erase(worker_id);
  }
  // This account's running count went down: a job of it held back at its cap may start.
  Wake();
  return true;
}

bool WorkerPool::Stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

core::Status WorkerPool::CommitWhileLocked(const std::string& worker_id,
                                           const store::StepCommit& commit) {
  // A commit that meets a locked database (kUnavailable, after the store's own busy wait)
  // is tried again rather than dropped: the step's work (an order placed at the CA, a
  // record published) would otherwise be lost and redone only once the lease expired. The
  // job stays in running_ meanwhile, so the heartbeat keeps its lease; bounded by the lease
  // in real time, and by Stop() (a restart then releases the job).
  const auto deadline = std::chrono::steady_clock::now() + config_.lease;
  auto status = store_.CommitStep(worker_id, commit);
  while (!status.ok() && status.error().code() == core::ErrorCode::kUnavailable &&
         std::chrono::steady_clock::now() < deadline) {
    spdlog::warn("{}: job {} not saved yet, trying again: {}", worker_id, commit.job.id,
                 status.error().message());
    {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; })) {
        break;
      }
    }
    status = store_.CommitStep(worker_id, commit);
  }
  return status;
}

void WorkerPool::Run(const std::string& worker_id) {
  while (true) {
    uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = wakeups_;
    }
    const core::TimePoint tried = clock_.Now();
    if (RunOne(worker_id)) continue;

    auto deadline = clock_.Now() + config_.idle_wakeup;
    // A job that was due when the claim found nothing is held back by fair claiming (its
    // account holds its cap of running jobs): retrying at once would spin. The commit that
    // frees a slot wakes a worker (RunOne). One that fell due since is claimed at once.
    if (auto next = store_.NextJobDue(); next.ok() && next->has_value() && **next > tried) {
      deadline = std::min(deadline, **next);
    }
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace certadns::issuance
