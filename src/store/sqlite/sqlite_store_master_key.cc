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

}  // namespace certadns::store::sqlite
