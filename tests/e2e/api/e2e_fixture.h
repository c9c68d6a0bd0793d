// ApiE2eTest: the base fixture of the black-box API tests. Each test suite (each fixture
// class derived from it) runs one `certadns serve` against the devstack, started in
// SetUpTestSuite and stopped in TearDownTestSuite; tests make users, API keys and zones
// through the binary's CLI, with unique emails and zone names, and talk HTTP to the API.
// Zones created in PowerDNS (ours and the "world" one) are deleted when the suite ends.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/powerdns/powerdns_client.h"
#include "http/curl_http_client.h"
#include "tests/e2e/api/api_client.h"
#include "tests/support/service_process.h"
#include "tests/support/stack_env.h"

namespace certadns::test {

/// The spec's words (section 10), written here independently of src/core/errors.cc.
namespace spec {
inline constexpr std::string_view kPaidPlanRequired =
    "Certificate management requires paid subscription";
inline constexpr std::string_view kLimitReached = "Certificate limit reached for plan";
inline constexpr std::string_view kWildcardRequiresElite =
    "Wildcard certificates require Elite plan";
inline constexpr std::string_view kAutoRenewRequiresPro = "Auto-renewal requires Pro or Elite plan";
inline constexpr std::string_view kCertificateExists = "Certificate already exists for domain";
inline constexpr std::string_view kDomainNotUnderZone = "Domain not under zone";
inline constexpr std::string_view kZoneNotFound = "Zone not found or no permission";
inline constexpr std::string_view kCertificateNotFound = "Certificate not found";
}  // namespace spec

class ApiE2eTest : public ::testing::Test {
 public:
  struct TestUser {
    std::string email;
    std::string password;  // "" when created without one
    std::string api_key;
    ApiClient api;  // authenticated with api_key
  };
  struct TestZone {
    std::string id;
    std::string name;
  };

  static void SetUpTestSuite();
  /// As SetUpTestSuite, with `overrides` (section -> key -> TOML value) on top of the
  /// devstack's settings; for suites that need a setting of their own (e.g. low limits).
  static void SetUpTestSuiteWith(const ConfigValues& overrides);
  static void TearDownTestSuite();

 protected:
  void SetUp() override;

  static const StackEnv& env();
  static ServiceProcess& service();
  static http::HttpClient& http();
  /// The devstack's own PowerDNS, and the "world" one (the public internet's DNS).
  static dns::powerdns::PowerDnsClient& pdns();
  static dns::powerdns::PowerDnsClient& world();

  /// `prefix` + 10 random hex digits.
  static std::string Unique(std::string_view prefix);
  /// A zone name nobody uses yet, under certadns-e2e.test.
  static std::string NewZoneName();
  /// Remembers zones to delete from our PowerDNS / the world's when the suite ends.
  static void CleanUpZoneLater(const std::string& name);
  static void CleanUpWorldZoneLater(const std::string& name);

  /// A client without credentials.
  ApiClient Anonymous() const;
  /// A client without credentials whose connections come from `local_address` (another
  /// loopback address such as 127.0.0.2, so one test can act as several clients).
  ApiClient AnonymousFrom(const std::string& local_address) const;
  /// `certadns user add` + `certadns apikey create`; records a test failure when either fails.
  TestUser NewUser(const std::string& plan, const std::string& password = "");
  /// `certadns zone import` (with --verified when asked), the id read from GET /zones (which
  /// `owner` must be allowed to call); records a failure when anything goes wrong.
  /// `name` defaults to a fresh NewZoneName().
  TestZone ImportZone(const TestUser& owner, bool verified, const std::string& name = "");

  /// Delegates `zone` to `nameservers` (the names POST /zones answered) in the world's
  /// `parent` zone, as the user would at their registrar. Records a failure otherwise.
  static void DelegateInWorld(const std::string& parent, const std::string& zone,
                              const nlohmann::json& nameservers);
  /// POST /certificates.
  static ApiResponse RequestCertificate(const ApiClient& api, const nlohmann::json& body);
  /// Polls GET /certificates/{id} (every 100 ms, at most `limit`) until its status is
  /// neither pending nor validating; returns the last answer.
  static ApiResponse WaitSettled(const ApiClient& api, const std::string& id,
                                 std::chrono::seconds limit = std::chrono::seconds(60));
  /// GET /certificates/{id}/logs as one text, for failure messages.
  static std::string LogsText(const ApiClient& api, const std::string& id);
  /// limits.current_count of GET /certificates (-1 when the answer is not a list).
  static int CurrentCount(const ApiClient& api);
  /// The ids in GET /certificates.
  static std::vector<std::string> ListedIds(const ApiClient& api);
};

}  // namespace certadns::test
