// Notifications against the real stack (issue 9, "Notifications"): the real `certadns serve`
// with a Pebble of the test's own that issues 3-day certificates (Pebble's
// certificateValidityPeriod; no fake clock), the devstack's PowerDNS, a webhook receiver and
// an SMTP sink (Debian's aiosmtpd, tests/support/smtp_sink.py) started by the test on
// loopback. A webhook gets signed certificate.issued and certificate.failed events (the
// signature checked here with OpenSSL's HMAC), and the sink gets the expiry warning of the
// 3-day certificate without auto-renewal, and the failure. Bounded in time.
#include <fcntl.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/encoding.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "store/sqlite/sqlite_store.h"
#include "tests/support/file_text.h"
#include "tests/support/hosted_owner.h"
#include "tests/support/own_stack.h"
#include "tests/support/service_process.h"
#include "tests/support/stack_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_receiver.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr long kValidityS = 3 * 24 * 3600;  // under the 7-day warning

/// tests/support/smtp_sink.py in a folder of its own; stopped by its pid.
class SmtpSink {
 public:
  ~SmtpSink() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  /// "" once it listens (bounded wait), else what went wrong.
  std::string Start() {
    std::string script = std::string(CERTADNS_SOURCE_DIR) + "/tests/support/smtp_sink.py";
    std::vector<std::string> args = {"/usr/bin/python3", script, dir_.path()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log = dir_.File("sink.log");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    char path_env[] = "PATH=/usr/bin:/bin";
    char* envp[] = {path_env, nullptr};
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return "cannot start the SMTP sink";
    for (auto deadline = Clock::now() + seconds(10); Clock::now() < deadline;) {
      std::string port = ReadFileText(dir_.File("port"));
      if (!port.empty()) {
        port_ = std::stoi(port);
        return "";
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    return "the SMTP sink did not start: " + ReadFileText(log);
  }
  int port() const { return port_; }
  /// The messages received so far, oldest first.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (int i = 1; std::filesystem::exists(dir_.File(std::to_string(i) + ".eml")); ++i) {
      out.push_back(ReadFileText(dir_.File(std::to_string(i) + ".eml")));
    }
    return out;
  }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string HmacHex(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return crypto::HexEncode(std::string(reinterpret_cast<const char*>(md), len));
}

class NotifyIt : public ::testing::Test {
 protected:
  void TearDown() override {
    service_.Stop();
    if (!owner_.zone.empty()) (void)pdns_->DeleteZone(owner_.zone);
  }

  /// Starts Pebble, the sink and the service, with a Pro user, its verified zone and key.
  std::string Start(const StackEnv& stack) {
    if (auto e = pebble_.Start(stack, dir_.path(), stack.nameservers.at(0), 0, kValidityS);
        !e.empty()) {
      return e;
    }
    if (auto e = sink_.Start(); !e.empty()) return e;
    pdns_ = std::make_unique<dns::powerdns::PowerDnsClient>(
        pdns_http_, dns::powerdns::PowerDnsConfig{stack.pdns_api_url, stack.pdns_api_key,
                                                  stack.pdns_server_id});
    if (auto e = CreateHostedOwner(*pdns_, service_.File("certadns.db"), "notify",
                                   "owner@notify.test", "pro", owner_);
        !e.empty()) {
      return e;
    }
    StackEnv env = stack;
    env.acme_directory_url = pebble_.directory_url();
    ConfigValues config = StackConfig(env);
    config["issuance"]["retry_budget_s"] = "5";
    config["notifications"]["allow_private_targets"] = "true";  // the receiver is on loopback
    config["smtp"]["host"] = Toml("127.0.0.1");
    config["smtp"]["port"] = std::to_string(sink_.port());
    config["smtp"]["from"] = Toml("certadns@notify.test");
    config["smtp"]["tls"] = Toml("none");
    if (auto e = service_.Start(config); !e.empty()) return e;
    CommandResult key = service_.Cli({"apikey", "create", "--email", owner_.user.email});
    if (key.exit_code != 0) return key.Describe();
    api_key_ = key.out.substr(0, key.out.find_first_of(" \r\n"));
    return "";
  }

  http::Response Call(const std::string& method, const std::string& path, const json& body = {},
                      const std::string& key = "") {
    http::CurlHttpClient http({});
    auto answer = http.Send({.method = method,
                             .url = service_.base_url() + "/api/v1" + path,
                             .headers = {{"Authorization", "Bearer " + (key.empty() ? api_key_ : key)},
                                         {"Content-Type", "application/json"}},
                             .body = body.is_null() ? "" : body.dump(),
                             .timeout = milliseconds(10000)});
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message());
    return answer.ok() ? *answer : http::Response{};
  }

  std::string WaitSettled(const std::string& id) {
    for (auto deadline = Clock::now() + seconds(60); Clock::now() < deadline;) {
      json c = json::parse(Call("GET", "/certificates/" + id).body, nullptr, false);
      std::string status = c.is_object() ? c.value("status", "") : "";
      if (status == "issued" || status == "failed") return status;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return "timeout";
  }

  /// Waits (bounded) for a message of the sink holding `text`; "" when none came.
  std::string WaitForMail(const std::string& text) {
    for (auto deadline = Clock::now() + seconds(30); Clock::now() < deadline;) {
      for (const std::string& m : sink_.Messages()) {
        if (m.find(text) != std::string::npos) return m;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return "";
  }

  /// Waits (bounded) for a webhook request whose body has type `type`.
  std::optional<ReceivedRequest> WaitForEvent(const std::string& type) {
    for (auto deadline = Clock::now() + seconds(30); Clock::now() < deadline;) {
      for (const ReceivedRequest& r : receiver_.Received()) {
        json body = json::parse(r.body, nullptr, false);
        if (body.is_object() && body.value("type", "") == type) return r;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return std::nullopt;
  }

  /// The signature's check a receiver makes: t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>.
  void ExpectSigned(const ReceivedRequest& r, const std::string& secret) {
    ASSERT_TRUE(r.headers.contains("x-certadns-signature"));
    const std::string sig = r.headers.at("x-certadns-signature");
    ASSERT_TRUE(sig.starts_with("t=")) << sig;
    const size_t comma = sig.find(",v1=");
    ASSERT_NE(comma, std::string::npos) << sig;
    const std::string t = sig.substr(2, comma - 2);
    const long long sent_at = std::stoll(t);
    const long long now = std::chrono::duration_cast<seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_LE(std::llabs(now - sent_at), 120) << "a fresh timestamp";
    EXPECT_EQ(sig.substr(comma + 4), HmacHex(secret, t + "." + r.body));
    EXPECT_NE(sig.substr(comma + 4), HmacHex(secret + "x", t + "." + r.body));
  }

  TempDir dir_;
  OwnPebble pebble_;
  SmtpSink sink_;
  WebhookReceiver receiver_;
  ServiceProcess service_;
  http::CurlHttpClient pdns_http_{{}};
  std::unique_ptr<dns::powerdns::PowerDnsClient> pdns_;
  HostedOwner owner_;
  std::string api_key_;
};

TEST_F(NotifyIt, SignedIssuedAndFailedWebhooksAndTheExpiryWarningByEmail) {
  REQUIRE_STACK(stack);
  ASSERT_EQ(Start(stack), "");

  http::Response created = Call("POST", "/webhooks",
                                {{"url", receiver_.url("/certadns")},
                                 {"events", {"certificate.issued", "certificate.failed"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  json hook = json::parse(created.body);
  const std::string secret = hook.value("secret", "");
  ASSERT_FALSE(secret.empty());
  const std::string hook_id = hook.value("id", "");
  // The secret is shown once: not in the list nor the webhook's own GET.
  EXPECT_THAT(Call("GET", "/webhooks").body, ::testing::Not(HasSubstr(secret)));
  EXPECT_THAT(Call("GET", "/webhooks/" + hook_id).body, ::testing::Not(HasSubstr(secret)));

  // Issued: a 3-day certificate without auto-renewal.
  const std::string domain = "a." + owner_.zone;
  http::Response requested = Call("POST", "/certificates",
                                  {{"zone_id", owner_.zone_id},
                                   {"domain", domain},
                                   {"auto_renew", false}});
  ASSERT_EQ(requested.status, 202) << requested.body;
  const std::string cert_id = json::parse(requested.body).value("id", "");
  ASSERT_EQ(WaitSettled(cert_id), "issued") << service_.LogTail();

  auto issued = WaitForEvent("certificate.issued");
  ASSERT_TRUE(issued.has_value()) << service_.LogTail();
  EXPECT_EQ(issued->method, "POST");
  EXPECT_EQ(issued->target, "/certadns");
  ExpectSigned(*issued, secret);
  json issued_body = json::parse(issued->body);
  EXPECT_EQ(issued_body["certificate"]["id"], cert_id);
  EXPECT_EQ(issued_body["certificate"]["domain"], domain);
  EXPECT_EQ(issued_body["certificate"]["status"], "issued");
  EXPECT_TRUE(issued_body["certificate"]["expires_at"].is_string());
  EXPECT_TRUE(issued_body["created_at"].is_string());

  // The expiry warning: under 7 days left and no renewal planned, to the account's email.
  const std::string warning = WaitForMail("expires soon");
  ASSERT_FALSE(warning.empty()) << service_.LogTail();
  EXPECT_THAT(warning, HasSubstr("X-Rcpt-To: owner@notify.test"));
  EXPECT_THAT(warning, HasSubstr("Subject: [CertaDNS] Certificate for " + domain + " expires soon"));
  EXPECT_THAT(warning, HasSubstr("auto-renewal is off"));

  // Failed: the zone's copy in PowerDNS is gone behind the service's back.
  ASSERT_TRUE(pdns_->DeleteZone(owner_.zone).ok());
  const std::string bad_domain = "b." + owner_.zone;
  owner_.zone.clear();  // nothing left for TearDown to delete
  http::Response doomed =
      Call("POST", "/certificates", {{"zone_id", owner_.zone_id}, {"domain", bad_domain}});
  ASSERT_EQ(doomed.status, 202) << doomed.body;
  const std::string doomed_id = json::parse(doomed.body).value("id", "");
  ASSERT_EQ(WaitSettled(doomed_id), "failed") << service_.LogTail();
  auto failed = WaitForEvent("certificate.failed");
  ASSERT_TRUE(failed.has_value()) << service_.LogTail();
  ExpectSigned(*failed, secret);
  json failed_body = json::parse(failed->body);
  EXPECT_EQ(failed_body["certificate"]["id"], doomed_id);
  EXPECT_EQ(failed_body["certificate"]["status"], "failed");
  EXPECT_FALSE(failed_body.value("reason", "").empty()) << failed->body;
  EXPECT_FALSE(WaitForMail("Certificate for " + bad_domain + " failed").empty());

  // Each event once; the deliveries with their status codes.
  std::this_thread::sleep_for(milliseconds(500));
  int issued_count = 0;
  for (const ReceivedRequest& r : receiver_.Received()) {
    issued_count += r.body.find("\"certificate.issued\"") != std::string::npos;
  }
  EXPECT_EQ(issued_count, 1);
  json deliveries = json::parse(Call("GET", "/webhooks/" + hook_id + "/deliveries").body);
  ASSERT_EQ(deliveries["deliveries"].size(), 2u) << deliveries.dump();
  for (const json& d : deliveries["deliveries"]) {
    EXPECT_EQ(d["state"], "delivered");
    EXPECT_EQ(d["status_code"], 204);
  }

  // Another account sees none of it.
  ASSERT_EQ(service_.Cli({"user", "add", "--email", "other@notify.test", "--plan", "pro"}).exit_code, 0);
  CommandResult other = service_.Cli({"apikey", "create", "--email", "other@notify.test"});
  ASSERT_EQ(other.exit_code, 0);
  const std::string other_key = other.out.substr(0, other.out.find_first_of(" \r\n"));
  EXPECT_EQ(Call("GET", "/webhooks/" + hook_id, {}, other_key).status, 404);
  EXPECT_EQ(Call("GET", "/webhooks/" + hook_id + "/deliveries", {}, other_key).status, 404);
  EXPECT_EQ(Call("POST", "/webhooks/" + hook_id + "/test", {}, other_key).status, 404);
  EXPECT_EQ(Call("DELETE", "/webhooks/" + hook_id, {}, other_key).status, 404);
  EXPECT_EQ(Call("DELETE", "/webhooks/" + hook_id).status, 200);
}

}  // namespace
}  // namespace certadns::test
