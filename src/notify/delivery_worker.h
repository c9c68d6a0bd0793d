// DeliveryWorker: one background thread that claims due deliveries (store's durable queue)
// and sends them: webhooks as a signed JSON POST (X-CertaDNS-Signature), emails through the
// MailSender. A failed attempt is retried with exponential backoff and jitter (first_retry
// doubling up to max_retry, for max_attempts attempts, about a day); each attempt's status
// lands in the delivery log. It never blocks issuance (it has its own thread and clients)
// and no exception leaves its thread. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "crypto/secret_box.h"
#include "http/outbound.h"
#include "store/account_store.h"
#include "store/notification_store.h"

namespace certadns::notify {

struct DeliveryConfig {
  int max_attempts = 12;
  core::Duration first_retry{std::chrono::minutes(1)};
  core::Duration max_retry{std::chrono::hours(8)};
  /// How long a claimed delivery is held before another worker may take it.
  core::Duration lease{std::chrono::minutes(2)};
  /// Longest idle wait: bounds how late a delivery queued by another node is noticed.
  core::Duration idle_wakeup{std::chrono::seconds(5)};
  int batch = 20;
  /// Delivered and failed deliveries are kept this long (the delivery log), then pruned.
  core::Duration keep{std::chrono::hours(24 * 30)};
  /// Jitter source: a number in [0, 1). Null: a random one.
  std::function<double()> jitter;
};

class DeliveryWorker {
 public:
  /// `mail` may be null: email deliveries then fail with that reason.
  DeliveryWorker(store::NotificationStore& store, store::AccountStore& accounts,
                 const crypto::SecretBox& box, const core::Clock& clock,
                 http::WebhookClient& webhooks, http::MailSender* mail, DeliveryConfig config);
  ~DeliveryWorker();

  void Start();
  /// Stops after the current delivery; idempotent.
  void Stop();
  /// Deliveries were queued: look now.
  void Wake();
  /// Sends every delivery due now (in batches); returns how many were attempted.
  int RunOnce();
  /// The wait before attempt `attempts` + 1, after `attempts` failed ones (with jitter).
  core::Duration RetryDelay(int attempts);

 private:
  void Run();
  store::DeliveryAttempt Deliver(const store::Delivery& d);
  store::DeliveryAttempt SendWebhook(const store::Delivery& d);
  store::DeliveryAttempt SendEmail(const store::Delivery& d);

  store::NotificationStore& store_;
  store::AccountStore& accounts_;
  const crypto::SecretBox& box_;
  const core::Clock& clock_;
  http::WebhookClient& webhooks_;
  http::MailSender* mail_;
  const DeliveryConfig config_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;   // guarded by mutex_
  bool woken_ = false;  // guarded by mutex_
  core::TimePoint last_prune_{};  // the worker thread's own
  std::thread thread_;
};

/// The subject and text of the email for an event's JSON body.
http::Mail MailFor(const std::string& to, const std::string& event_body);

}  // namespace certadns::notify
