// Thin RAII over the sqlite3 C API for this folder only: a connection, prepared statements
// with typed binds and reads, and a transaction that rolls back unless committed.
// Not thread-safe: SqliteStore serialises access to one connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace certadns::store::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::optional<int64_t> value);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  /// Steps once: true when a row is available, false when done. Errors land in status().
  bool Step();
  /// Runs to completion, for statements without rows.
  core::Status Run();
  const core::Status& status() const { return status_; }

  std::string Text(int column) const;
  int64_t Int(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::string Blob(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  core::Status status_;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const core::Status& status() const { return status_; }
  core::Status Commit();

 private:
  sqlite3* db_;
  bool open_ = false;
  core::Status status_;
};

/// How long a statement waits for another connection's (or process's) write lock.
inline constexpr int kBusyTimeoutMs = 5000;

/// Runs `sql` (several statements allowed).
core::Status Exec(sqlite3* db, std::string_view sql);
/// The store's error for a failed sqlite call: foreign-key violations are kNotFound, other
/// constraint violations kAlreadyExists, busy/locked kUnavailable, anything else kInternal.
core::Error SqliteError(sqlite3* db, std::string_view what);

}  // namespace certadns::store::sqlite
