// Notifications: an account's webhooks and email settings (for the API), and the engine's
// Notifier that records each certificate event once and queues its deliveries
// (store/notification_store.h). Delivery itself is DeliveryWorker's. Webhook secrets are
// random, shown once at creation and sealed with the SecretBox like private keys.
// Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/secret_box.h"
#include "issuance/notifier.h"
#include "store/notification_store.h"

namespace certadns::notify {

/// The event types a webhook may subscribe to.
inline constexpr const char* kEventTypes[] = {
    "certificate.issued",  "certificate.renewed",          "certificate.failed",
    "certificate.expiring", "certificate.renewal_overdue",
};
/// The type of the event POST /webhooks/{id}/test sends.
inline constexpr char kTestEventType[] = "webhook.test";

struct NotificationConfig {
  bool allow_private_targets = false;  // webhooks to private/loopback addresses
  bool email = false;                  // an SMTP relay is configured
  int max_webhooks_per_account = 5;
  core::Duration expiry_warning{std::chrono::hours(24 * 7)};
};

/// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>": X-CertaDNS-Signature.
std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body);

struct CreatedWebhook {
  store::Webhook webhook;
  std::string secret;  // shown once
};

class Notifications final : public issuance::Notifier {
 public:
  /// `wake` is called when deliveries were queued (the delivery worker's Wake).
  Notifications(store::NotificationStore& store, const crypto::SecretBox& box,
                const core::Clock& clock, NotificationConfig config,
                std::function<void()> wake = {});

  /// kInvalidArgument for a refused URL or an unknown event type (or none);
  /// kResourceExhausted past max_webhooks_per_account.
  core::Result<CreatedWebhook> CreateWebhook(const std::string& owner_id, const std::string& url,
                                             const std::vector<std::string>& events);
  /// Queues a webhook.test delivery to the owner's webhook; kNotFound for another's.
  core::Result<store::Delivery> SendTest(const std::string& owner_id,
                                         const std::string& webhook_id);

  // issuance::Notifier
  void Issued(const core::Certificate& c, const store::Job& job) override;
  void Failed(const core::Certificate& c, const store::Job& job, const std::string& reason,
              core::TimePoint now) override;
  void Sweep(core::TimePoint now) override;

  store::NotificationStore& store() { return store_; }
  int max_webhooks_per_account() const { return config_.max_webhooks_per_account; }
  /// Whether emails can be sent (an SMTP relay is configured).
  bool email_available() const { return config_.email; }

 private:
  void Record(const core::Certificate& c, const std::string& type,
              const std::string& occurrence, const std::string& reason, core::TimePoint now);

  store::NotificationStore& store_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  const NotificationConfig config_;
  const std::function<void()> wake_;
};

}  // namespace certadns::notify
