// SqliteStore's notifications (store/notification_store.h): tables webhooks,
// notification_events, deliveries and notification_settings, migration 0010.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

using core::FromUnixMillis;
using core::ToUnixMillis;

namespace {

constexpr const char* kWebhookColumns = "id, owner_id, url, events, sealed_secret, created_at";
constexpr const char* kDeliveryColumns =
    "id, owner_id, channel, coalesce(webhook_id, ''), event_type, body, created_at, "
    "next_attempt_at, attempts, state, last_status, last_error";


Delivery ReadDelivery(const Statement& s) {
  Delivery d;
  d.id = s.Text(0);
  d.owner_id = s.Text(1);
  d.channel = s.Text(2) == "email" ? Channel::kEmail : Channel::kWebhook;
  d.webhook_id = s.Text(3);
  d.event_type = s.Text(4);
  d.body = s.Text(5);
  d.created_at = FromUnixMillis(s.Int(6));
  d.next_attempt_at = FromUnixMillis(s.Int(7));
  d.attempts = static_cast<int>(s.Int(8));
  d.state = s.Text(9);
  if (auto status = s.OptionalInt(10)) d.last_status = static_cast<int>(*status);
  d.last_error = s.Text(11);
  return d;
}

}  // namespace

core::Result<std::vector<Webhook>> SqliteStore::QueryWebhooks(Connection& db,
                                                              const std::string& where,
                                                              const std::string& a,
                                                              const std::string& b) {
  Statement s(db, std::string("SELECT ") + kWebhookColumns + " FROM webhooks WHERE " + where +
                      " ORDER BY created_at, id");
  s.Bind(1, a);
  if (!b.empty()) s.Bind(2, b);
  std::vector<Webhook> out;
  while (s.Step()) {
    out.push_back(Webhook{s.Text(0), s.Text(1), s.Text(2), SplitEventTypes(s.Text(3)), s.Blob(4),
                          FromUnixMillis(s.Int(5))});
  }
  RETURN_IF_ERROR(s.status());
  return out;
}

core::Status SqliteStore::InsertDelivery(const Delivery& d) {
  Statement s(db_, "INSERT INTO deliveries(id, owner_id, channel, webhook_id, event_type, body, "
                   "created_at, next_attempt_at) VALUES (coalesce(nullif(?1, ''), "
                   "'dlv_' || lower(hex(randomblob(12)))), ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.Bind(1, d.id).Bind(2, d.owner_id).Bind(3, d.channel == Channel::kEmail ? "email" : "webhook");
  if (d.webhook_id.empty()) {
    s.BindNull(4);
  } else {
    s.Bind(4, d.webhook_id);
  }
  s.Bind(5, d.event_type).Bind(6, d.body).Bind(7, ToUnixMillis(d.created_at));
  s.Bind(8, ToUnixMillis(d.next_attempt_at));
  return s.Run();
}

core::Status SqliteStore::CreateWebhook(const Webhook& w, int max_per_owner) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(int64_t count,
                   Count(db_, "SELECT COUNT(*) FROM webhooks WHERE owner_id = ?1", w.owner_id));
  if (count >= max_per_owner) return core::Error(core::ErrorCode::kResourceExhausted, "webhook limit reached");
  Statement s(db_, "INSERT INTO webhooks(id, owner_id, url, events, sealed_secret, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  s.Bind(1, w.id).Bind(2, w.owner_id).Bind(3, w.url).Bind(4, JoinEventTypes(w.events));
  s.BindBlob(5, w.sealed_secret).Bind(6, ToUnixMillis(w.created_at));
  RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

core::Result<std::vector<Webhook>> SqliteStore::ListWebhooks(const std::string& owner_id) {
  ReadLease db(*this);
  return QueryWebhooks(*db, "owner_id = ?1", owner_id, "");
}

core::Result<Webhook> SqliteStore::GetWebhook(const std::string& owner_id,
                                              const std::string& id) {
  ReadLease db(*this);
  ASSIGN_OR_RETURN(auto rows, QueryWebhooks(*db, "owner_id = ?1 AND id = ?2", owner_id, id));
  if (rows.empty()) return core::NotFound("webhook " + id);
  return std::move(rows.front());
}

core::Result<Webhook> SqliteStore::GetWebhookForWorker(const std::string& id) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto rows, QueryWebhooks(db_, "id = ?1", id, ""));
  if (rows.empty()) return core::NotFound("webhook " + id);
  return std::move(rows.front());
}

core::Status SqliteStore::DeleteWebhook(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement d(db_, "DELETE FROM deliveries WHERE owner_id = ?1 AND webhook_id = ?2");
  RETURN_IF_ERROR(d.Bind(1, owner_id).Bind(2, id).Run());
  Statement s(db_, "DELETE FROM webhooks WHERE owner_id = ?1 AND id = ?2");
  RETURN_IF_ERROR(s.Bind(1, owner_id).Bind(2, id).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("webhook " + id);
  return tx.Commit();
}

core::Result<bool> SqliteStore::RecordEvent(const NotificationEvent& e, bool email) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement s(db_, "INSERT OR IGNORE INTO notification_events(certificate_id, type, occurrence, "
                   "owner_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.Bind(1, e.certificate_id).Bind(2, e.type).Bind(3, e.occurrence).Bind(4, e.owner_id);
  RETURN_IF_ERROR(s.Bind(5, ToUnixMillis(e.created_at)).Run());
  if (sqlite3_changes(db_) != 1) return false;
  std::vector<Delivery> queued;
  {
    Statement hooks(db_, "SELECT id FROM webhooks WHERE owner_id = ?1 AND "
                         "instr(events, ',' || ?2 || ',') > 0 ORDER BY created_at, id");
    hooks.Bind(1, e.owner_id).Bind(2, e.type);
    while (hooks.Step()) {
      queued.push_back(Delivery{.owner_id = e.owner_id, .webhook_id = hooks.Text(0)});
    }
    RETURN_IF_ERROR(hooks.status());
  }
  if (email) queued.push_back(Delivery{.owner_id = e.owner_id, .channel = Channel::kEmail});
  for (Delivery& d : queued) {
    d.event_type = e.type;
    d.body = e.body;
    d.created_at = d.next_attempt_at = e.created_at;
    RETURN_IF_ERROR(InsertDelivery(d));
  }
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

core::Status SqliteStore::EnqueueDelivery(const Delivery& d) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  if (d.channel == Channel::kWebhook) {
    ASSIGN_OR_RETURN(int64_t n, Count(db_,
                                      "SELECT COUNT(*) FROM webhooks WHERE owner_id = ?1 AND "
                                      "id = ?2",
                                      d.owner_id, d.webhook_id));
    if (n != 1) return core::NotFound("webhook " + d.webhook_id);
  }
  RETURN_IF_ERROR(InsertDelivery(d));
  return tx.Commit();
}

core::Result<std::vector<Delivery>> SqliteStore::ClaimDeliveries(core::TimePoint now, int limit,
                                                                 core::TimePoint lease_until) {
  std::lock_guard lock(mutex_);
  // One statement: claimed atomically, also across processes sharing the file.
  Statement s(db_, std::string("UPDATE deliveries SET next_attempt_at = ?3 WHERE id IN ("
                               "SELECT id FROM deliveries WHERE state = 'pending' AND "
                               "next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2) "
                               "RETURNING ") + kDeliveryColumns);
  s.Bind(1, ToUnixMillis(now)).Bind(2, int64_t{limit}).Bind(3, ToUnixMillis(lease_until));
  std::vector<Delivery> out;
  while (s.Step()) out.push_back(ReadDelivery(s));
  RETURN_IF_ERROR(s.status());
  return out;
}

core::Status SqliteStore::RecordAttempt(const std::string& id, const DeliveryAttempt& a) {
  std::lock_guard lock(mutex_);
  const char* state = a.delivered ? "delivered" : a.retry_at ? "pending" : "failed";
  Statement s(db_, "UPDATE deliveries SET attempts = attempts + 1, state = ?2, last_status = ?3, "
                   "last_error = ?4, next_attempt_at = coalesce(?5, next_attempt_at) "
                   "WHERE id = ?1");
  s.Bind(1, id).Bind(2, state);
  s.Bind(3, a.status ? std::optional<int64_t>(*a.status) : std::nullopt).Bind(4, a.error);
  s.Bind(5, a.retry_at && !a.delivered ? std::optional<int64_t>(ToUnixMillis(*a.retry_at))
                                       : std::nullopt);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("delivery " + id);
  return core::Ok();
}

core::Result<std::vector<Delivery>> SqliteStore::ListDeliveries(const std::string& owner_id,
                                                                const std::string& webhook_id,
                                                                int limit) {
  ReadLease db(*this);
  ASSIGN_OR_RETURN(int64_t n, Count(*db,
                                    "SELECT COUNT(*) FROM webhooks WHERE owner_id = ?1 AND "
                                    "id = ?2",
                                    owner_id, webhook_id));
  if (n != 1) return core::NotFound("webhook " + webhook_id);
  Statement s(*db, std::string("SELECT ") + kDeliveryColumns +
                       " FROM deliveries WHERE owner_id = ?1 AND webhook_id = ?2 "
                       "ORDER BY created_at DESC, rowid DESC LIMIT ?3");
  s.Bind(1, owner_id).Bind(2, webhook_id).Bind(3, int64_t{limit});
  std::vector<Delivery> out;
  while (s.Step()) out.push_back(ReadDelivery(s));
  RETURN_IF_ERROR(s.status());
  return out;
}

core::Result<int> SqliteStore::PruneDeliveries(core::TimePoint before) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "DELETE FROM deliveries WHERE state != 'pending' AND created_at < ?1");
  RETURN_IF_ERROR(s.Bind(1, ToUnixMillis(before)).Run());
  return sqlite3_changes(db_);
}

core::Result<std::optional<core::TimePoint>> SqliteStore::NextDeliveryDue() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT min(next_attempt_at) FROM deliveries WHERE state = 'pending'");
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return std::optional<core::TimePoint>();
  }
  auto at = s.OptionalInt(0);
  return at ? std::optional(FromUnixMillis(*at)) : std::nullopt;
}

core::Result<NotificationSettings> SqliteStore::GetNotificationSettings(
    const std::string& owner_id) {
  ReadLease db(*this);
  Statement s(*db,
              "SELECT email_enabled, email_success FROM notification_settings "
              "WHERE owner_id = ?1");
  s.Bind(1, owner_id);
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return NotificationSettings{};
  }
  return NotificationSettings{s.Int(0) != 0, s.Int(1) != 0};
}

core::Status SqliteStore::PutNotificationSettings(const std::string& owner_id,
                                                  const NotificationSettings& settings) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT INTO notification_settings(owner_id, email_enabled, email_success) "
                   "VALUES (?1, ?2, ?3) ON CONFLICT(owner_id) DO UPDATE SET "
                   "email_enabled = excluded.email_enabled, "
                   "email_success = excluded.email_success");
  s.Bind(1, owner_id).Bind(2, int64_t{settings.email_enabled ? 1 : 0});
  s.Bind(3, int64_t{settings.email_success ? 1 : 0});
  return s.Run();
}

core::Result<std::vector<core::Certificate>> SqliteStore::ListExpiringUnplanned(
    core::TimePoint now, core::TimePoint until, int limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT c.id FROM certificates c WHERE c.status = 'issued' AND "
                   "c.auto_renew = 0 AND c.expires_at > ?1 AND c.expires_at <= ?2 AND "
                   "NOT EXISTS (SELECT 1 FROM notification_events e WHERE "
                   "e.certificate_id = c.id AND e.type = 'certificate.expiring' AND "
                   "e.occurrence = CAST(c.expires_at AS TEXT)) "
                   "ORDER BY c.expires_at LIMIT ?3");
  s.Bind(1, ToUnixMillis(now)).Bind(2, ToUnixMillis(until)).Bind(3, int64_t{limit});
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  RETURN_IF_ERROR(s.status());
  std::vector<core::Certificate> out;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(auto rows, QueryCertificates(db_, "id = ?1", id, "", /*with_pems=*/false));
    if (!rows.empty()) out.push_back(std::move(rows.front()));
  }
  return out;
}

}  // namespace certadns::store::sqlite
