// Short-lived certificates against the real stack (issue 9, "The sweep wakes when it must"):
// the real `certadns serve` with a Pebble of the test's own that issues 30-second
// certificates (Pebble's certificateValidityPeriod; no fake clock), and the devstack's
// PowerDNS. The sweep sleeps up to 15 minutes between runs, so only its wake-up for each
// certificate's renewal and the `expired` read from expires_at on make this pass within the
// test's deadlines: a certificate with auto-renewal is renewed before it expires (a new
// serial, issued, expiring later), and one without reads `expired` once expires_at is past.
// Bounded waits (polls with deadlines); about 40 s in all, run beside the other suites
// (ctest label `integration_waits`, scripts/run-tests.sh).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "core/clock.h"
#include "crypto/encoding.h"
#include "crypto/x509.h"
#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "tests/support/hosted_owner.h"
#include "tests/support/own_stack.h"
#include "tests/support/service_process.h"
#include "tests/support/stack_env.h"
#include "tests/support/temp_dir.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr long kValidityS = 30;
// How long after the moment it is due a read may lag: a few polls, never a sweep interval.
constexpr seconds kSlack{5};

class ShortLivedIt : public ::testing::Test {
 protected:
  void TearDown() override {
    service_.Stop();
    if (!owner_.zone.empty()) (void)pdns_->DeleteZone(owner_.zone);
  }

  /// Starts Pebble and the service (default renewal settings: the sweep's longest sleep is
  /// 15 min), with a Pro user (auto-renewal allowed), its verified zone and an API key.
  std::string Start(const StackEnv& stack) {
    if (auto e = pebble_.Start(stack, dir_.path(), stack.nameservers.at(0), 0, kValidityS);
        !e.empty()) {
      return e;
    }
    pdns_ = std::make_unique<dns::powerdns::PowerDnsClient>(
        pdns_http_, dns::powerdns::PowerDnsConfig{stack.pdns_api_url, stack.pdns_api_key,
                                                  stack.pdns_server_id});
    if (auto e = CreateHostedOwner(*pdns_, service_.File("certadns.db"), "short",
                                   "owner@short.test", "pro", owner_);
        !e.empty()) {
      return e;
    }
    StackEnv env = stack;
    env.acme_directory_url = pebble_.directory_url();
    if (auto e = service_.Start(StackConfig(env)); !e.empty()) return e;
    CommandResult key = service_.Cli({"apikey", "create", "--email", owner_.user.email});
    if (key.exit_code != 0) return key.Describe();
    api_key_ = key.out.substr(0, key.out.find_first_of(" \r\n"));
    return "";
  }

  json Call(const std::string& method, const std::string& path, const json& body = {}) {
    http::CurlHttpClient http({});
    auto answer = http.Send({.method = method,
                             .url = service_.base_url() + "/api/v1" + path,
                             .headers = {{"Authorization", "Bearer " + api_key_},
                                         {"Content-Type", "application/json"}},
                             .body = body.is_null() ? "" : body.dump(),
                             .timeout = milliseconds(10000)});
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message());
    if (!answer.ok()) return json();
    EXPECT_LT(answer->status, 300) << method << " " << path << ": " << answer->body;
    return json::parse(answer->body, nullptr, false);
  }

  std::string Request(const std::string& host, bool auto_renew) {
    json c = Call("POST", "/certificates",
                  {{"zone_id", owner_.zone_id},
                   {"domain", host + "." + owner_.zone},
                   {"sans", json::array()},
                   {"wildcard", false},
                   {"auto_renew", auto_renew}});
    return c.is_object() ? c.value("id", "") : "";
  }

  json Get(const std::string& id) { return Call("GET", "/certificates/" + id); }

  /// Polls certificate `id` every 200 ms until `done` holds or `deadline` passes; the last
  /// read either way.
  template <typename Done>
  json WaitFor(const std::string& id, std::chrono::system_clock::time_point deadline,
               Done done) {
    json c = Get(id);
    while (!done(c) && std::chrono::system_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(200));
      c = Get(id);
    }
    return c;
  }

  /// The serial of the certificate the API hands out for `id` now.
  std::string Serial(const std::string& id) {
    json d = Call("GET", "/certificates/" + id + "/download");
    if (!d.is_object()) return "";
    auto info = crypto::ParseCertificate(d.value("certificate_pem", ""));
    return info.ok() ? info->serial_hex : "";
  }

  static core::TimePoint Time(const json& c, const char* field) {
    std::optional<core::TimePoint> t;
    if (c.is_object() && c.contains(field) && c.at(field).is_string()) {
      t = core::ParseRfc3339(c.at(field).get<std::string>());
    }
    EXPECT_TRUE(t.has_value()) << field << " in " << c.dump();
    return t.value_or(core::TimePoint{});
  }

  static std::string Status(const json& c) { return c.is_object() ? c.value("status", "") : ""; }

  TempDir dir_;
  OwnPebble pebble_;
  ServiceProcess service_;
  http::CurlHttpClient pdns_http_{{}};
  std::unique_ptr<dns::powerdns::PowerDnsClient> pdns_;
  HostedOwner owner_;
  std::string api_key_;
};

TEST_F(ShortLivedIt, RenewedBeforeExpiryWithAutoRenewalAndExpiredOnTimeWithout) {
  REQUIRE_STACK(stack);
  ASSERT_EQ(Start(stack), "");
  const std::string renewing = Request("renew", /*auto_renew=*/true);
  const std::string lapsing = Request("lapse", /*auto_renew=*/false);
  ASSERT_FALSE(renewing.empty());
  ASSERT_FALSE(lapsing.empty());
  const auto issuance_deadline = std::chrono::system_clock::now() + seconds(60);
  auto issued = [](const json& c) { return Status(c) == "issued" || Status(c) == "failed"; };
  json first = WaitFor(renewing, issuance_deadline, issued);
  json other = WaitFor(lapsing, issuance_deadline, issued);
  ASSERT_EQ(Status(first), "issued") << first.dump() << service_.LogTail();
  ASSERT_EQ(Status(other), "issued") << other.dump() << service_.LogTail();
  const std::string first_serial = Serial(renewing);
  ASSERT_FALSE(first_serial.empty());
  const core::TimePoint first_expiry = Time(first, "expires_at");
  ASSERT_LE(first_expiry, std::chrono::system_clock::now() + seconds(kValidityS + 2))
      << "Pebble issued a " << kValidityS << "-second certificate";

  // (a) Auto-renewal on: a new certificate before the first one runs out.
  json renewed = WaitFor(renewing, first_expiry + kSlack, [&](const json& c) {
    return Status(c) == "issued" && Time(c, "expires_at") > first_expiry;
  });
  ASSERT_EQ(Status(renewed), "issued") << renewed.dump() << service_.LogTail();
  ASSERT_GT(Time(renewed, "expires_at"), first_expiry)
      << "not renewed by " << kSlack.count() << " s after it expired: " << renewed.dump()
      << "\nlog: " << Call("GET", "/certificates/" + renewing + "/logs").dump();
  EXPECT_LE(Time(renewed, "issued_at"), first_expiry) << "renewed before it expired";
  EXPECT_NE(Serial(renewing), first_serial);

  // (b) Auto-renewal off: `expired` as soon as expires_at has passed.
  const core::TimePoint other_expiry = Time(other, "expires_at");
  json lapsed = WaitFor(lapsing, other_expiry + kSlack,
                        [](const json& c) { return Status(c) == "expired"; });
  EXPECT_EQ(Status(lapsed), "expired")
      << "still " << Status(lapsed) << " " << kSlack.count() << " s after expires_at "
      << core::FormatRfc3339(other_expiry);
}

}  // namespace
}  // namespace certadns::test
