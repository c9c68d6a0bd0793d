// NotificationStore: an account's webhooks, the notification events sent about its
// certificates (each recorded once, so a restart or a second node never repeats one) and the
// durable queue of their deliveries (webhook POSTs and emails) with each attempt's outcome.
// Tenant data is read with its owner; the delivery worker's reads (ClaimDeliveries,
// GetWebhookForWorker) are the only ones by id alone. Every method is atomic;
// implementations are thread-safe and safe to share between processes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"

namespace certadns::store {

struct Webhook {
  std::string id;        // "whk_..."
  std::string owner_id;
  std::string url;
  std::vector<std::string> events;  // the event types it receives
  std::string sealed_secret;        // SecretBox::Seal(secret, id)
  core::TimePoint created_at;
};

/// Where a delivery goes.
enum class Channel { kWebhook, kEmail };

struct Delivery {
  std::string id;  // "dlv_..." (RecordEvent makes the ids of the deliveries it queues)
  std::string owner_id;
  Channel channel = Channel::kWebhook;
  std::string webhook_id;  // kWebhook only
  std::string event_type;  // "certificate.issued", ...
  std::string body;        // the JSON sent (webhook) or the event's JSON (email)
  core::TimePoint created_at;
  core::TimePoint next_attempt_at;
  int attempts = 0;
  /// "pending" (an attempt is due at next_attempt_at), "delivered" or "failed" (gave up).
  std::string state = "pending";
  std::optional<int> last_status;  // the last attempt's HTTP status (or SMTP reply code)
  std::string last_error;          // the last attempt's error, "" when none
};

/// One notification about one occurrence of a certificate's event: (certificate_id, type,
/// occurrence) is recorded once only. The occurrence names it: the serial for issued and
/// renewed, the job for failed, next_renewal_at for renewal_overdue, and for
/// certificate.expiring the expires_at in Unix milliseconds (ListExpiringUnplanned relies on
/// that one).
struct NotificationEvent {
  std::string owner_id;
  std::string certificate_id;
  std::string type;
  std::string occurrence;
  std::string body;  // the JSON payload
  core::TimePoint created_at;
};

/// The outcome of one delivery attempt.
struct DeliveryAttempt {
  bool delivered = false;
  std::optional<int> status;
  std::string error;
  /// When to try again; nullopt: give up (state "failed") unless delivered.
  std::optional<core::TimePoint> retry_at;
};

/// An account's email settings: failures, overdue renewals and expiry warnings go to the
/// account's email when `email_enabled`; issued and renewed too with `email_success`.
struct NotificationSettings {
  bool email_enabled = true;
  bool email_success = false;
};

/// A webhook's event types as the backends store them: ",a,b," (so one type matches by
/// searching for ",type,"), and back.
std::string JoinEventTypes(const std::vector<std::string>& events);
std::vector<std::string> SplitEventTypes(const std::string& joined);

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  /// Adds a webhook. kResourceExhausted when the owner already has `max_per_owner`.
  virtual core::Status CreateWebhook(const Webhook& webhook, int max_per_owner) = 0;
  /// The owner's webhooks, oldest first.
  virtual core::Result<std::vector<Webhook>> ListWebhooks(const std::string& owner_id) = 0;
  /// kNotFound when missing or not `owner_id`'s.
  virtual core::Result<Webhook> GetWebhook(const std::string& owner_id, const std::string& id) = 0;
  /// Deletes the webhook and its deliveries; kNotFound when missing or not `owner_id`'s.
  virtual core::Status DeleteWebhook(const std::string& owner_id, const std::string& id) = 0;
  /// The delivery worker's read; kNotFound when the webhook was deleted.
  virtual core::Result<Webhook> GetWebhookForWorker(const std::string& id) = 0;

  /// Records `event` unless it was recorded before, and in the same transaction queues
  /// one delivery (due at event.created_at) for each of the owner's webhooks subscribed to
  /// its type, plus an email delivery when `email` is set. False when it was known
  /// (nothing queued).
  virtual core::Result<bool> RecordEvent(const NotificationEvent& event, bool email) = 0;
  /// Queues one delivery (a test event); kNotFound when its webhook is not the owner's.
  virtual core::Status EnqueueDelivery(const Delivery& delivery) = 0;
  /// Claims up to `limit` pending deliveries due at `now`: each one's next_attempt_at moves
  /// to `lease_until`, so no other worker takes it meanwhile. Oldest due first.
  virtual core::Result<std::vector<Delivery>> ClaimDeliveries(core::TimePoint now, int limit,
                                                              core::TimePoint lease_until) = 0;
  /// Records an attempt on the delivery: attempts + 1, the status, and its next state.
  virtual core::Status RecordAttempt(const std::string& delivery_id,
                                     const DeliveryAttempt& attempt) = 0;
  /// The webhook's most recent deliveries, newest first; kNotFound when the webhook is not
  /// the owner's.
  virtual core::Result<std::vector<Delivery>> ListDeliveries(const std::string& owner_id,
                                                             const std::string& webhook_id,
                                                             int limit) = 0;
  /// Deletes delivered and failed deliveries created before `before` (pending ones stay);
  /// returns how many went.
  virtual core::Result<int> PruneDeliveries(core::TimePoint before) = 0;
  /// When the next pending delivery is due, nullopt when none is.
  virtual core::Result<std::optional<core::TimePoint>> NextDeliveryDue() = 0;

  virtual core::Result<NotificationSettings> GetNotificationSettings(
      const std::string& owner_id) = 0;
  virtual core::Status PutNotificationSettings(const std::string& owner_id,
                                               const NotificationSettings& settings) = 0;

  /// Issued certificates expiring in (now, until] with no renewal planned (auto-renewal
  /// off) and no certificate.expiring event recorded for that expiry, up to `limit`,
  /// soonest first.
  virtual core::Result<std::vector<core::Certificate>> ListExpiringUnplanned(
      core::TimePoint now, core::TimePoint until, int limit) = 0;
};

}  // namespace certadns::store
