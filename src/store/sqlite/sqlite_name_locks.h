// SqliteNameLocks: core::NameLocks for the nodes that share one SQLite database, on a lock
// file beside it (`<database>-namelocks`). A name's lock is a one-byte open-file-description
// lock (fcntl F_OFD_SETLK) at an offset hashed from the name (FNV-1a, stable across builds),
// taken on a descriptor of its own: held exclusively against every other holder, in this
// process or another one that opens the same file, and released by the kernel when the
// holder closes it or its process dies. A rare hash collision only serialises two names.
// Waiting polls (non-blocking attempts, then short sleeps) up to `wait`. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/name_locks.h"

namespace certadns::store::sqlite {

class SqliteNameLocks final : public core::NameLocks {
 public:
  /// Locks in the file `database_path` + "-namelocks" (created 0600 when missing).
  explicit SqliteNameLocks(std::string database_path,
                           std::chrono::milliseconds wait = std::chrono::seconds(10));

  core::Result<std::unique_ptr<core::NameLock>> Lock(std::string_view name) override;

  /// The byte `name` locks (exposed for tests).
  static uint64_t OffsetOf(std::string_view name);

 private:
  std::string path_;
  std::chrono::milliseconds wait_;
};

}  // namespace certadns::store::sqlite
