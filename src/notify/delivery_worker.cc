#include "notify/delivery_worker.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/text.h"
#include "notify/notifications.h"

namespace certadns::notify {
namespace {

double RandomJitter() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

std::string Field(const nlohmann::json& object, const char* name) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_string()) return "";
  return object[name].get<std::string>();
}

}  // namespace

http::Mail MailFor(const std::string& to, const std::string& event_body) {
  nlohmann::json event = nlohmann::json::parse(event_body, nullptr, false);
  const std::string type = Field(event, "type");
  nlohmann::json cert = event.is_object() ? event.value("certificate", nlohmann::json()) : nullptr;
  const std::string domain = core::SafeText(Field(cert, "domain"), 253);
  const std::string expires = Field(cert, "expires_at");
  const std::string reason = Field(event, "reason");
  http::Mail mail;
  mail.to = to;
  if (type == "certificate.expiring") {
    mail.subject = "Certificate for " + domain + " expires soon";
    mail.text = "The certificate for " + domain + " expires at " + expires +
                " and no renewal is planned (auto-renewal is off).\n"
                "Renew it in the dashboard or with POST /api/v1/certificates/" +
                Field(cert, "id") + "/renew.\n";
  } else if (type == "certificate.renewal_overdue") {
    mail.subject = "Renewal of the certificate for " + domain + " is overdue";
    mail.text = "Renewing the certificate for " + domain + " failed: " + reason +
                "\nThe current certificate expires at " + expires +
                ". Check the certificate's log and renew it.\n";
  } else if (type == "certificate.failed") {
    mail.subject = "Certificate for " + domain + " failed";
    mail.text = "Issuing or renewing the certificate for " + domain + " failed: " + reason +
                "\nCheck the certificate's log for details.\n";
  } else {
    const bool renewed = type == "certificate.renewed";
    mail.subject = "Certificate for " + domain + (renewed ? " renewed" : " issued");
    mail.text = "The certificate for " + domain + (renewed ? " was renewed" : " was issued") +
                "; it expires at " + expires + ".\n";
  }
  mail.subject = "[CertaDNS] " + core::SafeText(mail.subject, 200);
  std::replace(mail.subject.begin(), mail.subject.end(), '\n', ' ');
  std::replace(mail.subject.begin(), mail.subject.end(), '\r', ' ');
  return mail;
}

DeliveryWorker::DeliveryWorker(store::NotificationStore& store, store::AccountStore& accounts,
                               const crypto::SecretBox& box, const core::Clock& clock,
                               http::WebhookClient& webhooks, http::MailSender* mail,
                               DeliveryConfig config)
    : store_(store),
      accounts_(accounts),
      box_(box),
      clock_(clock),
      webhooks_(webhooks),
      mail_(mail),
      config_(std::move(config)) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

core::Duration DeliveryWorker::RetryDelay(int attempts) {
  core::Duration base = config_.first_retry;
  for (int i = 1; i < attempts && base < config_.max_retry; ++i) base *= 2;
  base = std::min(base, config_.max_retry);
  double r = std::clamp(config_.jitter ? config_.jitter() : RandomJitter(), 0.0, 1.0);
  return base + core::Duration(static_cast<int64_t>(static_cast<double>(base.count()) * r / 2));
}

void DeliveryWorker::Run() {
  while (true) {
    core::Duration wait = config_.idle_wakeup;
    try {
      RunOnce();
      if (clock_.Now() - last_prune_ >= std::chrono::hours(1)) {
        last_prune_ = clock_.Now();
        if (auto pruned = store_.PruneDeliveries(last_prune_ - config_.keep); !pruned.ok()) {
          spdlog::warn("notify: cannot prune old deliveries: {}", pruned.error().message());
        }
      }
      auto next = store_.NextDeliveryDue();
      if (next.ok() && next->has_value()) {
        auto until = std::chrono::duration_cast<core::Duration>(**next - clock_.Now());
        wait = std::clamp(until, core::Duration(0), config_.idle_wakeup);
      }
    } catch (const std::exception& e) {
      spdlog::error("notify: delivery pass failed: {}", e.what());
    } catch (...) {
      spdlog::error("notify: delivery pass failed");
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, wait, [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

int DeliveryWorker::RunOnce() {
  int attempted = 0;
  // Bounded: at most 50 batches a pass, so a flood never holds the loop.
  for (int round = 0; round < 50; ++round) {
    const core::TimePoint now = clock_.Now();
    auto claimed = store_.ClaimDeliveries(now, config_.batch, now + config_.lease);
    if (!claimed.ok()) {
      spdlog::warn("notify: cannot claim deliveries: {}", claimed.error().message());
      break;
    }
    for (const store::Delivery& d : *claimed) {
      {
        std::lock_guard lock(mutex_);
        if (stop_) return attempted;
      }
      store::DeliveryAttempt attempt = Deliver(d);
      if (!attempt.delivered && d.attempts + 1 < config_.max_attempts) {
        attempt.retry_at = clock_.Now() + RetryDelay(d.attempts + 1);
      }
      if (auto recorded = store_.RecordAttempt(d.id, attempt); !recorded.ok()) {
        spdlog::warn("notify: cannot record delivery {}: {}", d.id, recorded.error().message());
      }
      ++attempted;
    }
    if (static_cast<int>(claimed->size()) < config_.batch) break;
  }
  return attempted;
}

store::DeliveryAttempt DeliveryWorker::Deliver(const store::Delivery& d) {
  return d.channel == store::Channel::kEmail ? SendEmail(d) : SendWebhook(d);
}

store::DeliveryAttempt DeliveryWorker::SendWebhook(const store::Delivery& d) {
  store::DeliveryAttempt out;
  auto hook = store_.GetWebhookForWorker(d.webhook_id);
  if (!hook.ok()) {
    out.error = "webhook deleted";
    return out;
  }
  auto secret = box_.Open(hook->sealed_secret, hook->id);
  if (!secret.ok()) {
    out.error = "cannot open the webhook's secret";
    return out;
  }
  const int64_t t = core::ToUnixMillis(clock_.Now()) / 1000;
  std::vector<http::Header> headers = {
      {"Content-Type", "application/json"},
      {"X-CertaDNS-Event", d.event_type},
      {"X-CertaDNS-Delivery", d.id},
      {"X-CertaDNS-Signature", SignatureHeader(secret->reveal(), t, d.body)},
  };
  auto status = webhooks_.Post(hook->url, headers, d.body);
  if (!status.ok()) {
    out.error = core::SafeText(status.error().message(), 300);
    return out;
  }
  out.status = static_cast<int>(*status);
  out.delivered = *status >= 200 && *status < 300;
  if (!out.delivered) out.error = "HTTP " + std::to_string(*status);
  return out;
}

store::DeliveryAttempt DeliveryWorker::SendEmail(const store::Delivery& d) {
  store::DeliveryAttempt out;
  if (mail_ == nullptr) {
    out.error = "no SMTP relay configured";
    return out;
  }
  auto user = accounts_.GetUser(d.owner_id);
  if (!user.ok()) {
    out.error = "account gone";
    return out;
  }
  auto sent = mail_->Send(MailFor(user->email, d.body));
  if (!sent.ok()) {
    out.error = core::SafeText(sent.error().message(), 300);
    return out;
  }
  out.delivered = true;
  return out;
}

}  // namespace certadns::notify
