// Notifications and their delivery, on the in-memory store with a real libcurl client and
// a webhook receiver on loopback: signed deliveries, each event once, retries with backoff
// recorded in the delivery log, email for failures and expiry, and private targets refused
// unless allowed (at creation and on the connection itself).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "http/outbound.h"
#include "notify/delivery_worker.h"
#include "notify/notifications.h"
#include "support/fake_clock.h"
#include "support/memory_store.h"
#include "support/webhook_receiver.h"

namespace certadns::notify {
namespace {

using namespace std::chrono_literals;

class RecordingMail final : public http::MailSender {
 public:
  core::Status Send(const http::Mail& mail) override {
    sent.push_back(mail);
    return core::Ok();
  }
  std::vector<http::Mail> sent;
};

crypto::SecretBox MakeBox() {
  return std::move(crypto::SecretBox::Create(crypto::SecretString(std::string(32, 'k')))).value();
}

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.CreateUser({"user_a", "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_.CreateUser({"user_b", "bob@example.com", "pro", "", clock_.Now()}).ok());
  }

  core::Certificate Cert(const std::string& id, bool auto_renew = true) {
    core::Certificate c;
    c.id = id;
    c.owner_id = "user_a";
    c.domain = "app.example.com";
    c.sans = {"www.example.com"};
    c.auto_renew = auto_renew;
    c.status = core::CertificateState::kIssued;
    c.serial = "0a0b";
    c.certificate_pem = "-----BEGIN CERTIFICATE-----";
    c.issued_at = clock_.Now();
    c.expires_at = clock_.Now() + std::chrono::hours(24 * 90);
    c.next_renewal_at = clock_.Now() + std::chrono::hours(24 * 60);
    return c;
  }

  store::Job Job(const std::string& id, store::JobKind kind) {
    store::Job job;
    job.id = id;
    job.certificate_id = "cert_1";
    job.kind = kind;
    return job;
  }

  test::FakeClock clock_;
  test::MemoryStore store_;
  crypto::SecretBox box_ = MakeBox();
  test::WebhookReceiver receiver_;
  http::CurlWebhookClient client_{/*allow_private=*/true, 5s};
  RecordingMail mail_;
  Notifications notifications_{store_, box_, clock_,
                               NotificationConfig{.allow_private_targets = true, .email = true}};
  DeliveryWorker worker_{store_, store_, box_, clock_, client_, &mail_,
                         DeliveryConfig{.jitter = [] { return 0.0; }}};
};

TEST(HmacTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(crypto::HexEncode(crypto::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(NotifyTest, AnIssuedCertificateReachesTheWebhookSignedAndOnce) {
  auto created = notifications_.CreateWebhook("user_a", receiver_.url(),
                                              {"certificate.issued", "certificate.failed"});
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_TRUE(created->secret.starts_with("whsec_"));
  EXPECT_TRUE(created->webhook.id.starts_with("whk_"));

  notifications_.Issued(Cert("cert_1"), Job("job_1", store::JobKind::kIssue));
  notifications_.Issued(Cert("cert_1"), Job("job_1", store::JobKind::kIssue));  // a re-run
  EXPECT_EQ(worker_.RunOnce(), 1);
  auto got = receiver_.WaitFor(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  const test::ReceivedRequest& r = got.front();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["type"], "certificate.issued");
  EXPECT_EQ(body["certificate"]["id"], "cert_1");
  EXPECT_EQ(body["certificate"]["domain"], "app.example.com");
  EXPECT_EQ(body["certificate"]["status"], "issued");
  EXPECT_TRUE(body["created_at"].is_string());

  // The receiver's check: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
  const std::string signature = r.headers.at("x-certadns-signature");
  ASSERT_TRUE(signature.starts_with("t="));
  std::string t = signature.substr(2, signature.find(',') - 2);
  EXPECT_EQ(t, std::to_string(core::ToUnixMillis(clock_.Now()) / 1000));
  EXPECT_EQ(signature.substr(signature.find(",v1=") + 4),
            crypto::HexEncode(crypto::HmacSha256(created->secret, t + "." + r.body)));

  auto log = store_.ListDeliveries("user_a", created->webhook.id, 10);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->front().state, "delivered");
  EXPECT_EQ(log->front().last_status, 204);
  EXPECT_EQ(worker_.RunOnce(), 0) << "nothing is sent twice";
}

TEST_F(NotifyTest, AFailedDeliveryIsRetriedWithBackoffAndEachStatusIsLogged) {
  auto created = notifications_.CreateWebhook("user_a", receiver_.url(), {"certificate.failed"});
  ASSERT_TRUE(created.ok());
  receiver_.ScriptStatuses({500, 503});
  notifications_.Failed(Cert("cert_1"), Job("job_1", store::JobKind::kIssue), "CAA forbids", clock_.Now());
  EXPECT_EQ(worker_.RunOnce(), 2) << "the webhook and the email";
  auto log = store_.ListDeliveries("user_a", created->webhook.id, 10);
  EXPECT_EQ(log->front().state, "pending");
  EXPECT_EQ(log->front().last_status, 500);
  EXPECT_EQ(worker_.RunOnce(), 0) << "not due before its backoff";
  EXPECT_EQ(worker_.RetryDelay(1), 1min);
  EXPECT_EQ(worker_.RetryDelay(2), 2min);
  EXPECT_EQ(worker_.RetryDelay(30), 8h) << "capped";
  clock_.Advance(1min);
  EXPECT_EQ(worker_.RunOnce(), 1);
  EXPECT_EQ(store_.ListDeliveries("user_a", created->webhook.id, 10)->front().last_status, 503);
  clock_.Advance(2min);
  EXPECT_EQ(worker_.RunOnce(), 1);
  auto done = store_.ListDeliveries("user_a", created->webhook.id, 10);
  EXPECT_EQ(done->front().state, "delivered");
  EXPECT_EQ(done->front().attempts, 3);
  EXPECT_EQ(done->front().last_status, 204);
  auto body = nlohmann::json::parse(receiver_.Received().back().body);
  EXPECT_EQ(body["reason"], "CAA forbids");
}

TEST_F(NotifyTest, DeliveriesStopAfterTheLastAttempt) {
  DeliveryWorker worker{store_, store_, box_, clock_, client_, &mail_,
                        DeliveryConfig{.max_attempts = 2, .jitter = [] { return 0.0; }}};
  auto created = notifications_.CreateWebhook("user_a", receiver_.url(), {"certificate.issued"});
  receiver_.ScriptStatuses({500, 500, 500});
  notifications_.Issued(Cert("cert_1"), Job("job_1", store::JobKind::kIssue));
  EXPECT_EQ(worker.RunOnce(), 1);
  clock_.Advance(1h);
  EXPECT_EQ(worker.RunOnce(), 1);
  clock_.Advance(24h);
  EXPECT_EQ(worker.RunOnce(), 0);
  EXPECT_EQ(store_.ListDeliveries("user_a", created->webhook.id, 10)->front().state, "failed");
}

TEST_F(NotifyTest, AFailedRenewalPastItsDateIsOverdueAndMailed) {
  core::Certificate c = Cert("cert_1");
  c.next_renewal_at = clock_.Now() - 1h;
  notifications_.Failed(c, Job("job_2", store::JobKind::kRenew), "DNS timeout", clock_.Now());
  EXPECT_EQ(worker_.RunOnce(), 2);
  ASSERT_EQ(mail_.sent.size(), 2u);
  EXPECT_EQ(mail_.sent[0].to, "alice@example.com");
  EXPECT_NE(mail_.sent[0].subject.find("app.example.com failed"), std::string::npos);
  EXPECT_NE(mail_.sent[1].subject.find("overdue"), std::string::npos);
  EXPECT_NE(mail_.sent[1].text.find("DNS timeout"), std::string::npos);
}

TEST_F(NotifyTest, IssuedIsMailedOnlyWhenTheAccountOptsIn) {
  notifications_.Issued(Cert("cert_1"), Job("job_1", store::JobKind::kIssue));
  EXPECT_EQ(worker_.RunOnce(), 0);
  ASSERT_TRUE(store_.PutNotificationSettings("user_a", {true, true}).ok());
  core::Certificate renewed = Cert("cert_1");
  renewed.serial = "0c0d";
  notifications_.Issued(renewed, Job("job_2", store::JobKind::kRenew));
  EXPECT_EQ(worker_.RunOnce(), 1);
  ASSERT_EQ(mail_.sent.size(), 1u);
  EXPECT_NE(mail_.sent[0].subject.find("renewed"), std::string::npos);
}

TEST_F(NotifyTest, AnExpiringCertificateWithoutRenewalIsWarnedOnce) {
  // Through the store, as the sweep sees it: issued, auto-renewal off, 3 days left.
  core::Certificate c = Cert("cert_1", /*auto_renew=*/false);
  c.zone_id = "zone_a";
  ASSERT_TRUE(store_.CreateZone({"zone_a", "user_a", "example.com", true, clock_.Now()}).ok());
  store::Job job = Job("job_1", store::JobKind::kIssue);
  job.step = "order";
  job.run_at = clock_.Now();
  job.created_at = clock_.Now();
  job.state = "{}";
  ASSERT_TRUE(store_.CreateCertificate(c, job).ok());
  auto claimed = store_.ClaimJob("w", clock_.Now(), 1min);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  store::StepCommit commit{**claimed, true, {}, {}, {}};
  c.expires_at = clock_.Now() + 72h;
  commit.certificate = c;
  ASSERT_TRUE(store_.CommitStep("w", commit).ok());

  notifications_.Sweep(clock_.Now());
  notifications_.Sweep(clock_.Now() + 1h);
  EXPECT_EQ(worker_.RunOnce(), 1);
  ASSERT_EQ(mail_.sent.size(), 1u);
  EXPECT_NE(mail_.sent[0].subject.find("expires soon"), std::string::npos);
  EXPECT_NE(mail_.sent[0].text.find("auto-renewal is off"), std::string::npos);
}

TEST_F(NotifyTest, AShortLivedCertificateWithoutAutoRenewalIsExpiringOnIssuance) {
  core::Certificate c = Cert("cert_1", /*auto_renew=*/false);
  c.expires_at = clock_.Now() + 72h;
  notifications_.Issued(c, Job("job_1", store::JobKind::kIssue));
  EXPECT_EQ(worker_.RunOnce(), 1) << "the expiry email (issued is not mailed by default)";
  ASSERT_EQ(mail_.sent.size(), 1u);
  EXPECT_NE(mail_.sent[0].subject.find("expires soon"), std::string::npos);
  core::Certificate planned = Cert("cert_2", /*auto_renew=*/true);
  planned.expires_at = clock_.Now() + 72h;
  notifications_.Issued(planned, Job("job_2", store::JobKind::kIssue));
  EXPECT_EQ(worker_.RunOnce(), 0) << "a renewal is planned: no warning";
}

TEST_F(NotifyTest, ATestEventGoesToTheOwnersWebhookOnly) {
  auto created = notifications_.CreateWebhook("user_a", receiver_.url(), {"certificate.issued"});
  EXPECT_EQ(notifications_.SendTest("user_b", created->webhook.id).error().code(),
            core::ErrorCode::kNotFound);
  ASSERT_TRUE(notifications_.SendTest("user_a", created->webhook.id).ok());
  EXPECT_EQ(worker_.RunOnce(), 1);
  auto got = receiver_.WaitFor(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(got[0].body)["type"], "webhook.test");
}

TEST_F(NotifyTest, WebhookUrlsAndEventsAreChecked) {
  auto bad = [&](const std::string& url, std::vector<std::string> events) {
    auto r = notifications_.CreateWebhook("user_a", url, events);
    return !r.ok() && r.error().code() == core::ErrorCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad("ftp://127.0.0.1/x", {"certificate.issued"}));
  EXPECT_TRUE(bad("not a url", {"certificate.issued"}));
  EXPECT_TRUE(bad("http://user:pw@127.0.0.1/x", {"certificate.issued"}));
  EXPECT_TRUE(bad("http://127.0.0.1/" + std::string(3000, 'a'), {"certificate.issued"}));
  EXPECT_TRUE(bad(receiver_.url(), {}));
  EXPECT_TRUE(bad(receiver_.url(), {"certificate.exploded"}));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(notifications_.CreateWebhook("user_a", receiver_.url(), {"certificate.issued"}).ok());
  }
  auto sixth = notifications_.CreateWebhook("user_a", receiver_.url(), {"certificate.issued"});
  EXPECT_EQ(sixth.error().code(), core::ErrorCode::kResourceExhausted);
}

TEST_F(NotifyTest, PrivateTargetsAreRefusedUnlessAllowed) {
  Notifications strict{store_, box_, clock_, NotificationConfig{}};
  for (const char* url : {"http://127.0.0.1:9/hook", "http://[::1]/hook", "https://10.1.2.3/",
                          "http://192.168.0.1/", "http://169.254.169.254/latest",
                          "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/"}) {
    auto r = strict.CreateWebhook("user_a", url, {"certificate.issued"});
    EXPECT_FALSE(r.ok()) << url;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), core::ErrorCode::kInvalidArgument) << url;
    }
  }
  // At delivery, on the address libcurl connects to: refused before a byte is sent.
  http::CurlWebhookClient guarded{/*allow_private=*/false, 5s};
  auto posted = guarded.Post(receiver_.url(), {}, "{}");
  ASSERT_FALSE(posted.ok());
  EXPECT_NE(posted.error().message().find("private or loopback"), std::string::npos);
  EXPECT_TRUE(receiver_.Received().empty());
}

TEST(PrivateAddressTest, ClassifiesAddresses) {
  for (const char* ip : {"127.0.0.1", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
                         "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::",
                         "fe80::1", "fd00::1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "garbage"}) {
    EXPECT_TRUE(http::IsPrivateAddress(ip)) << ip;
  }
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111",
                         "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(http::IsPrivateAddress(ip)) << ip;
  }
}

}  // namespace
}  // namespace certadns::notify
