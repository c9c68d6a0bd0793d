// MemoryStore: every store interface (AccountStore, ZoneStore, CertificateStore, JobQueue,
// AcmeAccountStore, KeyPoolStore and RateLimitLedger) in memory, with the same contracts as the SQLite and PostgreSQL
// backends, for unit tests that need no database (cf. LevelDB's in-memory Env). One mutex
// makes each method one transaction: a method that fails writes nothing. Times are kept to
// the millisecond, as the databases keep them. It hears no other process, so it never calls
// the wake hook. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/audit_log.h"
#include "store/key_pool_store.h"
#include "store/notification_store.h"
#include "store/rate_limit_ledger.h"
#include "store/stats_reader.h"
#include "store/store.h"

namespace certadns::test {

class MemoryStore final : public store::Store,
                          public store::KeyPoolStore,
                          public store::AuditLog,
                          public store::StatsReader,
                          public store::NotificationStore,
                          public store::RateLimitLedger {
 public:
  // AccountStore (memory_store.cc).
  core::Status CreateUser(const store::User& user) override;
  core::Result<store::User> GetUserByEmail(const std::string& email) override;
  core::Result<store::User> GetUser(const std::string& id) override;
  core::Status SetUserPlan(const std::string& email, const std::string& plan) override;
  core::Status SetUserPassword(const std::string& email, const std::string& password_hash) override;
  core::Status ChangePassword(const std::string& user_id, const std::string& password_hash,
                              const std::string& keep_session_hash) override;
  core::Status CreateApiKey(const store::ApiKey& key,
                            int max_active = std::numeric_limits<int>::max()) override;
  core::Result<store::ApiKeyOwner> FindApiKeyOwner(const std::string& key_hash) override;
  core::Status TouchApiKey(const std::string& id, core::TimePoint now) override;
  core::Result<std::vector<store::ApiKey>> ListApiKeys(const std::string& user_id) override;
  core::Status RevokeApiKey(const std::string& user_id, const std::string& id_or_prefix,
                            core::TimePoint now) override;
  core::Status CreateSession(const store::Session& session) override;
  core::Result<store::Session> FindSession(const std::string& token_hash,
                                           core::TimePoint now) override;
  core::Status DeleteSession(const std::string& token_hash) override;

  // ZoneStore (memory_store.cc).
  core::Status CreateZone(const store::Zone& zone) override;
  core::Result<store::Zone> GetZone(const std::string& owner_id, const std::string& id) override;
  core::Result<store::Zone> FindVerifiedZoneByName(const std::string& name) override;
  core::Result<std::vector<store::Zone>> ListZones(const std::string& owner_id) override;
  core::Status MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                core::TimePoint now) override;
  core::Status MarkZoneChecked(const std::string& owner_id, const std::string& id,
                               core::TimePoint now) override;
  core::Result<std::vector<store::Zone>> ListZonesToRecheck(core::TimePoint before,
                                                            int limit) override;
  core::Status UnverifyZone(const std::string& owner_id, const std::string& id,
                            const core::CertificateEvent& event) override;
  core::Result<store::Zone> DeleteZone(const std::string& owner_id, const std::string& id) override;

  // AcmeAccountStore (memory_store.cc).
  core::Result<std::optional<std::string>> GetAcmeAccountKey(
      const std::string& directory_url) override;
  core::Result<std::string> PutAcmeAccountKey(const std::string& directory_url,
                                              const std::string& sealed_key) override;

  // MasterKeyRecord (memory_store.cc).
  core::Result<std::optional<std::string>> GetMasterKeyFingerprint() override;
  core::Result<std::string> RecordMasterKeyFingerprint(const std::string& fingerprint) override;
  core::Result<bool> HoldsSealedData() override;
  core::Result<std::vector<store::SealedValue>> ListSealedValues(store::SealedColumn column,
                                                          const std::string& after_id,
                                                          int limit) override;
  core::Result<bool> ReplaceSealedValue(store::SealedColumn column, const std::string& id,
                                        const std::string& expected,
                                        const std::string& sealed) override;
  core::Status ReplaceMasterKeyFingerprint(const std::string& expected,
                                           const std::string& fingerprint) override;

  // CertificateStore (memory_store_certificates.cc).
  core::Status CreateCertificate(const core::Certificate& certificate, const store::Job& job,
                                 int max_certificates = std::numeric_limits<int>::max()) override;
  core::Result<int> CountCertificates(const std::string& owner_id) override;
  core::Status SetAutoRenew(const std::string& owner_id, const std::string& id, bool enabled,
                            std::optional<core::TimePoint> next_renewal_at) override;
  core::Status SetCertificateStatus(const std::string& owner_id, const std::string& id,
                                    core::CertificateState status,
                                    const core::CertificateEvent& event) override;
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

  // JobQueue (memory_store_jobs.cc).
  core::Status EnqueueJob(const store::Job& job) override;
  core::Status StartJob(const store::Job& job, core::CertificateState status,
                        core::TimePoint now) override;
  core::Result<std::optional<store::Job>> ClaimJob(const std::string& worker_id,
                                                   core::TimePoint now,
                                                   core::Duration lease) override;
  /// How many ClaimJob calls handed out a job of `certificate_id`.
  int ClaimsForTest(const std::string& certificate_id) {
    std::lock_guard lock(mutex_);
    auto it = claims_.find(certificate_id);
    return it == claims_.end() ? 0 : it->second;
  }
  core::Status CommitStep(const std::string& worker_id, const store::StepCommit& commit) override;
  core::Status ExtendLease(const std::string& worker_id, const std::string& job_id,
                           core::TimePoint until) override;
  core::Result<std::vector<std::string>> ListLeaseOwners(core::TimePoint now) override;
  core::Status ReleaseLeases(const std::string& worker_id) override;
  core::Result<std::optional<core::TimePoint>> NextJobDue() override;
  core::Result<std::vector<store::Job>> ListJobs(const std::string& certificate_id) override;
  void SetWakeHook(std::function<void()> wake) override { wake_hook_.Set(std::move(wake)); }
  core::Result<int> ExpireCertificates(core::TimePoint now) override;
  core::Result<std::vector<core::Certificate>> ListDueRenewals(core::TimePoint now,
                                                               int limit) override;
  core::Status StartAutoRenewal(const store::Job& job, core::TimePoint retry_at) override;
  core::Result<std::optional<core::TimePoint>> NextLifecycleEvent(core::TimePoint now) override;
  core::Result<std::vector<store::AriCheckDue>> ListDueAriChecks(core::TimePoint now,
                                                                 int limit) override;
  core::Result<bool> RecordAriCheck(const store::AriCheckResult& check) override;

  // KeyPoolStore (memory_store_jobs.cc).
  core::Status AddPooledKey(const store::PooledKey& key, core::TimePoint created_at) override;
  core::Result<std::optional<store::PooledKey>> TakePooledKey() override;
  core::Result<int64_t> CountPooledKeys() override;

  // AuditLog (memory_store_jobs.cc).
  core::Status AppendAudit(const store::AuditEntry& entry) override;
  core::Result<std::vector<store::AuditEntry>> ListAudit(const store::AuditQuery& query) override;

  // StatsReader (memory_store_jobs.cc).
  core::Result<store::ServiceStats> ReadServiceStats(core::TimePoint now,
                                                     core::Duration overdue_after) override;
  core::Result<std::vector<store::CertificateExpiry>> ListCertificateExpiries(int limit) override;
  // NotificationStore (memory_store_notifications.cc).
  core::Status CreateWebhook(const store::Webhook& webhook, int max_per_owner) override;
  core::Result<std::vector<store::Webhook>> ListWebhooks(const std::string& owner_id) override;
  core::Result<store::Webhook> GetWebhook(const std::string& owner_id,
                                          const std::string& id) override;
  core::Status DeleteWebhook(const std::string& owner_id, const std::string& id) override;
  core::Result<store::Webhook> GetWebhookForWorker(const std::string& id) override;
  core::Result<bool> RecordEvent(const store::NotificationEvent& event, bool email) override;
  core::Status EnqueueDelivery(const store::Delivery& delivery) override;
  core::Result<std::vector<store::Delivery>> ClaimDeliveries(
      core::TimePoint now, int limit, core::TimePoint lease_until) override;
  core::Status RecordAttempt(const std::string& delivery_id,
                             const store::DeliveryAttempt& attempt) override;
  core::Result<std::vector<store::Delivery>> ListDeliveries(const std::string& owner_id,
                                                            const std::string& webhook_id,
                                                            int limit) override;
  core::Result<int> PruneDeliveries(core::TimePoint before) override;
  core::Result<std::optional<core::TimePoint>> NextDeliveryDue() override;
  core::Result<store::NotificationSettings> GetNotificationSettings(
      const std::string& owner_id) override;
  core::Status PutNotificationSettings(const std::string& owner_id,
                                       const store::NotificationSettings& settings) override;
  core::Result<std::vector<core::Certificate>> ListExpiringUnplanned(core::TimePoint now,
                                                                     core::TimePoint until,
                                                                     int limit) override;
  // RateLimitLedger (memory_store_rate_limits.cc).
  core::Result<store::LedgerCounts> CountLedger(const store::LedgerQuery& query) override;
  core::Result<bool> ReserveOrder(
      const store::LedgerQuery& query, const store::LedgerOrder& order,
      const std::function<bool(const store::LedgerCounts&)>& admit) override;
  core::Status RecordOrder(const store::LedgerOrder& order) override;
  core::Status ReleaseOrder(const std::string& id) override;
  core::Status ForgetOrder(const std::string& id) override;
  core::Status RecordFailedValidation(const std::string& id, const std::string& hostname,
                                      core::TimePoint at) override;
  core::Result<int64_t> PruneLedger(core::TimePoint before) override;

 private:
  struct FailedValidation {
    std::string hostname;
    core::TimePoint at;
  };
  store::LedgerCounts CountLedgerLocked(const store::LedgerQuery& query) const;

  struct CertificateRow {
    core::Certificate certificate;
    std::optional<std::string> sealed_private_key;
    std::optional<core::TimePoint> renewal_retry_at;
    std::optional<core::TimePoint> ari_check_at;
    int ari_check_failures = 0;
    std::vector<core::CertificateEvent> events;
    uint64_t sequence = 0;  // insertion order
  };
  struct JobRow {
    store::Job job;  // job.certificate_id as stored: "cleanup:<id>" once detached
    std::optional<std::string> detached_from;
    std::string lease_owner;  // "" = none
    std::optional<core::TimePoint> lease_until;
    uint64_t sequence = 0;  // insertion order
  };

  // The helpers below expect mutex_ held.
  const store::User* FindUser(const std::string& id) const;
  store::User* FindUserByEmail(const std::string& email);
  CertificateRow* FindCertificate(const std::string& owner_id, const std::string& id);
  const store::Zone* FindZone(const std::string& owner_id, const std::string& id) const;
  bool HasJobFor(const std::string& certificate_id) const;
  /// kAlreadyExists when the id or the certificate's job slot is taken.
  core::Status CheckJobInsert(const store::Job& job) const;
  void InsertJob(const store::Job& job);
  /// The job as its readers see it: a detached job reads as its certificate's.
  static store::Job Visible(const JobRow& row);
  void AddEvent(CertificateRow& row, const core::CertificateEvent& event);

  std::mutex mutex_;
  std::map<std::string, int> claims_;  // certificate id -> claims; guarded by mutex_
  uint64_t sequence_ = 0;                               // guarded by mutex_
  std::map<std::string, store::User> users_;            // by id; guarded by mutex_
  std::map<std::string, store::ApiKey> api_keys_;       // by id; guarded by mutex_
  std::map<std::string, store::Session> sessions_;      // by token hash; guarded by mutex_
  std::map<std::string, store::Zone> zones_;            // by id; guarded by mutex_
  std::map<std::string, CertificateRow> certificates_;  // by id; guarded by mutex_
  std::map<std::string, JobRow> jobs_;                  // by id; guarded by mutex_
  // By (created_at, id), oldest first, as the databases take them; guarded by mutex_.
  std::map<std::pair<core::TimePoint, std::string>, std::string> pooled_keys_;
  std::map<std::string, std::string> acme_accounts_;    // url -> sealed key; guarded by mutex_
  std::optional<std::string> master_key_fingerprint_;   // guarded by mutex_
  std::vector<store::AuditEntry> audit_;                // appended; guarded by mutex_
  std::vector<store::Webhook> webhooks_;                // oldest first; guarded by mutex_
  std::map<std::string, std::string> notified_;         // "cert|type|occurrence"; guarded
  std::vector<store::Delivery> deliveries_;             // oldest first; guarded by mutex_
  std::map<std::string, store::NotificationSettings> notification_settings_;  // guarded
  std::map<std::string, store::LedgerOrder> ledger_orders_;         // by id; guarded by mutex_
  std::map<std::string, FailedValidation> failed_validations_;      // by id; guarded by mutex_
  store::WakeHook wake_hook_;
};

/// `t` as the databases keep it: to the millisecond.
core::TimePoint StoredTime(core::TimePoint t);

}  // namespace certadns::test
