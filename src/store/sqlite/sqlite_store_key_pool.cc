// SqliteStore's key pool (store/key_pool_store.h): table key_pool, migration 0008.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

core::Status SqliteStore::AddPooledKey(const PooledKey& key, core::TimePoint created_at) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT INTO key_pool(id, sealed_key, created_at) VALUES (?1, ?2, ?3)");
  s.Bind(1, key.id).BindBlob(2, key.sealed_key).Bind(3, core::ToUnixMillis(created_at));
  return s.Run();
}

core::Result<std::optional<PooledKey>> SqliteStore::TakePooledKey() {
  std::lock_guard lock(mutex_);
  // One statement: the row is read and deleted atomically, also across processes.
  Statement s(db_, "DELETE FROM key_pool WHERE id = (SELECT id FROM key_pool "
                   "ORDER BY created_at, id LIMIT 1) RETURNING id, sealed_key");
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return std::optional<PooledKey>();
  }
  PooledKey key{s.Text(0), s.Blob(1)};
  RETURN_IF_ERROR(s.Run());
  return std::optional<PooledKey>(std::move(key));
}

core::Result<int64_t> SqliteStore::CountPooledKeys() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM key_pool");
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return core::Internal("key_pool: no count");
  }
  return s.Int(0);
}

}  // namespace certadns::store::sqlite
