// /webhooks and /notifications: the calling account's webhooks (create with the secret
// shown once, list, get, delete, send a test event, recent deliveries) and its email
// settings. Another account's webhook answers 404, as a missing one does.
#include "api/dto.h"
#include "api/routes.h"
#include "core/errors.h"
#include "notify/notifications.h"

namespace certadns::api {
namespace {

constexpr int kDeliveriesShown = 50;

nlohmann::json WebhookJson(const store::Webhook& w) {
  return {{"id", w.id},
          {"url", w.url},
          {"events", w.events},
          {"created_at", core::FormatRfc3339(w.created_at)}};
}

nlohmann::json DeliveryJson(const store::Delivery& d) {
  nlohmann::json status = nullptr;
  if (d.last_status) status = *d.last_status;
  return {{"id", d.id},
          {"event_type", d.event_type},
          {"state", d.state},
          {"attempts", d.attempts},
          {"status_code", status},
          {"error", d.last_error},
          {"created_at", core::FormatRfc3339(d.created_at)},
          {"next_attempt_at",
           d.state == "pending" ? nlohmann::json(core::FormatRfc3339(d.next_attempt_at))
                                : nlohmann::json(nullptr)}};
}

core::Result<notify::Notifications*> NotificationsOf(Services& s) {
  if (s.notifications == nullptr) return core::errors::NotificationsUnavailable();
  return s.notifications;
}

/// The store's kNotFound for a webhook, as the API says it.
core::Status WebhookError(const core::Error& error) {
  if (error.code() == core::ErrorCode::kNotFound) return core::errors::WebhookNotFound();
  return error;
}

bool IsWebhookId(const std::string& id) { return id.rfind("whk_", 0) == 0 && id.size() < 64; }

}  // namespace

core::Result<Reply> HandleWebhooksGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  ASSIGN_OR_RETURN(auto hooks, n->store().ListWebhooks(call.user().id));
  nlohmann::json list = nlohmann::json::array();
  for (const store::Webhook& w : hooks) list.push_back(WebhookJson(w));
  return Reply{200, {{"webhooks", list}}};
}

core::Result<Reply> HandleWebhooksPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(std::optional<std::string> url, OptionalString(body, "url"));
  ASSIGN_OR_RETURN(std::vector<std::string> events, OptionalStringList(body, "events"));
  if (!url || url->empty()) return core::errors::InvalidWebhook("url is required");
  auto created = n->CreateWebhook(call.user().id, *url, events);
  if (!created.ok()) {
    const core::Error& e = created.error();
    if (e.code() == core::ErrorCode::kInvalidArgument) {
      return core::errors::InvalidWebhook(e.message());
    }
    if (e.code() == core::ErrorCode::kResourceExhausted) {
      return core::errors::WebhookLimitReached(n->max_webhooks_per_account());
    }
    return e;
  }
  nlohmann::json json = WebhookJson(created->webhook);
  json["secret"] = created->secret;  // the only time the secret is shown
  return Reply{201, json};
}

core::Result<Reply> HandleWebhookGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  if (!IsWebhookId(call.params[0])) return core::errors::WebhookNotFound();
  auto hook = n->store().GetWebhook(call.user().id, call.params[0]);
  if (!hook.ok()) return WebhookError(hook.error()).error();
  return Reply{200, WebhookJson(*hook)};
}

core::Result<Reply> HandleWebhookDelete(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  if (!IsWebhookId(call.params[0])) return core::errors::WebhookNotFound();
  auto deleted = n->store().DeleteWebhook(call.user().id, call.params[0]);
  if (!deleted.ok()) return WebhookError(deleted.error()).error();
  return Reply{200, {{"deleted", true}}};
}

core::Result<Reply> HandleWebhookTestPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  if (!IsWebhookId(call.params[0])) return core::errors::WebhookNotFound();
  auto queued = n->SendTest(call.user().id, call.params[0]);
  if (!queued.ok()) return WebhookError(queued.error()).error();
  return Reply{202, {{"delivery", DeliveryJson(*queued)}}};
}

core::Result<Reply> HandleWebhookDeliveriesGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  if (!IsWebhookId(call.params[0])) return core::errors::WebhookNotFound();
  auto deliveries = n->store().ListDeliveries(call.user().id, call.params[0], kDeliveriesShown);
  if (!deliveries.ok()) return WebhookError(deliveries.error()).error();
  nlohmann::json list = nlohmann::json::array();
  for (const store::Delivery& d : *deliveries) list.push_back(DeliveryJson(d));
  return Reply{200, {{"deliveries", list}}};
}

namespace {
core::Result<Reply> SettingsReply(notify::Notifications& n, const Call& call) {
  ASSIGN_OR_RETURN(store::NotificationSettings settings,
                   n.store().GetNotificationSettings(call.user().id));
  return Reply{200,
               {{"email",
                 {{"enabled", settings.email_enabled},
                  {"success", settings.email_success},
                  {"address", call.user().email},
                  {"available", n.email_available()}}}}};
}
}  // namespace

core::Result<Reply> HandleNotificationsGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  return SettingsReply(*n, call);
}

core::Result<Reply> HandleNotificationsPut(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(notify::Notifications * n, NotificationsOf(s));
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  if (!body.contains("email") || !body["email"].is_object()) {
    return core::errors::InvalidRequest("email must be an object");
  }
  ASSIGN_OR_RETURN(store::NotificationSettings settings,
                   n->store().GetNotificationSettings(call.user().id));
  ASSIGN_OR_RETURN(std::optional<bool> enabled, OptionalBool(body["email"], "enabled"));
  ASSIGN_OR_RETURN(std::optional<bool> success, OptionalBool(body["email"], "success"));
  if (enabled) settings.email_enabled = *enabled;
  if (success) settings.email_success = *success;
  RETURN_IF_ERROR(n->store().PutNotificationSettings(call.user().id, settings));
  return SettingsReply(*n, call);
}

}  // namespace certadns::api
