// The whole life of a certificate over HTTP, as a user lives it: a user and key from the CLI,
// a zone imported through the API and verified for real (delegated to the service's
// nameservers in the "world" DNS), a certificate requested, issued by Pebble, downloaded and
// checked with OpenSSL, renewed, auto-renew toggled, deleted with revocation, and Pebble
// asked whether it is revoked.
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/e2e/api/e2e_fixture.h"
#include "tests/support/file_text.h"
#include "tests/support/openssl_check.h"

namespace certadns::test {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// What the tests read from a leaf certificate with the OpenSSL C API.
struct Leaf {
  std::string serial_hex;  // lower case, as Pebble's management API takes it
  std::string not_after;   // "YYYY-MM-DDTHH:MM:SSZ"
  int key_bits = 0;
  int key_type = 0;        // EVP_PKEY_RSA, ...
};

Leaf ReadLeaf(const std::string& pem) {
  Leaf leaf;
  auto certs = ReadCerts(pem);
  if (certs.empty()) return leaf;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(certs[0]), nullptr);
  char* hex = BN_bn2hex(bn);
  leaf.serial_hex = hex;
  for (char& c : leaf.serial_hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  OPENSSL_free(hex);
  BN_free(bn);
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certs[0]), &tm) == 1) {
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    leaf.not_after = text;
  }
  EVP_PKEY* key = X509_get0_pubkey(certs[0]);
  if (key) {
    leaf.key_bits = EVP_PKEY_get_bits(key);
    leaf.key_type = EVP_PKEY_get_base_id(key);
  }
  FreeCerts(certs);
  return leaf;
}

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

std::string Absolute(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

class FullFlowE2e : public ApiE2eTest {};

TEST_F(FullFlowE2e, ImportVerifyIssueDownloadRenewToggleRevoke) {
  ASSERT_FALSE(env().world_pdns_api_url.empty()) << "the stack has no world PowerDNS";
  const std::string pebble_mgmt = EnvOr("PEBBLE_MGMT_URL");
  ASSERT_FALSE(pebble_mgmt.empty()) << "PEBBLE_MGMT_URL missing from the stack env";
  TestUser elite = NewUser("elite");
  ApiClient& api = elite.api;

  // --- Import: the answer says how to verify.
  const std::string parent = Unique("p") + ".test";
  const std::string zone = Unique("z") + "." + parent;
  CleanUpZoneLater(zone);
  CleanUpWorldZoneLater(parent);
  ApiResponse imported = api.Post("/zones", {{"name", zone}});
  ASSERT_TRUE(HasStatus(imported, 201));
  const std::string zone_id = imported.json.value("id", "");
  EXPECT_THAT(zone_id, StartsWith("zone_"));
  EXPECT_EQ(imported.json.value("name", ""), zone);
  EXPECT_EQ(imported.json.value("verified", true), false);
  const json verification = imported.json.value("verification", json::object());
  ASSERT_TRUE(verification["nameservers"].is_array()) << imported.body;
  ASSERT_FALSE(verification["nameservers"].empty()) << imported.body;
  EXPECT_EQ(verification.value("txt_name", ""), "_certadns-verify." + zone);
  EXPECT_FALSE(verification.value("txt_value", "").empty()) << imported.body;
  // An import alone grants nothing: the zone goes live in our DNS only once verified.
  auto hosted = pdns().ZoneExists(zone);
  ASSERT_TRUE(hosted.ok()) << hosted.error().message();
  EXPECT_FALSE(*hosted) << "POST /zones created " << zone << " in PowerDNS before verification";

  // --- Not delegated yet: not verified, and the answer says what was seen.
  ASSERT_TRUE(world().CreateZone(parent, {"ns1.registry-e2e.test"}).ok());
  ApiResponse early = api.Post("/zones/" + zone_id + "/verify", json::object());
  ASSERT_TRUE(HasStatus(early, 200));
  EXPECT_EQ(early.json.value("verified", true), false);
  ASSERT_TRUE(early.json["verification"]["detail"].is_string()) << early.body;
  EXPECT_THAT(early.json["verification"]["detail"].get<std::string>(), HasSubstr(zone));
  EXPECT_TRUE(IsError(RequestCertificate(api, {{"zone_id", zone_id}, {"domain", "app." + zone}}),
                      404, "zone_not_found", spec::kZoneNotFound));

  // --- Delegate the zone to the nameservers the service named, in the world's DNS.
  std::vector<dns::powerdns::Record> ns_records;
  for (const auto& ns : verification["nameservers"]) {
    ns_records.push_back({Absolute(ns.get<std::string>()), false});
  }
  auto delegated = world().ReplaceRrset(parent, zone, "NS", 3600, ns_records);
  ASSERT_TRUE(delegated.ok()) << delegated.error().message();
  ApiResponse verified = api.Post("/zones/" + zone_id + "/verify", json::object());
  ASSERT_TRUE(HasStatus(verified, 200));
  ASSERT_EQ(verified.json.value("verified", false), true) << verified.body;
  hosted = pdns().ZoneExists(zone);
  ASSERT_TRUE(hosted.ok()) << hosted.error().message();
  EXPECT_TRUE(*hosted) << "verification did not create " << zone << " in PowerDNS";

  // --- Request: 202, pending, exactly the spec's nine fields.
  const std::string app = "app." + zone;
  const std::string www = "www." + zone;
  ApiResponse created = RequestCertificate(
      api, {{"zone_id", zone_id}, {"domain", app}, {"sans", {www}}, {"auto_renew", true}});
  ASSERT_TRUE(HasStatus(created, 202));
  EXPECT_EQ(Keys(created.json),
            (std::set<std::string>{"id", "domain", "sans", "is_wildcard", "auto_renew", "status",
                                   "issued_at", "expires_at", "next_renewal_at"}))
      << created.body;
  const std::string id = created.json.value("id", "");
  EXPECT_THAT(id, StartsWith("cert_"));
  EXPECT_EQ(created.json["domain"], app);
  EXPECT_EQ(created.json["sans"], json::array({www}));
  EXPECT_EQ(created.json["is_wildcard"], false);
  EXPECT_EQ(created.json["auto_renew"], true);
  EXPECT_EQ(created.json["status"], "pending");
  EXPECT_TRUE(created.json["issued_at"].is_null());
  EXPECT_TRUE(created.json["expires_at"].is_null());
  EXPECT_TRUE(created.json["next_renewal_at"].is_null());
  EXPECT_THAT(ListedIds(api), ElementsAre(id));
  EXPECT_EQ(CurrentCount(api), 1);

  // --- Issued.
  ApiResponse issued = WaitSettled(api, id);
  ASSERT_EQ(issued.json.value("status", ""), "issued")
      << issued.Describe() << "\n" << LogsText(api, id);
  EXPECT_EQ(Keys(issued.json), Keys(created.json)) << issued.body;
  ASSERT_TRUE(issued.json["issued_at"].is_string()) << issued.body;
  ASSERT_TRUE(issued.json["expires_at"].is_string()) << issued.body;
  ASSERT_TRUE(issued.json["next_renewal_at"].is_string()) << issued.body;
  const std::string issued_at = issued.json["issued_at"];
  const std::string expires_at = issued.json["expires_at"];
  const std::string next_renewal_at = issued.json["next_renewal_at"];
  EXPECT_LT(issued_at, next_renewal_at);
  EXPECT_LT(next_renewal_at, expires_at);
  EXPECT_GT(next_renewal_at, NowRfc3339());

  // --- Download: checked with OpenSSL.
  ApiResponse download = api.Get("/certificates/" + id + "/download");
  ASSERT_TRUE(HasStatus(download, 200));
  EXPECT_EQ(Keys(download.json),
            (std::set<std::string>{"certificate_pem", "chain_pem", "fullchain_pem",
                                   "private_key_pem"}));
  const std::string cert_pem = download.json.value("certificate_pem", "");
  const std::string chain_pem = download.json.value("chain_pem", "");
  const std::string key_pem = download.json.value("private_key_pem", "");
  EXPECT_THAT(SanDnsNames(cert_pem), ElementsAre(app, www));
  EXPECT_TRUE(KeyMatches(cert_pem, key_pem));
  EXPECT_TRUE(ChainVerifies(cert_pem, chain_pem, ReadFileText(env().pebble_root_pem_file)));
  Leaf first = ReadLeaf(cert_pem);
  EXPECT_EQ(first.key_type, EVP_PKEY_RSA);
  EXPECT_EQ(first.key_bits, 2048);
  ASSERT_FALSE(first.serial_hex.empty());
  EXPECT_EQ(expires_at.substr(0, 19), first.not_after.substr(0, 19));

  // --- Logs.
  ApiResponse logs = api.Get("/certificates/" + id + "/logs");
  ASSERT_TRUE(HasStatus(logs, 200));
  ASSERT_TRUE(logs.json["logs"].is_array()) << logs.body;
  EXPECT_THAT(logs.json["logs"], Not(IsEmpty()));
  for (const auto& entry : logs.json["logs"]) {
    EXPECT_TRUE(entry["timestamp"].is_string() && entry["level"].is_string() &&
                entry["message"].is_string())
        << entry.dump();
  }
  EXPECT_THAT(logs.body, Not(HasSubstr("PRIVATE KEY")));

  // --- Renew: validating, then issued again with a new certificate.
  ApiResponse renewing = api.Post("/certificates/" + id + "/renew", json::object());
  ASSERT_TRUE(HasStatus(renewing, 202));
  EXPECT_EQ(renewing.json.value("status", ""), "validating") << renewing.body;
  EXPECT_EQ(renewing.json.value("id", ""), id);
  ApiResponse renewed = WaitSettled(api, id);
  ASSERT_EQ(renewed.json.value("status", ""), "issued")
      << renewed.Describe() << "\n" << LogsText(api, id);
  ASSERT_TRUE(renewed.json["issued_at"].is_string()) << renewed.body;
  EXPECT_GE(renewed.json["issued_at"].get<std::string>(), issued_at);
  ApiResponse download2 = api.Get("/certificates/" + id + "/download");
  ASSERT_TRUE(HasStatus(download2, 200));
  const std::string cert_pem2 = download2.json.value("certificate_pem", "");
  Leaf second = ReadLeaf(cert_pem2);
  EXPECT_NE(second.serial_hex, first.serial_hex);
  EXPECT_THAT(SanDnsNames(cert_pem2), ElementsAre(app, www));
  EXPECT_TRUE(KeyMatches(cert_pem2, download2.json.value("private_key_pem", "")));
  EXPECT_EQ(renewed.json.value("expires_at", "").substr(0, 19), second.not_after.substr(0, 19));
  // "Certificates renewed manually reset the next_renewal_at timestamp."
  ASSERT_TRUE(renewed.json["next_renewal_at"].is_string()) << renewed.body;
  EXPECT_GE(renewed.json["next_renewal_at"].get<std::string>(), next_renewal_at);
  EXPECT_LT(renewed.json["next_renewal_at"].get<std::string>(), renewed.json.value("expires_at", ""));

  // --- Auto-renew off, then on.
  ApiResponse off = api.Put("/certificates/" + id + "/auto-renew", {{"enabled", false}});
  ASSERT_TRUE(HasStatus(off, 200));
  EXPECT_EQ(off.json["auto_renew"], false);
  EXPECT_TRUE(off.json["next_renewal_at"].is_null()) << off.body;
  ApiResponse off_read = api.Get("/certificates/" + id);
  EXPECT_EQ(off_read.json["auto_renew"], false);
  EXPECT_TRUE(off_read.json["next_renewal_at"].is_null()) << off_read.body;
  ApiResponse on = api.Put("/certificates/" + id + "/auto-renew", {{"enabled", true}});
  ASSERT_TRUE(HasStatus(on, 200));
  EXPECT_EQ(on.json["auto_renew"], true);
  ASSERT_TRUE(on.json["next_renewal_at"].is_string()) << on.body;
  EXPECT_GT(on.json["next_renewal_at"].get<std::string>(), NowRfc3339());
  EXPECT_LT(on.json["next_renewal_at"].get<std::string>(), on.json.value("expires_at", ""));

  // --- Delete with revocation.
  ApiResponse deleted = api.Delete("/certificates/" + id + "?revoke=true");
  ASSERT_TRUE(HasStatus(deleted, 200));
  EXPECT_EQ(deleted.json.value("revoked", false), true) << deleted.body;
  EXPECT_TRUE(IsError(api.Get("/certificates/" + id), 404, "certificate_not_found",
                      spec::kCertificateNotFound));
  EXPECT_TRUE(IsError(api.Get("/certificates/" + id + "/download"), 404,
                      "certificate_not_found", spec::kCertificateNotFound));
  EXPECT_THAT(ListedIds(api), IsEmpty());
  EXPECT_EQ(CurrentCount(api), 0);

  // Pebble's management API (GET /cert-status-by-serial/<hex serial>) says it is revoked.
  http::Request status_request;
  status_request.url = pebble_mgmt + "/cert-status-by-serial/" + second.serial_hex;
  auto status = http().Send(status_request);
  ASSERT_TRUE(status.ok()) << status.error().message();
  ASSERT_EQ(status->status, 200) << status->body;
  json pebble = json::parse(status->body, nullptr, false);
  EXPECT_EQ(pebble.value("Status", ""), "Revoked") << status->body;
}

TEST_F(FullFlowE2e, ZoneVerifiedByItsTxtRecordBeforeDelegation) {
  ASSERT_FALSE(env().world_pdns_api_url.empty()) << "the stack has no world PowerDNS";
  TestUser pro = NewUser("pro");
  const std::string parent = Unique("p") + ".test";
  const std::string zone = Unique("z") + "." + parent;
  CleanUpZoneLater(zone);
  CleanUpWorldZoneLater(parent);
  ApiResponse imported = pro.api.Post("/zones", {{"name", zone}});
  ASSERT_TRUE(HasStatus(imported, 201));
  const std::string zone_id = imported.json.value("id", "");
  const std::string txt_name = imported.json["verification"].value("txt_name", "");
  const std::string txt_value = imported.json["verification"].value("txt_value", "");
  ASSERT_EQ(txt_name, "_certadns-verify." + zone);
  ASSERT_FALSE(txt_value.empty());

  // The zone is still served elsewhere (the parent's operator here); a wrong token first.
  ASSERT_TRUE(world().CreateZone(parent, {"ns1.registry-e2e.test"}).ok());
  ASSERT_TRUE(world().ReplaceRrset(parent, txt_name, "TXT", 60,
                                   {{"\"certadns-verify=not-the-token\"", false}}).ok());
  ApiResponse wrong = pro.api.Post("/zones/" + zone_id + "/verify", json::object());
  ASSERT_TRUE(HasStatus(wrong, 200));
  EXPECT_EQ(wrong.json.value("verified", true), false);
  EXPECT_THAT(wrong.json["verification"].value("detail", ""), HasSubstr("not-the-token"));

  ASSERT_TRUE(world().ReplaceRrset(parent, txt_name, "TXT", 60,
                                   {{"\"" + txt_value + "\"", false}}).ok());
  ApiResponse verified = pro.api.Post("/zones/" + zone_id + "/verify", json::object());
  ASSERT_TRUE(HasStatus(verified, 200));
  EXPECT_EQ(verified.json.value("verified", false), true) << verified.body;
  ApiResponse listed = pro.api.Get("/zones");
  ASSERT_TRUE(HasStatus(listed, 200));
  ASSERT_EQ(listed.json["zones"].size(), 1u);
  EXPECT_EQ(listed.json["zones"][0].value("verified", false), true);

  // Verified, but the CA would not see our challenge records yet: pre-flight refuses, and
  // nothing is created.
  ApiResponse early =
      RequestCertificate(pro.api, {{"zone_id", zone_id}, {"domain", "app." + zone}});
  EXPECT_TRUE(HasStatus(early, 400));
  EXPECT_EQ(early.json.value("code", ""), "zone_not_delegated") << early.body;
  EXPECT_THAT(early.json.value("detail", ""), HasSubstr("delegated"));
  EXPECT_EQ(CurrentCount(pro.api), 0);

  DelegateInWorld(parent, zone, imported.json["verification"]["nameservers"]);
  ApiResponse created =
      RequestCertificate(pro.api, {{"zone_id", zone_id}, {"domain", "app." + zone}});
  ASSERT_TRUE(HasStatus(created, 202));
  ApiResponse settled = WaitSettled(pro.api, created.json.value("id", ""));
  EXPECT_EQ(settled.json.value("status", ""), "issued")
      << settled.Describe() << "\n" << LogsText(pro.api, created.json.value("id", ""));
}

}  // namespace
}  // namespace certadns::test
