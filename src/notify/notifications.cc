#include "notify/notifications.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/text.h"
#include "crypto/encoding.h"
#include "http/outbound.h"
#include "notify/certificate_object.h"

namespace certadns::notify {
namespace {

std::string Millis(core::TimePoint t) { return std::to_string(core::ToUnixMillis(t)); }

}  // namespace

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string t = std::to_string(unix_seconds);
  std::string signed_text = t + "." + std::string(body);
  return "t=" + t + ",v1=" + crypto::HexEncode(crypto::HmacSha256(secret, signed_text));
}

Notifications::Notifications(store::NotificationStore& store, const crypto::SecretBox& box,
                             const core::Clock& clock, NotificationConfig config,
                             std::function<void()> wake)
    : store_(store), box_(box), clock_(clock), config_(config), wake_(std::move(wake)) {}

core::Result<CreatedWebhook> Notifications::CreateWebhook(const std::string& owner_id,
                                                          const std::string& url,
                                                          const std::vector<std::string>& events) {
  if (events.empty()) return core::InvalidArgument("events must name at least one event type");
  for (const std::string& e : events) {
    if (std::none_of(std::begin(kEventTypes), std::end(kEventTypes),
                     [&](const char* known) { return e == known; })) {
      return core::InvalidArgument("unknown event type '" + core::SafeText(e, 64) + "'");
    }
  }
  RETURN_IF_ERROR(http::CheckWebhookUrl(url, config_.allow_private_targets));
  std::vector<std::string> unique;
  for (const std::string& e : events) {
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  }
  CreatedWebhook created;
  created.secret = "whsec_" + crypto::HexEncode(crypto::RandomBytes(32));
  store::Webhook& w = created.webhook;
  w.id = crypto::RandomId("whk");
  w.owner_id = owner_id;
  w.url = url;
  w.events = std::move(unique);
  w.created_at = clock_.Now();
  ASSIGN_OR_RETURN(w.sealed_secret, box_.Seal(created.secret, w.id));
  RETURN_IF_ERROR(store_.CreateWebhook(w, config_.max_webhooks_per_account));
  return created;
}

core::Result<store::Delivery> Notifications::SendTest(const std::string& owner_id,
                                                      const std::string& webhook_id) {
  const core::TimePoint now = clock_.Now();
  nlohmann::json body = {{"type", kTestEventType},
                         {"created_at", core::FormatRfc3339(now)},
                         {"certificate", nullptr}};
  store::Delivery d{.id = crypto::RandomId("dlv"),
                    .owner_id = owner_id,
                    .channel = store::Channel::kWebhook,
                    .webhook_id = webhook_id,
                    .event_type = kTestEventType,
                    .body = body.dump(),
                    .created_at = now,
                    .next_attempt_at = now};
  RETURN_IF_ERROR(store_.EnqueueDelivery(d));
  if (wake_) wake_();
  return d;
}

void Notifications::Record(const core::Certificate& c, const std::string& type,
                           const std::string& occurrence, const std::string& reason,
                           core::TimePoint now) {
  nlohmann::json body = {{"type", type},
                         {"created_at", core::FormatRfc3339(now)},
                         {"certificate", CertificateObject(c)}};
  if (!reason.empty()) body["reason"] = core::SafeText(reason);
  bool email = false;
  if (config_.email) {
    auto settings = store_.GetNotificationSettings(c.owner_id);
    bool success = type == "certificate.issued" || type == "certificate.renewed";
    email = settings.ok() && settings->email_enabled && (!success || settings->email_success);
  }
  store::NotificationEvent event{c.owner_id, c.id, type, occurrence, body.dump(), now};
  auto recorded = store_.RecordEvent(event, email);
  if (!recorded.ok()) {
    spdlog::warn("notify: cannot record {} for {}: {}", type, c.id, recorded.error().message());
  } else if (*recorded && wake_) {
    wake_();
  }
}

void Notifications::Issued(const core::Certificate& c, const store::Job& job) {
  const bool renewal = job.kind == store::JobKind::kRenew;
  const core::TimePoint now = clock_.Now();
  Record(c, renewal ? "certificate.renewed" : "certificate.issued", c.serial, "", now);
  // A short-lived certificate without auto-renewal is expiring from the start: say so now,
  // not at the sweep's next pass (it records the same occurrence, so once only).
  if (!c.auto_renew && c.expires_at && *c.expires_at <= now + config_.expiry_warning) {
    Record(c, "certificate.expiring", Millis(*c.expires_at), "", now);
  }
}

void Notifications::Failed(const core::Certificate& c, const store::Job& job,
                           const std::string& reason, core::TimePoint now) {
  Record(c, "certificate.failed", job.id, reason, now);
  if (job.kind == store::JobKind::kRenew && c.next_renewal_at && *c.next_renewal_at <= now &&
      c.status == core::CertificateState::kIssued) {
    Record(c, "certificate.renewal_overdue", Millis(*c.next_renewal_at), reason, now);
  }
}

void Notifications::Sweep(core::TimePoint now) {
  // Bounded per tick; the ones left over are told at the next.
  auto expiring = store_.ListExpiringUnplanned(now, now + config_.expiry_warning, 200);
  if (!expiring.ok()) {
    spdlog::warn("notify: cannot list expiring certificates: {}", expiring.error().message());
    return;
  }
  for (const core::Certificate& c : *expiring) {
    Record(c, "certificate.expiring", Millis(*c.expires_at), "", now);
  }
}

}  // namespace certadns::notify
