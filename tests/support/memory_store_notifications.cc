// MemoryStore's NotificationStore: webhooks, recorded events and the delivery queue.
#include <algorithm>

#include "support/memory_store.h"

namespace certadns::test {

using store::Delivery;
using store::Webhook;

core::Status MemoryStore::CreateWebhook(const Webhook& webhook, int max_per_owner) {
  std::lock_guard lock(mutex_);
  auto owned = std::count_if(webhooks_.begin(), webhooks_.end(),
                             [&](const Webhook& w) { return w.owner_id == webhook.owner_id; });
  if (owned >= max_per_owner) {
    return core::Error(core::ErrorCode::kResourceExhausted, "webhook limit reached");
  }
  if (FindUser(webhook.owner_id) == nullptr) return core::NotFound("user " + webhook.owner_id);
  for (const Webhook& w : webhooks_) {
    if (w.id == webhook.id) return core::AlreadyExists("webhook " + webhook.id);
  }
  Webhook stored = webhook;
  stored.created_at = StoredTime(webhook.created_at);
  webhooks_.push_back(std::move(stored));
  return core::Ok();
}

core::Result<std::vector<Webhook>> MemoryStore::ListWebhooks(const std::string& owner_id) {
  std::lock_guard lock(mutex_);
  std::vector<Webhook> out;
  for (const Webhook& w : webhooks_) {
    if (w.owner_id == owner_id) out.push_back(w);
  }
  return out;
}

core::Result<Webhook> MemoryStore::GetWebhook(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  for (const Webhook& w : webhooks_) {
    if (w.owner_id == owner_id && w.id == id) return w;
  }
  return core::NotFound("webhook " + id);
}

core::Result<Webhook> MemoryStore::GetWebhookForWorker(const std::string& id) {
  std::lock_guard lock(mutex_);
  for (const Webhook& w : webhooks_) {
    if (w.id == id) return w;
  }
  return core::NotFound("webhook " + id);
}

core::Status MemoryStore::DeleteWebhook(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(webhooks_.begin(), webhooks_.end(), [&](const Webhook& w) {
    return w.owner_id == owner_id && w.id == id;
  });
  if (it == webhooks_.end()) return core::NotFound("webhook " + id);
  webhooks_.erase(it);
  std::erase_if(deliveries_, [&](const Delivery& d) { return d.webhook_id == id; });
  return core::Ok();
}

core::Result<bool> MemoryStore::RecordEvent(const store::NotificationEvent& e, bool email) {
  std::lock_guard lock(mutex_);
  if (FindUser(e.owner_id) == nullptr) return core::NotFound("user " + e.owner_id);
  std::string key = e.certificate_id + "|" + e.type + "|" + e.occurrence;
  if (!notified_.emplace(key, e.owner_id).second) return false;
  auto queue = [&](store::Channel channel, const std::string& webhook_id) {
    Delivery d{.id = "dlv_" + std::to_string(++sequence_),
               .owner_id = e.owner_id,
               .channel = channel,
               .webhook_id = webhook_id,
               .event_type = e.type,
               .body = e.body,
               .created_at = StoredTime(e.created_at),
               .next_attempt_at = StoredTime(e.created_at)};
    deliveries_.push_back(std::move(d));
  };
  for (const Webhook& w : webhooks_) {
    if (w.owner_id == e.owner_id &&
        std::find(w.events.begin(), w.events.end(), e.type) != w.events.end()) {
      queue(store::Channel::kWebhook, w.id);
    }
  }
  if (email) queue(store::Channel::kEmail, "");
  return true;
}

core::Status MemoryStore::EnqueueDelivery(const Delivery& delivery) {
  std::lock_guard lock(mutex_);
  if (delivery.channel == store::Channel::kWebhook &&
      std::none_of(webhooks_.begin(), webhooks_.end(), [&](const Webhook& w) {
        return w.owner_id == delivery.owner_id && w.id == delivery.webhook_id;
      })) {
    return core::NotFound("webhook " + delivery.webhook_id);
  }
  Delivery d = delivery;
  d.created_at = StoredTime(d.created_at);
  d.next_attempt_at = StoredTime(d.next_attempt_at);
  deliveries_.push_back(std::move(d));
  return core::Ok();
}

core::Result<std::vector<Delivery>> MemoryStore::ClaimDeliveries(core::TimePoint now, int limit,
                                                                 core::TimePoint lease_until) {
  std::lock_guard lock(mutex_);
  std::vector<Delivery*> due;
  for (Delivery& d : deliveries_) {
    if (d.state == "pending" && d.next_attempt_at <= now) due.push_back(&d);
  }
  std::stable_sort(due.begin(), due.end(), [](const Delivery* a, const Delivery* b) {
    return a->next_attempt_at < b->next_attempt_at;
  });
  std::vector<Delivery> out;
  for (Delivery* d : due) {
    if (static_cast<int>(out.size()) >= limit) break;
    d->next_attempt_at = StoredTime(lease_until);
    out.push_back(*d);
  }
  return out;
}

core::Status MemoryStore::RecordAttempt(const std::string& id,
                                        const store::DeliveryAttempt& attempt) {
  std::lock_guard lock(mutex_);
  for (Delivery& d : deliveries_) {
    if (d.id != id) continue;
    d.attempts++;
    d.state = attempt.delivered ? "delivered" : attempt.retry_at ? "pending" : "failed";
    d.last_status = attempt.status;
    d.last_error = attempt.error;
    if (!attempt.delivered && attempt.retry_at) d.next_attempt_at = StoredTime(*attempt.retry_at);
    return core::Ok();
  }
  return core::NotFound("delivery " + id);
}

core::Result<std::vector<Delivery>> MemoryStore::ListDeliveries(const std::string& owner_id,
                                                                const std::string& webhook_id,
                                                                int limit) {
  std::lock_guard lock(mutex_);
  if (std::none_of(webhooks_.begin(), webhooks_.end(), [&](const Webhook& w) {
        return w.owner_id == owner_id && w.id == webhook_id;
      })) {
    return core::NotFound("webhook " + webhook_id);
  }
  std::vector<Delivery> out;
  for (auto it = deliveries_.rbegin(); it != deliveries_.rend(); ++it) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (it->webhook_id == webhook_id) out.push_back(*it);
  }
  std::stable_sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return a.created_at > b.created_at;
  });
  return out;
}

core::Result<int> MemoryStore::PruneDeliveries(core::TimePoint before) {
  std::lock_guard lock(mutex_);
  auto gone = std::erase_if(deliveries_, [&](const Delivery& d) {
    return d.state != "pending" && d.created_at < before;
  });
  return static_cast<int>(gone);
}

core::Result<std::optional<core::TimePoint>> MemoryStore::NextDeliveryDue() {
  std::lock_guard lock(mutex_);
  std::optional<core::TimePoint> next;
  for (const Delivery& d : deliveries_) {
    if (d.state == "pending" && (!next || d.next_attempt_at < *next)) next = d.next_attempt_at;
  }
  return next;
}

core::Result<store::NotificationSettings> MemoryStore::GetNotificationSettings(
    const std::string& owner_id) {
  std::lock_guard lock(mutex_);
  auto it = notification_settings_.find(owner_id);
  return it == notification_settings_.end() ? store::NotificationSettings{} : it->second;
}

core::Status MemoryStore::PutNotificationSettings(const std::string& owner_id,
                                                  const store::NotificationSettings& settings) {
  std::lock_guard lock(mutex_);
  if (FindUser(owner_id) == nullptr) return core::NotFound("user " + owner_id);
  notification_settings_[owner_id] = settings;
  return core::Ok();
}

core::Result<std::vector<core::Certificate>> MemoryStore::ListExpiringUnplanned(
    core::TimePoint now, core::TimePoint until, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<core::Certificate> out;
  for (const auto& [id, row] : certificates_) {
    const core::Certificate& c = row.certificate;
    if (c.status != core::CertificateState::kIssued || c.auto_renew || !c.expires_at ||
        *c.expires_at <= now || *c.expires_at > until) {
      continue;
    }
    std::string key = c.id + "|certificate.expiring|" +
                      std::to_string(core::ToUnixMillis(*c.expires_at));
    if (notified_.contains(key)) continue;
    core::Certificate listed = c;
    listed.has_certificate = !c.certificate_pem.empty();
    listed.certificate_pem.clear();
    listed.chain_pem.clear();
    out.push_back(std::move(listed));
  }
  std::sort(out.begin(), out.end(), [](const core::Certificate& a, const core::Certificate& b) {
    return *a.expires_at < *b.expires_at;
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

}  // namespace certadns::test
