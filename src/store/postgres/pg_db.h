// Thin RAII over libpq for this folder only: a connection whose statements are prepared on
// first use (keyed by their text), typed parameters and results, and a transaction that
// rolls back unless committed. Not thread-safe: one thread uses a connection at a time
// (PgPool hands each out to one caller).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

struct pg_conn;
struct pg_result;

namespace certadns::store::postgres {

/// Times are stored as milliseconds since the Unix epoch (BIGINT), NULL when absent.
std::optional<int64_t> OptionalMillis(const std::optional<core::TimePoint>& t);
std::optional<core::TimePoint> OptionalTime(std::optional<int64_t> ms);

/// Positional parameters ($1, $2, ...) in order: text, or binary for BYTEA.
class Params {
 public:
  Params& Text(std::string_view value);
  Params& Int(int64_t value);
  Params& Int(std::optional<int64_t> value);
  Params& Bool(bool value);
  Params& Bytes(std::string_view value);  // BYTEA, sent as binary
  Params& Null();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& Add(std::optional<std::string> value, int format);
  std::deque<std::string> storage_;  // stable addresses for values_
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// The rows of one statement, read as text.
class PgResult {
 public:
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  /// Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  std::optional<int64_t> OptionalInt(int row, int column) const;
  bool Bool(int row, int column) const;
  /// A BYTEA column ("" when NULL).
  std::string Bytes(int row, int column) const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  /// Connects with a libpq connection string or URI; kUnavailable when it cannot.
  static core::Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs one statement with `params`, prepared on this connection the first time its text
  /// is seen. Errors: see PgError.
  core::Result<PgResult> Exec(std::string_view sql, const Params& params = Params());
  /// Runs `sql` unprepared, several statements allowed (migrations, BEGIN, LISTEN).
  core::Status Run(std::string_view sql);
  /// False once the connection is lost; the pool then drops it.
  bool IsHealthy() const;
  /// True while a transaction is open (or failed and not rolled back).
  bool InTransaction() const;
  pg_conn* raw() { return conn_; }

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

/// BEGIN on construction; ROLLBACK on destruction unless Commit() succeeded.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& conn);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  const core::Status& status() const { return status_; }
  core::Status Commit();

 private:
  PgConnection& conn_;
  bool open_ = false;
  core::Status status_;
};

/// The store's error for a failed statement, by SQLSTATE: unique violations are
/// kAlreadyExists, foreign-key violations kNotFound, serialization failures, deadlocks,
/// lock timeouts, cancelled statements and lost connections kUnavailable, a full disk
/// storage_unwritable, anything else kInternal.
core::Error PgError(std::string_view sqlstate, std::string_view message);

}  // namespace certadns::store::postgres
