// The CA answering 5xx, not unreachable (issue 6, "Faults"), under the real `certadns serve`:
// a loopback fault proxy (tests/support/fault_proxy.h) in front of a Pebble of the test's
// own answers 503 (with and without Retry-After) to the next requests, then forwards: the
// certificate is issued and its log says the CA answered 503. A proxy that always answers
// 500: the certificate fails with the reason within its retry budget, after a bounded number
// of tries. Each test prints one `RELIABILITY ...` line for the README. Bounded in time.
// CERTADNS_TEST_VERBOSE=1 also prints the certificates' logs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "crypto/encoding.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "store/sqlite/sqlite_store.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/own_stack.h"
#include "tests/support/service_process.h"
#include "tests/support/stack_env.h"

namespace certadns::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using core::CertificateState;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// The lines of `text` holding `what`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& what) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(what) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

/// Pebble of the test's own behind a FaultProxy; the service (its ACME directory the proxy's)
/// with a verified zone in the devstack's PowerDNS and an API key.
class CaFault {
 public:
  explicit CaFault(const StackEnv& stack)
      : stack_(stack), pdns_http_({}), pdns_(pdns_http_, {stack.pdns_api_url, stack.pdns_api_key, stack.pdns_server_id}) {}
  ~CaFault() {
    service_.Stop();
    proxy_.Stop();
    if (zone_created_) (void)pdns_.DeleteZone(zone_);
  }

  /// Starts everything with `issuance` settings; "" or what went wrong.
  std::string Start(const std::map<std::string, std::string>& issuance) {
    if (auto e = pebble_.Start(stack_, dir_.path(), stack_.nameservers.at(0)); !e.empty()) return e;
    const std::string tls = EnvOr("STACK_DIR") + "/pebble/";
    if (auto e = proxy_.Start("https://127.0.0.1:" + std::to_string(pebble_.port()),
                              stack_.acme_ca_bundle, tls + "cert.pem", tls + "key.pem");
        !e.empty()) {
      return e;
    }
    zone_ = "cafault-" + crypto::HexEncode(crypto::RandomBytes(5)) + ".test";
    if (auto created = pdns_.CreateZone(zone_, {"ns1." + zone_}); !created.ok()) {
      return created.error().message();
    }
    zone_created_ = true;
    auto opened = store::sqlite::SqliteStore::Open(service_.File("certadns.db"));
    if (!opened.ok()) return opened.error().message();
    db_ = std::move(*opened);
    core::SystemClock clock;
    user_ = {crypto::RandomId("user"), "cafault@example.test", "pro", "", clock.Now()};
    zone_row_ = {crypto::RandomId("zone"), user_.id, zone_, true, clock.Now()};
    if (auto s = db_->CreateUser(user_); !s.ok()) return s.error().message();
    if (auto s = db_->CreateZone(zone_row_); !s.ok()) return s.error().message();

    StackEnv env = stack_;
    env.acme_directory_url = proxy_.directory_url();
    ConfigValues config = StackConfig(env);
    config["issuance"]["workers"] = "2";
    for (const auto& [key, value] : issuance) config["issuance"][key] = value;
    if (auto e = service_.Start(config); !e.empty()) return e;
    CommandResult key = service_.Cli({"apikey", "create", "--email", user_.email});
    if (key.exit_code != 0) return key.Describe();
    api_key_ = key.out.substr(0, key.out.find_first_of(" \r\n"));
    return "";
  }

  /// POST /certificates for `label`.<zone>; the id, or "" (with a test failure).
  std::string Request(const std::string& label) {
    http::CurlHttpClient http({});
    const nlohmann::json body = {{"zone_id", zone_row_.id}, {"domain", label + "." + zone_}};
    auto answer = http.Send({.method = "POST",
                             .url = service_.base_url() + "/api/v1/certificates",
                             .headers = {{"Authorization", "Bearer " + api_key_},
                                         {"Content-Type", "application/json"}},
                             .body = body.dump(),
                             .timeout = milliseconds(10000)});
    if (!answer.ok() || answer->status != 202) {
      ADD_FAILURE() << (answer.ok() ? answer->body : answer.error().message());
      return "";
    }
    auto doc = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    return doc.is_object() ? doc.value("id", "") : "";
  }

  /// Waits (bounded) until the certificate is issued or failed with no job left.
  CertificateState WaitSettled(const std::string& id, Clock::duration limit) {
    for (auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
      auto c = db_->GetCertificate(user_.id, id);
      auto jobs = db_->ListJobs(id);
      if (c.ok() && jobs.ok() && jobs->empty() &&
          (c->status == CertificateState::kIssued || c->status == CertificateState::kFailed)) {
        return c->status;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    auto c = db_->GetCertificate(user_.id, id);
    return c.ok() ? c->status : CertificateState::kFailed;
  }

  std::string EventLog(const std::string& id) {
    std::string text;
    auto events = db_->ListEvents(user_.id, id);
    if (events.ok()) {
      for (const auto& e : *events) text += e.message + "\n";
    }
    return text;
  }
  size_t RecordsLeft(const std::string& label) {
    auto rrset = pdns_.GetRrset(zone_, "_acme-challenge." + label + "." + zone_, "TXT");
    return rrset.ok() ? rrset->records.size() : 999;
  }

  FaultProxy& proxy() { return proxy_; }
  ServiceProcess& service() { return service_; }

 private:
  const StackEnv& stack_;
  TempDir dir_;
  OwnPebble pebble_;
  FaultProxy proxy_;
  ServiceProcess service_;
  http::CurlHttpClient pdns_http_;
  dns::powerdns::PowerDnsClient pdns_;
  std::unique_ptr<store::Store> db_;
  std::string zone_;
  bool zone_created_ = false;
  store::User user_;
  store::Zone zone_row_;
  std::string api_key_;
};

TEST(CaFaultIt, CaAnswering503ThenRecoveringIssuesAndTheLogSaysSo) {
  REQUIRE_STACK(stack);
  CaFault f(stack);
  // Backoff from 1 s, capped at 5 s (plus jitter): a Retry-After of 4 s is longer than the
  // second retry's backoff (2-3 s), so the log shows whether it was honoured.
  ASSERT_EQ(f.Start({{"retry_max_delay_s", "5"}}), "");
  constexpr int kFaults = 3;  // plain, with Retry-After: 4, plain
  f.proxy().FailNext(kFaults, 503, /*retry_after_s=*/4);
  const auto started = Clock::now();
  const std::string id = f.Request("a");
  ASSERT_FALSE(id.empty());
  const CertificateState status = f.WaitSettled(id, seconds(40));
  const double took_s = std::chrono::duration<double>(Clock::now() - started).count();
  const std::string log = f.EventLog(id);
  EXPECT_EQ(status, CertificateState::kIssued) << log << f.service().LogTail();
  EXPECT_EQ(f.proxy().failed(), kFaults);
  // Every 503 the engine met is in the log, with the CA's status, and was retried.
  const int logged_503 = static_cast<int>(LinesWith(log, "503").size());
  EXPECT_EQ(logged_503, kFaults) << log;
  EXPECT_EQ(Count(log, "retrying"), kFaults) << log;
  // The second fault carried Retry-After: 4; whichever request met it (newOrder or
  // newNonce), the second retry waited it out (its backoff alone is 2-3 s).
  const auto second = LinesWith(log, "(attempt 2)");
  ASSERT_EQ(second.size(), 1u) << log;
  EXPECT_THAT(second[0], ::testing::HasSubstr("retrying in 4 s")) << "Retry-After not honoured";
  EXPECT_EQ(f.RecordsLeft("a"), 0u);
  std::printf("RELIABILITY ca-503: %d answers 503 (one with Retry-After: 4), %d in the log; "
              "%s %.1f s after the request, %zu records left\n",
              f.proxy().failed(), logged_503,
              status == CertificateState::kIssued ? "issued" : "NOT issued", took_s,
              f.RecordsLeft("a"));
  if (EnvOr("CERTADNS_TEST_VERBOSE") == "1") std::printf("%s", log.c_str());
}

TEST(CaFaultIt, CaAlwaysAnswering500FailsTheCertificateWithTheReasonWithinTheBudget) {
  REQUIRE_STACK(stack);
  CaFault f(stack);
  constexpr double kBudgetS = 4;
  ASSERT_EQ(f.Start({{"retry_budget_s", "4"}, {"retry_max_delay_s", "1"}}), "");
  f.proxy().FailNext(-1, 500);
  const auto started = Clock::now();
  const std::string id = f.Request("a");
  ASSERT_FALSE(id.empty());
  const CertificateState status = f.WaitSettled(id, seconds(30));
  const double took_s = std::chrono::duration<double>(Clock::now() - started).count();
  const std::string log = f.EventLog(id);
  EXPECT_EQ(status, CertificateState::kFailed) << log;
  EXPECT_THAT(log, ::testing::HasSubstr("Issuance failed"));
  EXPECT_THAT(log, ::testing::HasSubstr("500"));
  EXPECT_THAT(log, ::testing::HasSubstr("still failing after 4 s"));
  // Within the budget plus one capped delay and a poll; a handful of tries, not a loop.
  EXPECT_LT(took_s, kBudgetS + 6);
  const int retries = Count(log, "retrying");
  EXPECT_GE(retries, 2);
  EXPECT_LE(retries, 12) << log;
  EXPECT_LE(f.proxy().failed(), 3 * (retries + 2));
  std::printf("RELIABILITY ca-500: the CA answered 500 %d times; failed %.1f s after the "
              "request (budget %.0f s) after %d retries, the reason in its log\n",
              f.proxy().failed(), took_s, kBudgetS, retries);
  if (EnvOr("CERTADNS_TEST_VERBOSE") == "1") std::printf("%s", log.c_str());
}

}  // namespace
}  // namespace certadns::test
