// The NotificationStore contract (store/notification_store.h), on every backend that keeps
// notifications: webhooks are the owner's, an event is recorded once and queues one
// delivery per subscribed webhook, deliveries are claimed once and keep each attempt.
#include <gtest/gtest.h>

#include <string>

#include "store/notification_store.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

class NotificationStoreContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    notifications_ = dynamic_cast<NotificationStore*>(store_.get());
    if (notifications_ == nullptr) GTEST_SKIP() << GetParam().name << " keeps no notifications";
  }

  Webhook Hook(const std::string& id, const std::string& owner,
               std::vector<std::string> events = {"certificate.issued", "certificate.failed"}) {
    return Webhook{id, owner, "https://hooks.example/" + id, std::move(events), "sealed",
                   clock_.Now()};
  }

  NotificationEvent Event(const std::string& type, const std::string& occurrence,
                          const std::string& owner = kAlice) {
    return NotificationEvent{owner, "cert_1", type, occurrence, "{\"type\":\"" + type + "\"}",
                             clock_.Now()};
  }

  NotificationStore* notifications_ = nullptr;
};

TEST_P(NotificationStoreContract, WebhooksAreTheOwnersOnly) {
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_1", kAlice), 3).ok());
  auto mine = notifications_->GetWebhook(kAlice, "whk_1");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->url, "https://hooks.example/whk_1");
  EXPECT_EQ(mine->events, (std::vector<std::string>{"certificate.issued", "certificate.failed"}));
  EXPECT_EQ(mine->sealed_secret, "sealed");
  EXPECT_EQ(notifications_->GetWebhook(kBob, "whk_1").error().code(), core::ErrorCode::kNotFound);
  EXPECT_EQ(notifications_->DeleteWebhook(kBob, "whk_1").error().code(),
            core::ErrorCode::kNotFound);
  EXPECT_EQ(notifications_->ListWebhooks(kBob)->size(), 0u);
  EXPECT_EQ(notifications_->ListWebhooks(kAlice)->size(), 1u);
  ASSERT_TRUE(notifications_->DeleteWebhook(kAlice, "whk_1").ok());
  EXPECT_EQ(notifications_->ListWebhooks(kAlice)->size(), 0u);
}

TEST_P(NotificationStoreContract, AnAccountHoldsAtMostItsLimitOfWebhooks) {
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_1", kAlice), 2).ok());
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_2", kAlice), 2).ok());
  auto third = notifications_->CreateWebhook(Hook("whk_3", kAlice), 2);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code(), core::ErrorCode::kResourceExhausted);
  EXPECT_TRUE(notifications_->CreateWebhook(Hook("whk_4", kBob), 2).ok());
}

TEST_P(NotificationStoreContract, AnEventIsRecordedOnceAndQueuesOneDeliveryPerSubscriber) {
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_1", kAlice), 5).ok());
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_2", kAlice, {"certificate.failed"}), 5).ok());
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_3", kBob), 5).ok());
  auto first = notifications_->RecordEvent(Event("certificate.issued", "serial1"), true);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  auto again = notifications_->RecordEvent(Event("certificate.issued", "serial1"), true);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "a second node or a restart must not send it again";

  auto claimed = notifications_->ClaimDeliveries(clock_.Now(), 10, clock_.Now() + std::chrono::minutes(1));
  ASSERT_TRUE(claimed.ok()) << claimed.error().message();
  ASSERT_EQ(claimed->size(), 2u) << "whk_1 and the email; not whk_2 (not subscribed), not Bob's";
  int webhooks = 0, emails = 0;
  for (const Delivery& d : *claimed) {
    EXPECT_EQ(d.event_type, "certificate.issued");
    EXPECT_EQ(d.body, "{\"type\":\"certificate.issued\"}");
    EXPECT_EQ(d.owner_id, kAlice);
    if (d.channel == Channel::kWebhook) {
      ++webhooks;
      EXPECT_EQ(d.webhook_id, "whk_1");
    } else {
      ++emails;
    }
  }
  EXPECT_EQ(webhooks, 1);
  EXPECT_EQ(emails, 1);
  // Claimed: no other worker takes them while the lease runs.
  EXPECT_EQ(notifications_->ClaimDeliveries(clock_.Now(), 10, clock_.Now())->size(), 0u);
}

TEST_P(NotificationStoreContract, AttemptsAreKeptAndAFailedOneIsRetriedWhenDue) {
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_1", kAlice), 5).ok());
  ASSERT_TRUE(*notifications_->RecordEvent(Event("certificate.failed", "job_1"), false));
  auto lease = clock_.Now() + std::chrono::minutes(1);
  auto claimed = notifications_->ClaimDeliveries(clock_.Now(), 10, lease);
  ASSERT_EQ(claimed->size(), 1u);
  const std::string id = claimed->front().id;
  auto retry_at = clock_.Now() + std::chrono::hours(1);
  ASSERT_TRUE(notifications_->RecordAttempt(id, {false, 503, "HTTP 503", retry_at}).ok());
  auto next = notifications_->NextDeliveryDue();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(core::ToUnixMillis(**next), core::ToUnixMillis(retry_at));
  EXPECT_EQ(notifications_->ClaimDeliveries(clock_.Now(), 10, lease)->size(), 0u);
  clock_.Advance(std::chrono::hours(1));
  auto retried = notifications_->ClaimDeliveries(clock_.Now(), 10, clock_.Now());
  ASSERT_EQ(retried->size(), 1u);
  EXPECT_EQ(retried->front().attempts, 1);
  ASSERT_TRUE(notifications_->RecordAttempt(id, {true, 204, "", std::nullopt}).ok());

  auto log = notifications_->ListDeliveries(kAlice, "whk_1", 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->front().state, "delivered");
  EXPECT_EQ(log->front().attempts, 2);
  EXPECT_EQ(log->front().last_status, 204);
  EXPECT_EQ(notifications_->ListDeliveries(kBob, "whk_1", 10).error().code(),
            core::ErrorCode::kNotFound);
  EXPECT_FALSE(notifications_->NextDeliveryDue()->has_value());
}

TEST_P(NotificationStoreContract, OldFinishedDeliveriesArePrunedPendingOnesStay) {
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_1", kAlice), 5).ok());
  ASSERT_TRUE(*notifications_->RecordEvent(Event("certificate.issued", "s1"), false));
  ASSERT_TRUE(*notifications_->RecordEvent(Event("certificate.failed", "job_1"), false));
  auto claimed = notifications_->ClaimDeliveries(clock_.Now(), 10, clock_.Now());
  ASSERT_EQ(claimed->size(), 2u);
  const Delivery& done = claimed->front().event_type == "certificate.issued" ? claimed->at(0)
                                                                             : claimed->at(1);
  ASSERT_TRUE(notifications_->RecordAttempt(done.id, {true, 204, "", std::nullopt}).ok());
  clock_.Advance(std::chrono::hours(24 * 31));
  auto pruned = notifications_->PruneDeliveries(clock_.Now() - std::chrono::hours(24 * 30));
  ASSERT_TRUE(pruned.ok()) << pruned.error().message();
  EXPECT_EQ(*pruned, 1);
  auto left = notifications_->ListDeliveries(kAlice, "whk_1", 10);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().event_type, "certificate.failed") << "a pending one stays";
  EXPECT_EQ(*notifications_->PruneDeliveries(clock_.Now()), 0);
}

TEST_P(NotificationStoreContract, ATestDeliveryGoesOnlyToTheOwnersWebhook) {
  ASSERT_TRUE(notifications_->CreateWebhook(Hook("whk_1", kAlice), 5).ok());
  Delivery d{.id = "dlv_test", .owner_id = kBob, .webhook_id = "whk_1",
             .event_type = "webhook.test", .body = "{}", .created_at = clock_.Now(),
             .next_attempt_at = clock_.Now()};
  EXPECT_EQ(notifications_->EnqueueDelivery(d).error().code(), core::ErrorCode::kNotFound);
  d.owner_id = kAlice;
  ASSERT_TRUE(notifications_->EnqueueDelivery(d).ok());
  EXPECT_EQ(notifications_->ListDeliveries(kAlice, "whk_1", 10)->size(), 1u);
}

TEST_P(NotificationStoreContract, SettingsDefaultToFailureEmailsOnly) {
  auto defaults = notifications_->GetNotificationSettings(kAlice);
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->email_enabled);
  EXPECT_FALSE(defaults->email_success);
  ASSERT_TRUE(notifications_->PutNotificationSettings(kAlice, {false, true}).ok());
  auto stored = notifications_->GetNotificationSettings(kAlice);
  EXPECT_FALSE(stored->email_enabled);
  EXPECT_TRUE(stored->email_success);
  EXPECT_TRUE(notifications_->GetNotificationSettings(kBob)->email_enabled);
}

TEST_P(NotificationStoreContract, ExpiringCertificatesWithoutRenewalAreListedUntilWarned) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  Finish("cert_1", core::CertificateState::kIssued);
  auto cert = store_->GetCertificateForWorker("cert_1");
  ASSERT_TRUE(cert.ok());
  // Give it an expiry in 3 days, as a download would, through a worker commit.
  ASSERT_TRUE(store_->EnqueueJob(MakeJob("job_2", "cert_1")).ok());
  auto claimed = store_->ClaimJob("w", clock_.Now(), std::chrono::minutes(1));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  StepCommit commit;
  commit.job = **claimed;
  commit.finished = true;
  cert->expires_at = clock_.Now() + std::chrono::hours(72);
  cert->status = core::CertificateState::kIssued;
  commit.certificate = *cert;
  ASSERT_TRUE(store_->CommitStep("w", commit).ok());

  auto week = clock_.Now() + std::chrono::hours(24 * 7);
  auto listed = notifications_->ListExpiringUnplanned(clock_.Now(), week, 10);
  ASSERT_TRUE(listed.ok()) << listed.error().message();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, "cert_1");
  EXPECT_EQ(notifications_->ListExpiringUnplanned(clock_.Now(), clock_.Now() + std::chrono::hours(24), 10)->size(), 0u);
  auto warned = Event("certificate.expiring",
                      std::to_string(core::ToUnixMillis(*listed->front().expires_at)));
  ASSERT_TRUE(*notifications_->RecordEvent(warned, true));
  EXPECT_EQ(notifications_->ListExpiringUnplanned(clock_.Now(), week, 10)->size(), 0u)
      << "warned once per expiry";
}

CERTADNS_STORE_CONTRACT(NotificationStoreContract);

}  // namespace
}  // namespace certadns::store::contract
