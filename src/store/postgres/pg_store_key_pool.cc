// PgStore's key pool (store/key_pool_store.h): table key_pool, migration 0010.
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {

core::Status PgStore::AddPooledKey(const PooledKey& key, core::TimePoint created_at) {
  RETURN_IF_ERROR(Exec("INSERT INTO key_pool(id, sealed_key, created_at) VALUES ($1, $2, $3)",
                       Params().Text(key.id).Bytes(key.sealed_key)
                           .Int(core::ToUnixMillis(created_at))));
  return core::Ok();
}

core::Result<std::optional<PooledKey>> PgStore::TakePooledKey() {
  // One statement: the row is read and deleted atomically; nodes taking at once each get a
  // different key (SKIP LOCKED) instead of waiting for one another.
  ASSIGN_OR_RETURN(auto r, Exec("DELETE FROM key_pool WHERE id = (SELECT id FROM key_pool "
                                "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                                "RETURNING id, sealed_key",
                                Params()));
  if (r.rows() == 0) return std::optional<PooledKey>();
  return std::optional<PooledKey>(PooledKey{r.Text(0, 0), r.Bytes(0, 1)});
}

core::Result<int64_t> PgStore::CountPooledKeys() {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT COUNT(*) FROM key_pool", Params()));
  return r.Int(0, 0);
}

}  // namespace certadns::store::postgres
