#include "store/postgres/pg_db.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

#include "core/errors.h"

namespace certadns::store::postgres {

std::optional<int64_t> OptionalMillis(const std::optional<core::TimePoint>& t) {
  if (!t) return std::nullopt;
  return core::ToUnixMillis(*t);
}

std::optional<core::TimePoint> OptionalTime(std::optional<int64_t> ms) {
  if (!ms) return std::nullopt;
  return core::FromUnixMillis(*ms);
}

Params& Params::Add(std::optional<std::string> value, int format) {
  if (value) {
    storage_.push_back(std::move(*value));
    values_.push_back(storage_.back().data());
    lengths_.push_back(static_cast<int>(storage_.back().size()));
  } else {
    values_.push_back(nullptr);
    lengths_.push_back(0);
  }
  formats_.push_back(format);
  return *this;
}

Params& Params::Text(std::string_view value) { return Add(std::string(value), 0); }
Params& Params::Int(int64_t value) { return Add(std::to_string(value), 0); }
Params& Params::Int(std::optional<int64_t> value) {
  return value ? Int(*value) : Null();
}
Params& Params::Bool(bool value) { return Add(std::string(value ? "t" : "f"), 0); }
Params& Params::Bytes(std::string_view value) { return Add(std::string(value), 1); }
Params& Params::Null() { return Add(std::nullopt, 0); }

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() { PQclear(result_); }
PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgResult::rows() const { return result_ ? PQntuples(result_) : 0; }

int64_t PgResult::affected() const {
  const char* n = result_ ? PQcmdTuples(result_) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column); }

std::string PgResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

std::optional<int64_t> PgResult::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

bool PgResult::Bool(int row, int column) const {
  return PQgetvalue(result_, row, column)[0] == 't';
}

std::string PgResult::Bytes(int row, int column) const {
  if (IsNull(row, column)) return "";
  size_t size = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &size);
  if (bytes == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(bytes), size);
  PQfreemem(bytes);
  return out;
}

core::Error PgError(std::string_view sqlstate, std::string_view message) {
  std::string text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto is = [&](std::string_view prefix) { return sqlstate.substr(0, prefix.size()) == prefix; };
  if (sqlstate == "23505") return core::AlreadyExists(text);
  if (sqlstate == "23503") return core::NotFound(text);
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014" ||
      is("08") || sqlstate == "57P01" || sqlstate == "57P03" || sqlstate == "53300" ||
      sqlstate.empty()) {
    return core::Unavailable(text);
  }
  if (sqlstate == "53100") return core::errors::StorageUnwritable(text);
  return core::Internal(text);
}

namespace {

// The error of `result` (a failed statement), or of the connection when there is none.
core::Error ResultError(pg_conn* conn, pg_result* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  return PgError(state ? state : "", std::string(what) + ": " + (message ? message : ""));
}

bool Succeeded(pg_result* result) {
  if (result == nullptr) return false;
  auto status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

core::Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return core::Unavailable("postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return core::Unavailable("cannot connect to postgresql: " + message);
  }
  // The server's NOTICEs (e.g. "relation ... already exists, skipping") are not errors:
  // libpq would print them to stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

core::Result<PgResult> PgConnection::Exec(std::string_view sql, const Params& params) {
  std::string text(sql);
  auto found = prepared_.find(text);
  if (found == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    pg_result* raw = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    if (!Succeeded(raw)) {
      core::Error error = ResultError(conn_, raw, "prepare");
      PQclear(raw);
      return error;
    }
    PQclear(raw);
    found = prepared_.emplace(std::move(text), std::move(name)).first;
  }
  pg_result* result = PQexecPrepared(conn_, found->second.c_str(), params.size(), params.values(),
                                     params.lengths(), params.formats(), 0);
  if (!Succeeded(result)) {
    core::Error error = ResultError(conn_, result, "query");
    PQclear(result);
    return error;
  }
  return PgResult(result);
}

core::Status PgConnection::Run(std::string_view sql) {
  std::string text(sql);
  pg_result* result = PQexec(conn_, text.c_str());
  if (!Succeeded(result)) {
    core::Error error = ResultError(conn_, result, "exec");
    PQclear(result);
    return error;
  }
  PQclear(result);
  return core::Ok();
}

bool PgConnection::IsHealthy() const { return PQstatus(conn_) == CONNECTION_OK; }

bool PgConnection::InTransaction() const {
  auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

PgTransaction::PgTransaction(PgConnection& conn) : conn_(conn) {
  status_ = conn_.Run("BEGIN");
  open_ = status_.ok();
}

PgTransaction::~PgTransaction() {
  if (open_) (void)conn_.Run("ROLLBACK");
}

core::Status PgTransaction::Commit() {
  if (!open_) return status_.ok() ? core::Internal("transaction not open") : status_;
  open_ = false;
  return conn_.Run("COMMIT");
}

}  // namespace certadns::store::postgres
