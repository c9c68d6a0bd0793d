// PgStore's notifications (store/notification_store.h): tables webhooks,
// notification_events, deliveries and notification_settings, migration 0012. Deliveries are
// claimed with FOR UPDATE SKIP LOCKED, so nodes sharing the database each take others.
#include <algorithm>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {
namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

constexpr std::string_view kWebhookColumns =
    "id, owner_id, url, events, sealed_secret, created_at";
constexpr std::string_view kDeliveryColumns =
    "id, owner_id, channel, coalesce(webhook_id, ''), event_type, body, created_at, "
    "next_attempt_at, attempts, state, last_status, last_error";


Delivery ReadDelivery(const PgResult& r, int row) {
  Delivery d;
  d.id = r.Text(row, 0);
  d.owner_id = r.Text(row, 1);
  d.channel = r.Text(row, 2) == "email" ? Channel::kEmail : Channel::kWebhook;
  d.webhook_id = r.Text(row, 3);
  d.event_type = r.Text(row, 4);
  d.body = r.Text(row, 5);
  d.created_at = FromUnixMillis(r.Int(row, 6));
  d.next_attempt_at = FromUnixMillis(r.Int(row, 7));
  d.attempts = static_cast<int>(r.Int(row, 8));
  d.state = r.Text(row, 9);
  if (auto status = r.OptionalInt(row, 10)) d.last_status = static_cast<int>(*status);
  d.last_error = r.Text(row, 11);
  return d;
}

core::Status InsertDelivery(PgConnection& conn, const Delivery& d) {
  Params p;
  p.Text(d.id).Text(d.owner_id).Text(d.channel == Channel::kEmail ? "email" : "webhook");
  if (d.webhook_id.empty()) {
    p.Null();
  } else {
    p.Text(d.webhook_id);
  }
  p.Text(d.event_type).Text(d.body).Int(ToUnixMillis(d.created_at))
      .Int(ToUnixMillis(d.next_attempt_at));
  RETURN_IF_ERROR(conn.Exec(
      "INSERT INTO deliveries(id, owner_id, channel, webhook_id, event_type, body, created_at, "
      "next_attempt_at) VALUES (coalesce(nullif($1, ''), 'dlv_' || "
      "replace(gen_random_uuid()::text, '-', '')), $2, $3, $4, $5, $6, $7, $8)",
      p));
  return core::Ok();
}

}  // namespace

core::Result<std::vector<Webhook>> PgStore::QueryWebhooks(std::string_view where,
                                                          const Params& params) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT " + std::string(kWebhookColumns) +
                                    " FROM webhooks WHERE " + std::string(where) +
                                    " ORDER BY created_at, id",
                                params));
  std::vector<Webhook> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(Webhook{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), SplitEventTypes(r.Text(i, 3)),
                          r.Bytes(i, 4), FromUnixMillis(r.Int(i, 5))});
  }
  return out;
}

core::Status PgStore::CreateWebhook(const Webhook& w, int max_per_owner) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  // The owner's row, locked: two nodes adding webhooks at once cannot both pass the count.
  ASSIGN_OR_RETURN(auto owner, conn->Exec("SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                                          Params().Text(w.owner_id)));
  if (owner.rows() == 0) return core::NotFound("user " + w.owner_id);
  ASSIGN_OR_RETURN(auto count, conn->Exec("SELECT COUNT(*) FROM webhooks WHERE owner_id = $1",
                                          Params().Text(w.owner_id)));
  if (count.Int(0, 0) >= max_per_owner) {
    return core::Error(core::ErrorCode::kResourceExhausted, "webhook limit reached");
  }
  RETURN_IF_ERROR(conn->Exec(
      "INSERT INTO webhooks(id, owner_id, url, events, sealed_secret, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      Params().Text(w.id).Text(w.owner_id).Text(w.url).Text(JoinEventTypes(w.events))
          .Bytes(w.sealed_secret).Int(ToUnixMillis(w.created_at))));
  return tx.Commit();
}

core::Result<std::vector<Webhook>> PgStore::ListWebhooks(const std::string& owner_id) {
  return QueryWebhooks("owner_id = $1", Params().Text(owner_id));
}

core::Result<Webhook> PgStore::GetWebhook(const std::string& owner_id, const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, QueryWebhooks("owner_id = $1 AND id = $2",
                                            Params().Text(owner_id).Text(id)));
  if (rows.empty()) return core::NotFound("webhook " + id);
  return std::move(rows.front());
}

core::Result<Webhook> PgStore::GetWebhookForWorker(const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, QueryWebhooks("id = $1", Params().Text(id)));
  if (rows.empty()) return core::NotFound("webhook " + id);
  return std::move(rows.front());
}

core::Status PgStore::DeleteWebhook(const std::string& owner_id, const std::string& id) {
  // Its deliveries go with it (ON DELETE CASCADE).
  ASSIGN_OR_RETURN(auto r, Exec("DELETE FROM webhooks WHERE owner_id = $1 AND id = $2",
                                Params().Text(owner_id).Text(id)));
  if (r.affected() != 1) return core::NotFound("webhook " + id);
  return core::Ok();
}

core::Result<bool> PgStore::RecordEvent(const NotificationEvent& e, bool email) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto inserted,
                   conn->Exec("INSERT INTO notification_events(certificate_id, type, occurrence, "
                              "owner_id, created_at) VALUES ($1, $2, $3, $4, $5) "
                              "ON CONFLICT DO NOTHING",
                              Params().Text(e.certificate_id).Text(e.type).Text(e.occurrence)
                                  .Text(e.owner_id).Int(ToUnixMillis(e.created_at))));
  if (inserted.affected() != 1) return false;
  ASSIGN_OR_RETURN(auto hooks, conn->Exec("SELECT id FROM webhooks WHERE owner_id = $1 AND "
                                          "strpos(events, ',' || $2 || ',') > 0 "
                                          "ORDER BY created_at, id",
                                          Params().Text(e.owner_id).Text(e.type)));
  std::vector<Delivery> queued;
  for (int i = 0; i < hooks.rows(); ++i) {
    queued.push_back(Delivery{.owner_id = e.owner_id, .webhook_id = hooks.Text(i, 0)});
  }
  if (email) queued.push_back(Delivery{.owner_id = e.owner_id, .channel = Channel::kEmail});
  for (Delivery& d : queued) {
    d.event_type = e.type;
    d.body = e.body;
    d.created_at = d.next_attempt_at = e.created_at;
    RETURN_IF_ERROR(InsertDelivery(*conn, d));
  }
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

core::Status PgStore::EnqueueDelivery(const Delivery& d) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  if (d.channel == Channel::kWebhook) {
    ASSIGN_OR_RETURN(auto hook, conn->Exec("SELECT 1 FROM webhooks WHERE owner_id = $1 AND "
                                           "id = $2",
                                           Params().Text(d.owner_id).Text(d.webhook_id)));
    if (hook.rows() != 1) return core::NotFound("webhook " + d.webhook_id);
  }
  RETURN_IF_ERROR(InsertDelivery(*conn, d));
  return tx.Commit();
}

core::Result<std::vector<Delivery>> PgStore::ClaimDeliveries(core::TimePoint now, int limit,
                                                             core::TimePoint lease_until) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE deliveries SET next_attempt_at = $3 WHERE id IN ("
                                "SELECT id FROM deliveries WHERE state = 'pending' AND "
                                "next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2 "
                                "FOR UPDATE SKIP LOCKED) RETURNING " +
                                    std::string(kDeliveryColumns),
                                Params().Int(ToUnixMillis(now)).Int(int64_t{limit})
                                    .Int(ToUnixMillis(lease_until))));
  std::vector<Delivery> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadDelivery(r, i));
  std::sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

core::Status PgStore::RecordAttempt(const std::string& id, const DeliveryAttempt& a) {
  const char* state = a.delivered ? "delivered" : a.retry_at ? "pending" : "failed";
  ASSIGN_OR_RETURN(
      auto r,
      Exec("UPDATE deliveries SET attempts = attempts + 1, state = $2, last_status = $3, "
           "last_error = $4, next_attempt_at = coalesce($5, next_attempt_at) WHERE id = $1",
           Params().Text(id).Text(state)
               .Int(a.status ? std::optional<int64_t>(*a.status) : std::nullopt)
               .Text(a.error)
               .Int(a.retry_at && !a.delivered
                        ? std::optional<int64_t>(ToUnixMillis(*a.retry_at))
                        : std::nullopt)));
  if (r.affected() != 1) return core::NotFound("delivery " + id);
  return core::Ok();
}

core::Result<std::vector<Delivery>> PgStore::ListDeliveries(const std::string& owner_id,
                                                            const std::string& webhook_id,
                                                            int limit) {
  ASSIGN_OR_RETURN(auto hook, Exec("SELECT 1 FROM webhooks WHERE owner_id = $1 AND id = $2",
                                   Params().Text(owner_id).Text(webhook_id)));
  if (hook.rows() != 1) return core::NotFound("webhook " + webhook_id);
  ASSIGN_OR_RETURN(auto r, Exec("SELECT " + std::string(kDeliveryColumns) +
                                    " FROM deliveries WHERE owner_id = $1 AND webhook_id = $2 "
                                    "ORDER BY created_at DESC, id DESC LIMIT $3",
                                Params().Text(owner_id).Text(webhook_id).Int(int64_t{limit})));
  std::vector<Delivery> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadDelivery(r, i));
  return out;
}

core::Result<int> PgStore::PruneDeliveries(core::TimePoint before) {
  ASSIGN_OR_RETURN(auto r, Exec("DELETE FROM deliveries WHERE state != 'pending' AND "
                                "created_at < $1",
                                Params().Int(ToUnixMillis(before))));
  return static_cast<int>(r.affected());
}

core::Result<std::optional<core::TimePoint>> PgStore::NextDeliveryDue() {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT min(next_attempt_at) FROM deliveries "
                                "WHERE state = 'pending'",
                                Params()));
  return OptionalTime(r.OptionalInt(0, 0));
}

core::Result<NotificationSettings> PgStore::GetNotificationSettings(const std::string& owner_id) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT email_enabled, email_success FROM notification_settings "
                                "WHERE owner_id = $1",
                                Params().Text(owner_id)));
  if (r.rows() == 0) return NotificationSettings{};
  return NotificationSettings{r.Bool(0, 0), r.Bool(0, 1)};
}

core::Status PgStore::PutNotificationSettings(const std::string& owner_id,
                                              const NotificationSettings& settings) {
  RETURN_IF_ERROR(Exec("INSERT INTO notification_settings(owner_id, email_enabled, "
                       "email_success) VALUES ($1, $2, $3) ON CONFLICT (owner_id) DO UPDATE "
                       "SET email_enabled = excluded.email_enabled, "
                       "email_success = excluded.email_success",
                       Params().Text(owner_id).Bool(settings.email_enabled)
                           .Bool(settings.email_success)));
  return core::Ok();
}

core::Result<std::vector<core::Certificate>> PgStore::ListExpiringUnplanned(core::TimePoint now,
                                                                            core::TimePoint until,
                                                                            int limit) {
  return QueryCertificates(
      "status = 'issued' AND NOT auto_renew AND expires_at > $1 AND expires_at <= $2 AND "
      "NOT EXISTS (SELECT 1 FROM notification_events e WHERE e.certificate_id = "
      "certificates.id AND e.type = 'certificate.expiring' AND "
      "e.occurrence = certificates.expires_at::text) ORDER BY expires_at LIMIT $3",
      Params().Int(ToUnixMillis(now)).Int(ToUnixMillis(until)).Int(int64_t{limit}),
      /*with_pems=*/false);
}

}  // namespace certadns::store::postgres
