// The backends every store contract suite runs on. Each is one factory in backends.cc; a
// backend that cannot run here (PostgreSQL without CERTADNS_TEST_PG_URL) is still listed,
// and its tests report GTEST_SKIP with the reason instead of passing silently.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace certadns::store::contract {

struct Backend {
  std::string name;
  /// Why the backend does not run here; empty when it runs.
  std::string skip_reason;
  /// Claims serve accounts in turn (JobQueue::ClaimJob's fair claiming); tests of it skip
  /// on the others, saying so.
  bool fair_claims = false;
  /// Sets the cap of running jobs per account (empty where the backend has none).
  std::function<void(Store& store, int max)> set_max_running_per_account;
  /// A new store with no data in it; `dir` is the test's own temporary folder.
  std::function<core::Result<std::unique_ptr<Store>>(const test::TempDir& dir)> open;
};

/// In-memory, SQLite and PostgreSQL (skipped unless CERTADNS_TEST_PG_URL is set).
std::vector<Backend> Backends();

inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

}  // namespace certadns::store::contract
