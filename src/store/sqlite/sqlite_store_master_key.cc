// SqliteStore's MasterKeyRecord (migration 0007).
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

core::Result<std::optional<std::string>> SqliteStore::GetMasterKeyFingerprint() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT fingerprint FROM master_key WHERE id = 1");
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return std::optional<std::string>();
  }
  return std::optional<std::string>(s.Text(0));
}

core::Result<std::string> SqliteStore::RecordMasterKeyFingerprint(
    const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement insert(db_, "INSERT OR IGNORE INTO master_key(id, fingerprint, created_at) "
                        "VALUES (1, ?1, CAST(strftime('%s','now') AS INTEGER) * 1000)");
  RETURN_IF_ERROR(insert.Bind(1, fingerprint).Run());
  Statement read(db_, "SELECT fingerprint FROM master_key WHERE id = 1");
  if (!read.Step()) {
    RETURN_IF_ERROR(read.status());
    return core::Internal("master key fingerprint vanished");
  }
  std::string recorded = read.Text(0);
  RETURN_IF_ERROR(tx.Commit());
  return recorded;
}

core::Result<bool> SqliteStore::HoldsSealedData() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT EXISTS (SELECT 1 FROM acme_accounts) "
                   "OR EXISTS (SELECT 1 FROM certificates) "
                   "OR EXISTS (SELECT 1 FROM jobs WHERE sealed_key IS NOT NULL) "
                   "OR EXISTS (SELECT 1 FROM key_pool) "
                   "OR EXISTS (SELECT 1 FROM webhooks)");
  bool holds = s.Step() && s.Int(0) != 0;
  RETURN_IF_ERROR(s.status());
  return holds;
}

core::Result<std::vector<SealedValue>> SqliteStore::ListSealedValues(SealedColumn column,
                                                                    const std::string& after_id,
                                                                    int limit) {
  std::lock_guard lock(mutex_);
  const SealedColumnSql c = SqlOf(column);
  Statement s(db_, std::string("SELECT ") + c.id + ", " + c.owner + ", " + c.value + " FROM " +
                       c.table + " WHERE " + c.value + " IS NOT NULL AND " + c.id +
                       " > ?1 ORDER BY " + c.id + " LIMIT ?2");
  s.Bind(1, after_id).Bind(2, int64_t{limit});
  std::vector<SealedValue> values;
  while (s.Step()) values.push_back({s.Text(0), s.Text(1), s.Blob(2)});
  RETURN_IF_ERROR(s.status());
  return values;
}

core::Result<bool> SqliteStore::ReplaceSealedValue(SealedColumn column, const std::string& id,
                                                   const std::string& expected,
                                                   const std::string& sealed) {
  std::lock_guard lock(mutex_);
  const SealedColumnSql c = SqlOf(column);
  Statement s(db_, std::string("UPDATE ") + c.table + " SET " + c.value + " = ?3 WHERE " + c.id +
                       " = ?1 AND " + c.value + " = ?2");
  RETURN_IF_ERROR(s.Bind(1, id).BindBlob(2, expected).BindBlob(3, sealed).Run());
  return sqlite3_changes(db_) == 1;
}

core::Status SqliteStore::ReplaceMasterKeyFingerprint(const std::string& expected,
                                                      const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE master_key SET fingerprint = ?2 WHERE id = 1 AND fingerprint = ?1");
  RETURN_IF_ERROR(s.Bind(1, expected).Bind(2, fingerprint).Run());
  if (sqlite3_changes(db_) != 1) {
    return core::FailedPrecondition("the database does not record master key " +
                                    expected.substr(0, 16));
  }
  return core::Ok();
}

}  // namespace certadns::store::sqlite
