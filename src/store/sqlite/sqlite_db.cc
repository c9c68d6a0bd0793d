#include "store/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include "core/errors.h"

namespace certadns::store::sqlite {

core::Error SqliteError(sqlite3* db, std::string_view what) {
  int extended = sqlite3_extended_errcode(db);
  int code = extended & 0xff;
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  // A row that refers to a missing one (an API key for an unknown user) is not a duplicate.
  if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) return core::NotFound(message);
  if (code == SQLITE_CONSTRAINT) return core::AlreadyExists(message);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return core::Unavailable(message);
  // The disk full, a file-size limit (EFBIG) or a failing write: SQLite rolled the
  // transaction back, so nothing is half-written; transient from the caller's side.
  if (code == SQLITE_FULL || extended == SQLITE_IOERR_WRITE || extended == SQLITE_IOERR_FSYNC ||
      extended == SQLITE_IOERR_DIR_FSYNC || extended == SQLITE_IOERR_TRUNCATE ||
      extended == SQLITE_IOERR_SHMSIZE) {
    return core::errors::StorageUnwritable(message);
  }
  return core::Internal(message);
}

core::Status Exec(sqlite3* db, std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  if (sqlite3_exec(db, owned.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    core::Error error = SqliteError(db, "exec");
    sqlite3_free(err);
    return error;
  }
  return core::Ok();
}

Connection::Connection(sqlite3* db, size_t cache_capacity) : db_(db), capacity_(cache_capacity) {}

Connection::~Connection() {
  for (auto& [sql, slot] : cache_) sqlite3_finalize(slot.stmt);
  sqlite3_close(db_);
}

Connection::Slot* Connection::Borrow(std::string_view sql, int* rc) {
  *rc = SQLITE_OK;
  if (auto it = cache_.find(sql); it != cache_.end()) {
    if (it->second.in_use) return nullptr;  // nested use of the same text
    it->second.in_use = true;
    return &it->second;
  }
  if (cache_.size() >= capacity_) return nullptr;
  sqlite3_stmt* stmt = nullptr;
  *rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (*rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  Slot& slot = cache_.emplace(std::string(sql), Slot{stmt, true}).first->second;
  return &slot;
}

void Connection::Return(Slot* slot) {
  sqlite3_reset(slot->stmt);  // its result repeats the last step's error, reported already
  sqlite3_clear_bindings(slot->stmt);
  slot->in_use = false;
}

Statement::Statement(Connection& db, std::string_view sql) : db_(db) {
  int rc = SQLITE_OK;
  slot_ = db.Borrow(sql, &rc);
  if (slot_ != nullptr) {
    stmt_ = slot_->stmt;
  } else if (rc == SQLITE_OK) {
    rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  if (rc != SQLITE_OK) {
    status_ = SqliteError(db_, "prepare");
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement::~Statement() {
  if (slot_ != nullptr) {
    Connection::Return(slot_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (stmt_) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  if (stmt_) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::optional<int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (stmt_) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (stmt_) sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::Step() {
  if (!stmt_ || !status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = SqliteError(db_, "step");
  return false;
}

core::Status Statement::Run() {
  while (Step()) {
  }
  return status_;
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::string Statement::Blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Transaction::Transaction(sqlite3* db) : db_(db) {
  status_ = Exec(db_, "BEGIN IMMEDIATE");
  open_ = status_.ok();
}

Transaction::~Transaction() {
  if (open_) (void)Exec(db_, "ROLLBACK");
}

core::Status Transaction::Commit() {
  if (!open_) return status_.ok() ? core::Internal("transaction not open") : status_;
  RETURN_IF_ERROR(Exec(db_, "COMMIT"));
  open_ = false;
  return core::Ok();
}

}  // namespace certadns::store::sqlite
