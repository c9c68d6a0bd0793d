// FairClaims: the order in which a node's ClaimJob serves the accounts with due work, for the
// backends that claim fairly (SQLite, PostgreSQL): the accounts running the fewest jobs
// first (on every node: the backend counts the live leases), then the one this node served
// least recently, then the one with the oldest due job. One account's burst so delays
// another's single job by about one claim, not by the whole burst. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace certadns::store {

/// An account with due work ("" for jobs whose certificate is gone).
struct ClaimCandidate {
  std::string owner;
  int64_t running = 0;  // its jobs holding a live lease
  int64_t due = 0;      // its oldest due job's run_at, ms since the epoch
};

class FairClaims {
 public:
  /// `candidates` in the order to try them, without the accounts at `cap` running jobs
  /// (0: no cap; "" is never capped).
  std::vector<ClaimCandidate> Order(std::vector<ClaimCandidate> candidates, int cap);
  /// Records that a job of `owner` was claimed here.
  void Served(const std::string& owner);

 private:
  std::mutex mutex_;
  uint64_t claims_ = 0;  // guarded by mutex_
  /// Per account: the value of claims_ at its last claim here; guarded by mutex_.
  std::unordered_map<std::string, uint64_t> last_claim_;
};

}  // namespace certadns::store
