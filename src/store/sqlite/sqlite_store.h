// SqliteStore: the Store on one SQLite file (WAL mode). Writes, and the reads that must see a
// transaction's own writes, run on one connection serialised by a mutex; the pure reads of the
// request path (certificates, zones, API keys, sessions, ...) run on a small pool of read-only
// connections beside it, in parallel with each other and with the writer (WAL readers see every
// write committed before they start). Several processes may share the file (busy timeout,
// BEGIN IMMEDIATE, leases). Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/audit_log.h"
#include "store/fair_claims.h"
#include "store/key_pool_store.h"
#include "store/notification_store.h"
#include "store/rate_limit_ledger.h"
#include "store/sqlite/sqlite_db.h"
#include "store/stats_reader.h"
#include "store/store.h"

namespace certadns::store::sqlite {

class SqliteStore final : public Store,
                          public KeyPoolStore,
                          public AuditLog,
                          public StatsReader,
                          public NotificationStore,
                          public RateLimitLedger {
 public:
  static constexpr int kDefaultReaders = 4;
  static constexpr int kMaxReaders = 32;

  /// Opens (creating when missing) the database at `path` and applies pending migrations.
  /// `readers` (clamped to 1..kMaxReaders): the read-only connections for pure reads, e.g. one
  /// per thread serving requests. `path` may be ":memory:" for tests: then, as for "file:"
  /// URIs and databases that are not in WAL mode, every read runs on the one connection.
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                         int readers = kDefaultReaders);
  ~SqliteStore() override;

  // Users, API keys and sessions (sqlite_store_accounts.cc).
  core::Status CreateUser(const User& user) override;
  core::Result<User> GetUserByEmail(const std::string& email) override;
  core::Result<User> GetUser(const std::string& id) override;
  core::Status SetUserPlan(const std::string& email, const std::string& plan) override;
  core::Status SetUserPassword(const std::string& email,
                               const std::string& password_hash) override;
  core::Status ChangePassword(const std::string& user_id, const std::string& password_hash,
                              const std::string& keep_session_hash) override;
  core::Status CreateApiKey(const ApiKey& key,
                            int max_active = std::numeric_limits<int>::max()) override;
  core::Result<ApiKeyOwner> FindApiKeyOwner(const std::string& key_hash) override;
  core::Status TouchApiKey(const std::string& id, core::TimePoint now) override;
  core::Result<std::vector<ApiKey>> ListApiKeys(const std::string& user_id) override;
  core::Status RevokeApiKey(const std::string& user_id, const std::string& id_or_prefix,
                            core::TimePoint now) override;
  core::Status CreateSession(const Session& session) override;
  core::Result<Session> FindSession(const std::string& token_hash, core::TimePoint now) override;
  core::Status DeleteSession(const std::string& token_hash) override;

  core::Status CreateZone(const Zone& zone) override;
  core::Result<Zone> GetZone(const std::string& owner_id, const std::string& id) override;
  core::Result<Zone> FindVerifiedZoneByName(const std::string& name) override;
  core::Result<std::vector<Zone>> ListZones(const std::string& owner_id) override;
  core::Status MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                core::TimePoint now) override;
  core::Status MarkZoneChecked(const std::string& owner_id, const std::string& id,
                               core::TimePoint now) override;
  core::Result<std::vector<Zone>> ListZonesToRecheck(core::TimePoint before, int limit) override;
  core::Status UnverifyZone(const std::string& owner_id, const std::string& id,
                            const core::CertificateEvent& event) override;
  core::Result<Zone> DeleteZone(const std::string& owner_id, const std::string& id) override;

  core::Status CreateCertificate(const core::Certificate& certificate, const Job& job,
                                 int max_certificates = std::numeric_limits<int>::max()) override;
  core::Result<int> CountCertificates(const std::string& owner_id) override;
  core::Status SetAutoRenew(const std::string& owner_id, const std::string& id, bool enabled,
                            std::optional<core::TimePoint> next_renewal_at) override;
  core::Status StartJob(const Job& job, core::CertificateState status,
                        core::TimePoint now) override;
  core::Status DeleteCertificate(const std::string& owner_id, const std::string& id) override;
  core::Result<core::Certificate> GetCertificate(const std::string& owner_id,
                                                 const std::string& id) override;
  core::Result<core::Certificate> GetCertificateForWorker(const std::string& id) override;
  core::Result<std::vector<core::Certificate>> ListCertificates(
      const std::string& owner_id) override;
  core::Result<std::string> GetSealedPrivateKey(const std::string& owner_id,
                                                const std::string& id) override;
  core::Result<std::vector<core::CertificateEvent>> ListEvents(
      const std::string& owner_id, const std::string& certificate_id) override;
  core::Status AppendEvent(const std::string& certificate_id,
                           const core::CertificateEvent& event) override;

  core::Status EnqueueJob(const Job& job) override;
  /// Fair claiming (ClaimJob): an account never holds more than `max` running jobs at once
  /// (0: no cap). Jobs without an account (the sweep, orphaned cleanups) are never capped.
  void SetMaxRunningJobsPerAccount(int max);

  // The issuance key pool (sqlite_store_key_pool.cc).
  core::Status AddPooledKey(const PooledKey& key, core::TimePoint created_at) override;
  core::Result<std::optional<PooledKey>> TakePooledKey() override;
  core::Result<int64_t> CountPooledKeys() override;

  // The audit log (sqlite_store_audit.cc).
  core::Status AppendAudit(const AuditEntry& entry) override;
  core::Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;

  // Counts for /metrics (sqlite_store_stats.cc).
  core::Result<ServiceStats> ReadServiceStats(core::TimePoint now,
                                              core::Duration overdue_after) override;
  core::Result<std::vector<CertificateExpiry>> ListCertificateExpiries(int limit) override;

  core::Result<std::optional<Job>> ClaimJob(const std::string& worker_id, core::TimePoint now,
                                            core::Duration lease) override;
  core::Status CommitStep(const std::string& worker_id, const StepCommit& commit) override;
  core::Status ExtendLease(const std::string& worker_id, const std::string& job_id,
                           core::TimePoint until) override;
  core::Result<std::vector<std::string>> ListLeaseOwners(core::TimePoint now) override;
  core::Status ReleaseLeases(const std::string& worker_id) override;
  core::Result<std::optional<core::TimePoint>> NextJobDue() override;
  core::Result<std::vector<Job>> ListJobs(const std::string& certificate_id) override;
  /// SQLite hears no other process: the hook is kept but never called (this process's
  /// IssuanceService wakes its own workers; other processes are noticed by polling).
  void SetWakeHook(std::function<void()> wake) override { wake_hook_.Set(std::move(wake)); }

  core::Status SetCertificateStatus(const std::string& owner_id, const std::string& id,
                                    core::CertificateState status,
                                    const core::CertificateEvent& event) override;
  core::Result<int> ExpireCertificates(core::TimePoint now) override;
  core::Result<std::vector<core::Certificate>> ListDueRenewals(core::TimePoint now,
                                                               int limit) override;
  core::Status StartAutoRenewal(const Job& job, core::TimePoint retry_at) override;
  core::Result<std::optional<core::TimePoint>> NextLifecycleEvent(core::TimePoint now) override;
  core::Result<std::vector<AriCheckDue>> ListDueAriChecks(core::TimePoint now,
                                                          int limit) override;
  core::Result<bool> RecordAriCheck(const AriCheckResult& check) override;

  core::Result<std::optional<std::string>> GetAcmeAccountKey(
      const std::string& directory_url) override;
  core::Result<std::string> PutAcmeAccountKey(const std::string& directory_url,
                                              const std::string& sealed_key) override;

  // The master key's fingerprint (sqlite_store_master_key.cc).
  core::Result<std::optional<std::string>> GetMasterKeyFingerprint() override;
  core::Result<std::string> RecordMasterKeyFingerprint(const std::string& fingerprint) override;
  core::Result<bool> HoldsSealedData() override;
  core::Result<std::vector<SealedValue>> ListSealedValues(SealedColumn column,
                                                          const std::string& after_id,
                                                          int limit) override;
  core::Result<bool> ReplaceSealedValue(SealedColumn column, const std::string& id,
                                        const std::string& expected,
                                        const std::string& sealed) override;
  core::Status ReplaceMasterKeyFingerprint(const std::string& expected,
                                           const std::string& fingerprint) override;

  // Webhooks, notification events and deliveries (sqlite_store_notifications.cc).
  core::Status CreateWebhook(const Webhook& webhook, int max_per_owner) override;
  core::Result<std::vector<Webhook>> ListWebhooks(const std::string& owner_id) override;
  core::Result<Webhook> GetWebhook(const std::string& owner_id, const std::string& id) override;
  core::Status DeleteWebhook(const std::string& owner_id, const std::string& id) override;
  core::Result<Webhook> GetWebhookForWorker(const std::string& id) override;
  core::Result<bool> RecordEvent(const NotificationEvent& event, bool email) override;
  core::Status EnqueueDelivery(const Delivery& delivery) override;
  core::Result<std::vector<Delivery>> ClaimDeliveries(core::TimePoint now, int limit,
                                                      core::TimePoint lease_until) override;
  core::Status RecordAttempt(const std::string& delivery_id,
                             const DeliveryAttempt& attempt) override;
  core::Result<std::vector<Delivery>> ListDeliveries(const std::string& owner_id,
                                                     const std::string& webhook_id,
                                                     int limit) override;
  core::Result<int> PruneDeliveries(core::TimePoint before) override;
  core::Result<std::optional<core::TimePoint>> NextDeliveryDue() override;
  core::Result<NotificationSettings> GetNotificationSettings(const std::string& owner_id) override;
  core::Status PutNotificationSettings(const std::string& owner_id,
                                       const NotificationSettings& settings) override;
  core::Result<std::vector<core::Certificate>> ListExpiringUnplanned(core::TimePoint now,
                                                                     core::TimePoint until,
                                                                     int limit) override;

  // The rate limits' ledger (sqlite_store_rate_limits.cc).
  core::Result<LedgerCounts> CountLedger(const LedgerQuery& query) override;
  core::Result<bool> ReserveOrder(const LedgerQuery& query, const LedgerOrder& order,
                                  const std::function<bool(const LedgerCounts&)>& admit) override;
  core::Status RecordOrder(const LedgerOrder& order) override;
  core::Status ReleaseOrder(const std::string& id) override;
  core::Status ForgetOrder(const std::string& id) override;
  core::Status RecordFailedValidation(const std::string& id, const std::string& hostname,
                                      core::TimePoint at) override;
  core::Result<int64_t> PruneLedger(core::TimePoint before) override;

 private:
  core::Result<LedgerCounts> CountLedgerLocked(const LedgerQuery& query);
  core::Result<LedgerWindow> LedgerWindowLocked(std::string_view from_where,
                                                const std::string& key, core::TimePoint since,
                                                int64_t limit);
  /// Inserts `order` and its registered domains; `ignore_existing` makes a repeat a no-op.
  core::Status InsertLedgerOrder(const LedgerOrder& order, bool ignore_existing);
  /// The connection for one pure read, held while the lease lives: an idle read-only one
  /// (waiting while all are leased), or, for a store without them, the writer under mutex_.
  class ReadLease {
   public:
    explicit ReadLease(SqliteStore& store);
    ~ReadLease();
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    Connection& operator*() const { return *connection_; }

   private:
    SqliteStore& store_;
    std::unique_lock<std::mutex> writer_lock_;  // owned only when reading on the writer
    Connection* connection_ = nullptr;
  };

  explicit SqliteStore(sqlite3* db) : db_(db) {}
  core::Status Migrate();
  /// Opens `count` read-only connections on `path` for ReadLease.
  core::Status OpenReaders(const std::string& path, int count);
  // The query helpers run on `db`: the writer (db_, under mutex_) or a ReadLease's reader.
  /// Zones matching `where`, with ?1 = `a`, ?2 = `b` and ?3 = `c` bound when given.
  static core::Result<std::vector<Zone>> QueryZones(Connection& db, const std::string& where,
                                                    const std::string& a, const std::string& b,
                                                    std::optional<int64_t> c = std::nullopt,
                                                    const std::string& order = "name");
  static core::Result<User> QueryUser(Connection& db, const std::string& where,
                                      const std::string& value);
  /// The first column of the first row of `sql` (a COUNT), with ?1 = `a` and ?2 = `b` (when
  /// given) bound.
  static core::Result<int64_t> Count(Connection& db, const std::string& sql, const std::string& a,
                                     const std::string& b = "");
  static core::Result<std::vector<core::Certificate>> QueryCertificates(Connection& db,
                                                                        const std::string& where,
                                                                        const std::string& a,
                                                                        const std::string& b,
                                                                        bool with_pems = true);
  core::Status WriteCertificate(const core::Certificate& c, bool insert);
  core::Status InsertJob(const Job& job);
  core::Status InsertEvent(const std::string& certificate_id, const core::CertificateEvent& e);
  static core::Result<std::vector<Webhook>> QueryWebhooks(Connection& db, const std::string& where,
                                                          const std::string& a,
                                                          const std::string& b);
  core::Status InsertDelivery(const Delivery& d);

  std::mutex mutex_;
  Connection db_;  // guarded by mutex_
  WakeHook wake_hook_;
  int max_running_per_account_ = 0;  // guarded by mutex_
  FairClaims fair_claims_;           // the order ClaimJob serves accounts in
  // Declared after db_, so closed before it: the writer, closing last, checkpoints the WAL.
  std::vector<std::unique_ptr<Connection>> readers_;  // fixed after Open
  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<Connection*> idle_readers_;  // guarded by readers_mutex_
};

}  // namespace certadns::store::sqlite
