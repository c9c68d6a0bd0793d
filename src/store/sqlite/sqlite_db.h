// Thin RAII over the sqlite3 C API for this folder only: a connection that keeps its prepared
// statements, statements with typed binds and reads, and a transaction that rolls back unless
// committed. Not thread-safe: one thread at a time uses a connection (SqliteStore serialises
// its writer with a mutex and hands each read-only connection to one caller at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace certadns::store::sqlite {

/// An open database connection and its statement cache. A Statement of SQL text this
/// connection has prepared before reuses that statement (prepared once, persistent), reset
/// and cleared when the Statement goes. While it is in use, the same text gets a statement of
/// its own for one use (so nested use stays correct), as does any text once the cache holds
/// `cache_capacity` statements. The cached statements are finalized before the close.
class Connection {
 public:
  static constexpr size_t kDefaultCacheCapacity = 256;

  /// Takes ownership of `db` (open, possibly null after a failed open: then closes nothing).
  explicit Connection(sqlite3* db, size_t cache_capacity = kDefaultCacheCapacity);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// The raw handle, for this folder's own sqlite3_* calls (sqlite3_changes, Exec, Transaction).
  operator sqlite3*() const { return db_; }  // NOLINT(google-explicit-constructor)

  /// How many statements the cache holds (for tests).
  size_t cached_statements() const { return cache_.size(); }

 private:
  friend class Statement;
  struct Slot {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  /// The cached statement of `sql`, marked in use; null when it is in use already or the
  /// cache is full (the caller prepares its own) or when preparing failed (`*rc` says why).
  Slot* Borrow(std::string_view sql, int* rc);
  /// Resets `slot`'s statement, clears its bindings and marks it free.
  static void Return(Slot* slot);

  sqlite3* db_;
  size_t capacity_;
  std::unordered_map<std::string, Slot, TextHash, std::equal_to<>> cache_;
};

class Statement {
 public:
  Statement(Connection& db, std::string_view sql);
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
  Connection::Slot* slot_ = nullptr;  // the cache's, or null for a statement of one use
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
