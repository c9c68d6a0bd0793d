// PgStore: the Store on PostgreSQL (libpq), for several certadns nodes sharing one
// database. A bounded connection pool with statements prepared per connection; migrations
// applied at start under an advisory lock (nodes starting together are safe); jobs claimed
// with FOR UPDATE SKIP LOCKED and leases; plan limits checked under a lock on the account's
// row. Thread-safe, and safe to share between processes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/audit_log.h"
#include "store/fair_claims.h"
#include "store/key_pool_store.h"
#include "store/notification_store.h"
#include "store/rate_limit_ledger.h"
#include "store/stats_reader.h"
#include "store/store.h"

namespace certadns::store::postgres {

class PgListener;
class PgPool;
class PgConnection;
class PgResult;
class Params;

class PgStore final : public Store,
                      public KeyPoolStore,
                      public AuditLog,
                      public StatsReader,
                      public NotificationStore,
                      public RateLimitLedger {
 public:
  /// Connects to `url` ("postgresql://user@host:port/db", optionally with ?pool_size=N and
  /// pool_wait_ms=MS among libpq's parameters) and applies pending migrations.
  static core::Result<std::unique_ptr<PgStore>> Open(const std::string& url);
  ~PgStore() override;

  // Users, API keys and sessions (pg_store_accounts.cc).
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
  /// The most jobs of one account that may hold a live lease at once, counted over every
  /// node (the leases are in the database); 0: no cap. ClaimJob serves accounts in turn.
  void SetMaxRunningJobsPerAccount(int max);
  core::Result<std::optional<Job>> ClaimJob(const std::string& worker_id, core::TimePoint now,
                                            core::Duration lease) override;
  core::Status CommitStep(const std::string& worker_id, const StepCommit& commit) override;
  core::Status ExtendLease(const std::string& worker_id, const std::string& job_id,
                           core::TimePoint until) override;
  core::Result<std::vector<std::string>> ListLeaseOwners(core::TimePoint now) override;
  core::Status ReleaseLeases(const std::string& worker_id) override;
  core::Result<std::optional<core::TimePoint>> NextJobDue() override;
  core::Result<std::vector<Job>> ListJobs(const std::string& certificate_id) override;
  /// Starts listening (a connection of its own) for other nodes' job writes: the
  /// jobs_notify trigger's NOTIFY certadns_jobs (migration 0008). An empty `wake` stops
  /// listening, and no call of the previous hook runs once this returns.
  void SetWakeHook(std::function<void()> wake) override;

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

  // The key pool, shared by every node (pg_store_key_pool.cc).
  core::Status AddPooledKey(const PooledKey& key, core::TimePoint created_at) override;
  core::Result<std::optional<PooledKey>> TakePooledKey() override;
  core::Result<int64_t> CountPooledKeys() override;

  // The master key's fingerprint (pg_store.cc).
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

  // The audit log (pg_store_audit.cc).
  core::Status AppendAudit(const AuditEntry& entry) override;
  core::Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;

  // Counts for /metrics (pg_store_stats.cc).
  core::Result<ServiceStats> ReadServiceStats(core::TimePoint now,
                                              core::Duration overdue_after) override;
  core::Result<std::vector<CertificateExpiry>> ListCertificateExpiries(int limit) override;

  // Webhooks, notification events and deliveries (pg_store_notifications.cc).
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

  // The rate limits' ledger (pg_store_rate_limits.cc).
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
  PgStore(std::string conninfo, std::unique_ptr<PgPool> pool);
  core::Status Migrate();
  /// Runs one statement on a pooled connection.
  core::Result<PgResult> Exec(std::string_view sql, const Params& params);
  core::Result<std::vector<Zone>> QueryZones(std::string_view sql, const Params& params);
  /// Certificates matching `where`; without their PEMs (has_certificate set) for a list.
  core::Result<std::vector<core::Certificate>> QueryCertificates(std::string_view where,
                                                                 const Params& params,
                                                                 bool with_pems = true);
  core::Result<User> QueryUser(std::string_view where, const std::string& value);
  core::Result<std::vector<Webhook>> QueryWebhooks(std::string_view where, const Params& params);

  const std::string conninfo_;
  std::unique_ptr<PgPool> pool_;
  WakeHook wake_hook_;
  std::atomic<int> max_running_per_account_{0};
  FairClaims fair_claims_;
  std::mutex listener_mutex_;
  std::unique_ptr<PgListener> listener_;  // guarded by listener_mutex_; stops before the hook
};

/// Inserts `job` on `conn` (inside the caller's transaction).
core::Status InsertJob(PgConnection& conn, const Job& job);
/// Appends `event` to the log of certificate `certificate_id` on `conn`.
core::Status InsertEvent(PgConnection& conn, const std::string& certificate_id,
                         const core::CertificateEvent& event);

}  // namespace certadns::store::postgres
