#include "store/postgres/pg_store.h"

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_listener.h"
#include "store/postgres/pg_pool.h"

namespace certadns::store::postgres {

extern const std::vector<std::string_view> kMigrations;

namespace {

// pg_advisory_lock key of the migrations: any constant the nodes agree on ("CERTADNS").
constexpr int64_t kMigrationLock = 0x4345525441444e53;

constexpr std::string_view kNowMillis = "(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT";

}  // namespace

PgStore::PgStore(std::string conninfo, std::unique_ptr<PgPool> pool)
    : conninfo_(std::move(conninfo)), pool_(std::move(pool)) {}

PgStore::~PgStore() {
  std::lock_guard lock(listener_mutex_);
  listener_.reset();
}

void PgStore::SetWakeHook(std::function<void()> wake) {
  bool listen = static_cast<bool>(wake);
  wake_hook_.Set(std::move(wake));
  std::lock_guard lock(listener_mutex_);
  // Removing the hook joins the listener: once this returns, the old hook is not running.
  if (!listen) listener_.reset();
  if (listen && !listener_) {
    listener_ = std::make_unique<PgListener>(conninfo_, "certadns_jobs",
                                             [this] { wake_hook_.Fire(); });
  }
}

core::Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& url) {
  PgPoolOptions options;
  ASSIGN_OR_RETURN(std::string conninfo, TakePoolOptions(url, options));
  ASSIGN_OR_RETURN(auto pool, PgPool::Open(conninfo, options));
  std::unique_ptr<PgStore> store(new PgStore(conninfo, std::move(pool)));
  RETURN_IF_ERROR(store->Migrate());
  return store;
}

core::Status PgStore::Migrate() {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // Nodes starting together: one migrates, the others wait here and then find nothing to do.
  RETURN_IF_ERROR(conn->Run("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")"));
  auto migrate = [&]() -> core::Status {
    RETURN_IF_ERROR(conn->Run("CREATE TABLE IF NOT EXISTS schema_migrations ("
                              "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
    ASSIGN_OR_RETURN(auto current,
                     conn->Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    auto applied = static_cast<size_t>(current.Int(0, 0));
    if (applied > kMigrations.size()) {
      return core::FailedPrecondition(
          "the database's schema is at version " + std::to_string(applied) +
          ", newer than this certadns knows (" + std::to_string(kMigrations.size()) +
          "): upgrade this node");
    }
    for (size_t i = applied; i < kMigrations.size(); ++i) {
      PgTransaction tx(*conn);
      RETURN_IF_ERROR(tx.status());
      RETURN_IF_ERROR(conn->Run(kMigrations[i]));
      RETURN_IF_ERROR(conn->Exec("INSERT INTO schema_migrations(version, applied_at) "
                                 "VALUES ($1, " + std::string(kNowMillis) + ")",
                                 Params().Int(static_cast<int64_t>(i + 1))));
      RETURN_IF_ERROR(tx.Commit());
    }
    return core::Ok();
  };
  core::Status status = migrate();
  core::Status unlock =
      conn->Run("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
  RETURN_IF_ERROR(status);
  return unlock;
}

core::Result<PgResult> PgStore::Exec(std::string_view sql, const Params& params) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return conn->Exec(sql, params);
}

core::Result<std::optional<std::string>> PgStore::GetMasterKeyFingerprint() {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT fingerprint FROM master_key WHERE id = 1", Params()));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.Text(0, 0));
}

core::Result<std::string> PgStore::RecordMasterKeyFingerprint(const std::string& fingerprint) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  RETURN_IF_ERROR(conn->Exec("INSERT INTO master_key(id, fingerprint, created_at) VALUES "
                             "(1, $1, " + std::string(kNowMillis) + ") ON CONFLICT DO NOTHING",
                             Params().Text(fingerprint)));
  // A statement of its own: it sees a row another node committed meanwhile.
  ASSIGN_OR_RETURN(auto r, conn->Exec("SELECT fingerprint FROM master_key WHERE id = 1"));
  if (r.rows() == 0) return core::Internal("master key fingerprint vanished");
  return r.Text(0, 0);
}

core::Result<bool> PgStore::HoldsSealedData() {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT EXISTS (SELECT 1 FROM acme_accounts) "
                                "OR EXISTS (SELECT 1 FROM certificates) "
                                "OR EXISTS (SELECT 1 FROM jobs WHERE sealed_key IS NOT NULL) "
                                "OR EXISTS (SELECT 1 FROM key_pool) "
                                "OR EXISTS (SELECT 1 FROM webhooks)",
                                Params()));
  return r.Bool(0, 0);
}

core::Result<std::optional<std::string>> PgStore::GetAcmeAccountKey(
    const std::string& directory_url) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT key_sealed FROM acme_accounts WHERE directory_url = $1",
                                Params().Text(directory_url)));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.Bytes(0, 0));
}

core::Result<std::string> PgStore::PutAcmeAccountKey(const std::string& directory_url,
                                                     const std::string& sealed_key) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  RETURN_IF_ERROR(conn->Exec("INSERT INTO acme_accounts(directory_url, key_sealed, created_at) "
                             "VALUES ($1, $2, " + std::string(kNowMillis) +
                                 ") ON CONFLICT DO NOTHING",
                             Params().Text(directory_url).Bytes(sealed_key)));
  ASSIGN_OR_RETURN(auto r, conn->Exec("SELECT key_sealed FROM acme_accounts "
                                      "WHERE directory_url = $1",
                                      Params().Text(directory_url)));
  if (r.rows() == 0) return core::Internal("ACME account key vanished");
  return r.Bytes(0, 0);
}

core::Result<std::vector<SealedValue>> PgStore::ListSealedValues(SealedColumn column,
                                                                const std::string& after_id,
                                                                int limit) {
  const SealedColumnSql c = SqlOf(column);
  ASSIGN_OR_RETURN(auto r, Exec(std::string("SELECT ") + c.id + ", " + c.owner + ", " + c.value +
                                    " FROM " + c.table + " WHERE " + c.value + " IS NOT NULL AND " +
                                    c.id + " > $1 ORDER BY " + c.id + " LIMIT $2",
                                Params().Text(after_id).Int(int64_t{limit})));
  std::vector<SealedValue> values;
  for (int i = 0; i < r.rows(); ++i) values.push_back({r.Text(i, 0), r.Text(i, 1), r.Bytes(i, 2)});
  return values;
}

core::Result<bool> PgStore::ReplaceSealedValue(SealedColumn column, const std::string& id,
                                               const std::string& expected,
                                               const std::string& sealed) {
  const SealedColumnSql c = SqlOf(column);
  ASSIGN_OR_RETURN(auto r, Exec(std::string("UPDATE ") + c.table + " SET " + c.value + " = $3 " +
                                    "WHERE " + c.id + " = $1 AND " + c.value + " = $2",
                                Params().Text(id).Bytes(expected).Bytes(sealed)));
  return r.affected() == 1;
}

core::Status PgStore::ReplaceMasterKeyFingerprint(const std::string& expected,
                                                  const std::string& fingerprint) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE master_key SET fingerprint = $2 "
                                "WHERE id = 1 AND fingerprint = $1",
                                Params().Text(expected).Text(fingerprint)));
  if (r.affected() != 1) {
    return core::FailedPrecondition("the database does not record master key " +
                                    expected.substr(0, 16));
  }
  return core::Ok();
}

}  // namespace certadns::store::postgres
