// PowerDnsClient: URLs, request bodies and the mapping of PowerDNS 4.7 answers to ErrorCodes.
#include "dns/powerdns/powerdns_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/text.h"
#include "support/fake_http_client.h"
#include "support/test_data.h"

namespace certadns::dns::powerdns {
namespace {

using test::FakeHttpClient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kZonesUrl[] = "http://pdns.test/api/v1/servers/localhost/zones";
constexpr char kZoneUrl[] = "http://pdns.test/api/v1/servers/localhost/zones/example.com.";

std::string Fixture(std::string_view name) {
  core::Result<std::string> text = test::ReadTestData("dns/powerdns/" + std::string(name));
  EXPECT_TRUE(text.ok());
  return text.ok() ? text.value() : "";
}

class PowerDnsClientTest : public ::testing::Test {
 protected:
  FakeHttpClient http_;
  PowerDnsClient client_{http_, {"http://pdns.test", "k", "localhost"}};
};

TEST_F(PowerDnsClientTest, GetRrsetPicksTheRrsetOutOfAWholeZone) {
  // A server that ignores rrset_name/rrset_type returns every RRset (zone.json).
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("zone.json")));

  core::Result<Rrset> rrset =
      client_.GetRrset("Example.COM", "_ACME-challenge.example.com.", "TXT");

  ASSERT_TRUE(rrset.ok()) << rrset.error().message();
  EXPECT_EQ(rrset->name, "_acme-challenge.example.com.");
  EXPECT_EQ(rrset->ttl, 60u);
  ASSERT_EQ(rrset->records.size(), 1u);
  EXPECT_EQ(rrset->records[0].content, "\"foreign-4Fs2lXk0ZhQd3w\"");
  EXPECT_FALSE(rrset->records[0].disabled);
}

TEST_F(PowerDnsClientTest, GetRrsetOfAbsentRrsetHasNoRecords) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_empty.json")));

  core::Result<Rrset> rrset = client_.GetRrset("example.com", "_acme-challenge.example.com", "TXT");

  ASSERT_TRUE(rrset.ok());
  EXPECT_TRUE(rrset->records.empty());
}

TEST_F(PowerDnsClientTest, MalformedZoneDocumentIsInternal) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, "{\"rrsets\": [{\"name\": 1}]}"));

  core::Result<Rrset> rrset = client_.GetRrset("example.com", "x.example.com", "TXT");

  ASSERT_FALSE(rrset.ok());
  EXPECT_EQ(rrset.error().code(), core::ErrorCode::kInternal);
}

TEST_F(PowerDnsClientTest, ErrorStatusesMapToCodes) {
  struct Case {
    std::string_view desc;
    http::Response response;
    core::ErrorCode code;
  };
  const Case cases[] = {
      {"4.7 unknown zone", FakeHttpClient::TextResponse(404, "Not Found"),
       core::ErrorCode::kNotFound},
      {"older unknown zone",
       FakeHttpClient::JsonResponse(422, R"({"error": "Could not find domain 'example.com.'"})"),
       core::ErrorCode::kNotFound},
      {"bad key", FakeHttpClient::TextResponse(401, "Unauthorized"), core::ErrorCode::kInternal},
      {"proxy down", FakeHttpClient::TextResponse(503, "Service Unavailable"),
       core::ErrorCode::kUnavailable},
      // gsqlite3 under concurrent writes: retrying helps, so it is transient.
      {"backend busy", FakeHttpClient::JsonResponse(500, R"({"error": "database is locked"})"),
       core::ErrorCode::kUnavailable},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    http_.Reset();
    http_.When("GET", kZoneUrl, c.response);
    core::Result<Rrset> rrset = client_.GetRrset("example.com", "x.example.com", "TXT");
    ASSERT_FALSE(rrset.ok());
    EXPECT_EQ(rrset.error().code(), c.code);
  }
}

TEST_F(PowerDnsClientTest, UntrustedErrorTextBecomesValidUtf8) {
  const std::string cut = std::string(511, 'x') + "\xC3\xA9" + std::string(100, 'y');
  const std::string stray = R"({"error": "backend: )" "\xff" R"("})";
  for (const std::string& body : {cut, stray, std::string("\xC3")}) {
    SCOPED_TRACE(body.substr(0, 40));
    http_.Reset();
    http_.When("GET", kZoneUrl, FakeHttpClient::TextResponse(500, body));
    core::Result<Rrset> rrset = client_.GetRrset("example.com", "x.example.com", "TXT");
    ASSERT_FALSE(rrset.ok());
    EXPECT_TRUE(core::IsValidUtf8(rrset.error().message())) << rrset.error().message();
  }
}

TEST_F(PowerDnsClientTest, CreateZoneSendsNativeZoneWithCanonicalNames) {
  http_.When("POST", kZonesUrl, FakeHttpClient::JsonResponse(201, Fixture("zone_created.json")));

  ASSERT_TRUE(client_.CreateZone("Example.com", {"ns1.example.com", "ns2.example.com."}).ok());

  const std::vector<http::Request> posts = http_.RequestsWithMethod("POST");
  ASSERT_EQ(posts.size(), 1u);
  const nlohmann::json body = nlohmann::json::parse(posts[0].body);
  EXPECT_EQ(body.at("name"), "example.com.");
  EXPECT_EQ(body.at("kind"), "Native");
  EXPECT_THAT(body.at("nameservers").get<std::vector<std::string>>(),
              ElementsAre("ns1.example.com.", "ns2.example.com."));
}

TEST_F(PowerDnsClientTest, CreateExistingZoneIsAlreadyExists) {
  // PowerDNS 4.7.3 answers 409 with a text/plain "Conflict".
  http_.When("POST", kZonesUrl, FakeHttpClient::TextResponse(409, "Conflict"));

  const core::Status status = client_.CreateZone("example.com", {});

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kAlreadyExists);
}

TEST_F(PowerDnsClientTest, ZoneExistsAsksWithoutRrsets) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("zone.json")));

  core::Result<bool> exists = client_.ZoneExists("example.com");

  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(*exists);
  EXPECT_EQ(http_.Requests().at(0).url, std::string(kZoneUrl) + "?rrsets=false");
}

TEST_F(PowerDnsClientTest, ZoneExistsIsFalseForUnknownZone) {
  http_.When("GET", kZoneUrl, FakeHttpClient::TextResponse(404, "Not Found"));

  core::Result<bool> exists = client_.ZoneExists("example.com.");

  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TEST_F(PowerDnsClientTest, DeleteUnknownZoneIsNotFound) {
  http_.When("DELETE", kZoneUrl, FakeHttpClient::TextResponse(404, "Not Found"));

  const core::Status status = client_.DeleteZone("example.com");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kNotFound);
}

TEST_F(PowerDnsClientTest, ReplaceRrsetKeepsDisabledFlag) {
  http_.When("PATCH", kZoneUrl, FakeHttpClient::JsonResponse(204, ""));

  ASSERT_TRUE(client_
                  .ReplaceRrset("example.com", "t.example.com", "TXT", 300,
                                {{"\"a\"", false}, {"\"b\"", true}})
                  .ok());

  const nlohmann::json rrset =
      nlohmann::json::parse(http_.RequestsWithMethod("PATCH").at(0).body).at("rrsets").at(0);
  EXPECT_EQ(rrset.at("ttl"), 300);
  EXPECT_EQ(rrset.at("records").at(1).at("disabled"), true);
}

TEST_F(PowerDnsClientTest, RefusesZoneNamesThatNeedEscaping) {
  const core::Status status = client_.DeleteZone("exa/mple.com");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(http_.RequestCount(), 0u);
}

// Answers every PATCH after a short pause and records how many were in flight at once.
class OverlapCountingHttp final : public http::HttpClient {
 public:
  core::Result<http::Response> Send(const http::Request&) override {
    const int now = ++in_flight_;
    int seen = most_.load();
    while (now > seen && !most_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --in_flight_;
    return FakeHttpClient::JsonResponse(204, "");
  }
  int most() const { return most_.load(); }

 private:
  std::atomic<int> in_flight_{0};
  std::atomic<int> most_{0};
};

TEST(PowerDnsClientWriteTest, WritesToDifferentZonesGoOutOneAtATime) {
  // PowerDNS's gsqlite3 backend answers overlapping PATCHes with 500 "database is locked".
  OverlapCountingHttp http;
  PowerDnsClient client(http, {"http://pdns.test", "k", "localhost"});
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&client, i] {
      const std::string zone = "z" + std::to_string(i) + ".example.com";
      EXPECT_TRUE(client.ReplaceRrset(zone, "_acme-challenge." + zone, "TXT", 60,
                                      {{"\"v\"", false}})
                      .ok());
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(http.most(), 1);
}

TEST(CanonicalNameTest, LowerCaseWithOneTrailingDot) {
  EXPECT_EQ(CanonicalName("Example.COM"), "example.com.");
  EXPECT_EQ(CanonicalName("example.com."), "example.com.");
  EXPECT_EQ(CanonicalName("example.com.."), "example.com.");
  EXPECT_EQ(CanonicalName(""), ".");
}

}  // namespace
}  // namespace certadns::dns::powerdns
