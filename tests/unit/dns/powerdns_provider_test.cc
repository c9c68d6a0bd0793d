// PowerDnsProvider against FakeHttpClient, answering with documents recorded from PowerDNS
// 4.7.3 (tests/testdata/dns/powerdns/).
#include "dns/powerdns/powerdns_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_http_client.h"
#include "support/test_data.h"

namespace certadns::dns::powerdns {
namespace {

using test::FakeHttpClient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kZoneUrl[] = "http://pdns.test:8081/api/v1/servers/localhost/zones/example.com.";
constexpr char kOurs[] = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
constexpr char kForeign[] = "foreign-4Fs2lXk0ZhQd3w";

PowerDnsConfig Config() { return {"http://pdns.test:8081/", "secret-key", "localhost"}; }

ChallengeRecord Ours() { return {"example.com", "_acme-challenge.example.com", kOurs}; }

std::string Fixture(std::string_view name) {
  core::Result<std::string> text = test::ReadTestData("dns/powerdns/" + std::string(name));
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message());
  return text.ok() ? text.value() : "";
}

std::string Quoted(std::string_view value) { return "\"" + std::string(value) + "\""; }

class PowerDnsProviderTest : public ::testing::Test {
 protected:
  // The only PATCH sent, parsed; fails the test unless exactly one was sent.
  nlohmann::json OnlyPatchRrset() {
    const std::vector<http::Request> patches = http_.RequestsWithMethod("PATCH");
    EXPECT_EQ(patches.size(), 1u);
    if (patches.size() != 1) return {};
    EXPECT_EQ(patches[0].url, kZoneUrl);
    const nlohmann::json body = nlohmann::json::parse(patches[0].body);
    EXPECT_EQ(body.at("rrsets").size(), 1u);
    return body.at("rrsets").at(0);
  }

  static std::vector<std::string> Contents(const nlohmann::json& rrset) {
    std::vector<std::string> contents;
    for (const auto& record : rrset.at("records")) {
      contents.push_back(record.at("content").get<std::string>());
    }
    return contents;
  }

  FakeHttpClient http_;
  PowerDnsProvider provider_{http_, Config()};
};

TEST_F(PowerDnsProviderTest, PresentMergesIntoRrsetWithAnotherValue) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_foreign.json")));
  http_.When("PATCH", kZoneUrl, FakeHttpClient::JsonResponse(204, ""));

  ASSERT_TRUE(provider_.Present(Ours()).ok());

  const nlohmann::json rrset = OnlyPatchRrset();
  EXPECT_EQ(rrset.at("changetype"), "REPLACE");
  EXPECT_EQ(rrset.at("name"), "_acme-challenge.example.com.");
  EXPECT_EQ(rrset.at("type"), "TXT");
  EXPECT_EQ(rrset.at("ttl"), 60);
  EXPECT_THAT(Contents(rrset), ElementsAre(Quoted(kForeign), Quoted(kOurs)));
}

TEST_F(PowerDnsProviderTest, PresentReadsOnlyTheChallengeRrsetWithApiKey) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_empty.json")));
  http_.When("PATCH", kZoneUrl, FakeHttpClient::JsonResponse(204, ""));

  ASSERT_TRUE(provider_.Present(Ours()).ok());

  const std::vector<http::Request> requests = http_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url,
            std::string(kZoneUrl) + "?rrset_name=_acme-challenge.example.com.&rrset_type=TXT");
  for (const http::Request& request : requests) {
    http::Response as_headers;  // reuse the case-insensitive lookup
    as_headers.headers = request.headers;
    EXPECT_EQ(as_headers.FindHeader("x-api-key"), "secret-key");
  }
  EXPECT_THAT(Contents(OnlyPatchRrset()), ElementsAre(Quoted(kOurs)));
}

TEST_F(PowerDnsProviderTest, PresentOfValueAlreadyServedSendsNothing) {
  http_.When("GET", kZoneUrl,
             FakeHttpClient::JsonResponse(200, Fixture("rrset_ours_and_foreign.json")));

  ASSERT_TRUE(provider_.Present(Ours()).ok());

  EXPECT_THAT(http_.RequestsWithMethod("PATCH"), IsEmpty());
}

TEST_F(PowerDnsProviderTest, CleanUpOfLastValueSendsDelete) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_ours.json")));
  http_.When("PATCH", kZoneUrl, FakeHttpClient::JsonResponse(204, ""));

  ASSERT_TRUE(provider_.CleanUp(Ours()).ok());

  const nlohmann::json rrset = OnlyPatchRrset();
  EXPECT_EQ(rrset.at("changetype"), "DELETE");
  EXPECT_EQ(rrset.at("name"), "_acme-challenge.example.com.");
  EXPECT_EQ(rrset.at("type"), "TXT");
  EXPECT_FALSE(rrset.contains("records"));
}

TEST_F(PowerDnsProviderTest, CleanUpLeavesForeignValue) {
  http_.When("GET", kZoneUrl,
             FakeHttpClient::JsonResponse(200, Fixture("rrset_ours_and_foreign.json")));
  http_.When("PATCH", kZoneUrl, FakeHttpClient::JsonResponse(204, ""));

  ASSERT_TRUE(provider_.CleanUp(Ours()).ok());

  const nlohmann::json rrset = OnlyPatchRrset();
  EXPECT_EQ(rrset.at("changetype"), "REPLACE");
  EXPECT_EQ(rrset.at("ttl"), 60);  // the recorded RRset's TTL, kept
  EXPECT_THAT(Contents(rrset), ElementsAre(Quoted(kForeign)));
}

TEST_F(PowerDnsProviderTest, CleanUpOfAbsentValueSendsNothing) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_foreign.json")));

  ASSERT_TRUE(provider_.CleanUp(Ours()).ok());

  EXPECT_THAT(http_.RequestsWithMethod("PATCH"), IsEmpty());
}

TEST_F(PowerDnsProviderTest, PresentInZoneNotHostedIsNotFound) {
  // PowerDNS 4.7 answers an unknown zone with 404 and a text/plain "Not Found".
  http_.When("GET", kZoneUrl, FakeHttpClient::TextResponse(404, Fixture("zone_not_found.txt")));

  const core::Status status = provider_.Present(Ours());

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kNotFound);
  EXPECT_THAT(status.error().message(), HasSubstr("example.com."));
  EXPECT_THAT(http_.RequestsWithMethod("PATCH"), IsEmpty());
}

TEST_F(PowerDnsProviderTest, CleanUpInZoneNotHostedIsNoOp) {
  http_.When("GET", kZoneUrl, FakeHttpClient::TextResponse(404, "Not Found"));

  EXPECT_TRUE(provider_.CleanUp(Ours()).ok());
}

TEST_F(PowerDnsProviderTest, TransportErrorIsUnavailable) {
  http_.When("GET", kZoneUrl, core::Unavailable("http: GET x: Connection refused"));

  const core::Status status = provider_.Present(Ours());

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_THAT(status.error().message(), HasSubstr("Connection refused"));
}

TEST_F(PowerDnsProviderTest, RejectedPatchIsInternalWithPowerDnsText) {
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_empty.json")));
  http_.When("PATCH", kZoneUrl,
             FakeHttpClient::JsonResponse(422, Fixture("error_out_of_zone.json")));

  const core::Status status = provider_.Present(Ours());

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kInternal);
  EXPECT_THAT(status.error().message(), HasSubstr("Name is out of zone"));
}

TEST_F(PowerDnsProviderTest, RefusesFqdnOutsideZoneAndUnquotableValues) {
  struct Case {
    std::string_view desc;
    ChallengeRecord record;
  };
  const Case cases[] = {
      {"other zone", {"example.com", "_acme-challenge.example.org", kOurs}},
      {"suffix without dot", {"example.com", "_acme-challenge.badexample.com", kOurs}},
      {"quote in value", {"example.com", "_acme-challenge.example.com", "a\"b"}},
      {"space in value", {"example.com", "_acme-challenge.example.com", "a b"}},
      {"empty value", {"example.com", "_acme-challenge.example.com", ""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    const core::Status status = provider_.Present(c.record);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), core::ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(http_.RequestCount(), 0u);
}

// A minimal in-memory PowerDNS for one zone: GET returns the RRsets, PATCH applies them.
// Like the real one it has no compare-and-set, so unserialised read-modify-writes would lose
// values.
class InMemoryPowerDns final : public http::HttpClient {
 public:
  core::Result<http::Response> Send(const http::Request& request) override {
    if (request.method == "GET") {
      nlohmann::json rrsets = nlohmann::json::array();
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& [name, contents] : rrsets_) {
          nlohmann::json records = nlohmann::json::array();
          for (const std::string& content : contents) {
            records.push_back({{"content", content}, {"disabled", false}});
          }
          rrsets.push_back({{"name", name}, {"type", "TXT"}, {"ttl", 60}, {"records", records}});
        }
      }
      std::this_thread::yield();  // widen the read-modify-write window
      return FakeHttpClient::JsonResponse(200, nlohmann::json{{"rrsets", rrsets}}.dump());
    }
    if (on_patch) on_patch();
    const nlohmann::json body = nlohmann::json::parse(request.body);
    std::lock_guard<std::mutex> lock(mu_);
    ++patches_;
    for (const nlohmann::json& rrset : body.at("rrsets")) {
      const std::string name = rrset.at("name");
      if (rrset.at("changetype") == "DELETE") {
        rrsets_.erase(name);
      } else {
        std::vector<std::string>& contents = rrsets_[name];
        contents.clear();
        for (const auto& record : rrset.at("records")) contents.push_back(record.at("content"));
      }
    }
    return FakeHttpClient::JsonResponse(204, "");
  }

  void Put(const std::string& name, std::vector<std::string> contents) {
    std::lock_guard<std::mutex> lock(mu_);
    rrsets_[name] = std::move(contents);
  }

  int patches() {
    std::lock_guard<std::mutex> lock(mu_);
    return patches_;
  }

  std::function<void()> on_patch;  // runs before each PATCH is applied; set before use

  std::vector<std::string> Contents(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return rrsets_[name];
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> rrsets_;  // guarded by mu_
  int patches_ = 0;                                          // guarded by mu_
};

// Certificates of one zone asking while it is being written go together in its next write:
// a burst costs a few PATCHes, not one read-modify-write per certificate in a row.
// Holds the first PATCH until `waiting` other callers queue behind it, then lets all go;
// returns the PATCHes sent.
int PresentWhileTheFirstWriteWaits(int waiting) {
  InMemoryPowerDns pdns;
  std::promise<void> first_patch;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> patch_calls{0};
  pdns.on_patch = [&] {
    if (patch_calls++ == 0) {
      first_patch.set_value();
      released.wait();
    }
  };
  PowerDnsProvider provider(pdns, Config());
  auto present = [&](int i) {
    return provider.Present(
        {"example.com", "_acme-challenge.n" + std::to_string(i) + ".example.com", "v" +
         std::to_string(i)});
  };
  std::vector<std::thread> callers;
  callers.emplace_back([&] { EXPECT_TRUE(present(0).ok()); });
  EXPECT_EQ(first_patch.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  for (int i = 1; i <= waiting; ++i) callers.emplace_back([&, i] { EXPECT_TRUE(present(i).ok()); });
  for (int i = 0; i < 1000 && provider.WaitingForTest("example.com") < static_cast<size_t>(waiting);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(provider.WaitingForTest("example.com"), static_cast<size_t>(waiting));
  release.set_value();
  for (std::thread& caller : callers) caller.join();
  for (int i = 0; i <= waiting; ++i) {
    EXPECT_THAT(pdns.Contents("_acme-challenge.n" + std::to_string(i) + ".example.com."),
                ElementsAre(Quoted("v" + std::to_string(i))));
  }
  return pdns.patches();
}

// Certificates of one zone asking while it is being written go together in its next write:
// a burst costs a few PATCHes, not one read-modify-write per certificate in a row.
TEST(PowerDnsProviderBatchTest, ChangesAskedForWhileAZoneIsWrittenGoInItsNextPatch) {
  EXPECT_EQ(PresentWhileTheFirstWriteWaits(7), 2) << "the seven waiting went in one PATCH";
}

// One PATCH carries at most 100 callers' changes; the rest go in the next.
TEST(PowerDnsProviderBatchTest, APatchCarriesAtMostAHundredChanges) {
  EXPECT_EQ(PresentWhileTheFirstWriteWaits(120), 3) << "1, then 100, then 20";
}

// A certificate's names (a wildcard and its apex share one name) are published and removed
// with one PATCH each way, which PowerDNS applies at once; values of others stay.
TEST(PowerDnsProviderBatchTest, AllOfACertificatesValuesGoInOnePatchAndLeaveInOne) {
  InMemoryPowerDns pdns;
  pdns.Put("_acme-challenge.www.example.com.", {Quoted(kForeign)});
  PowerDnsProvider provider(pdns, Config());
  const std::vector<ChallengeRecord> records = {
      {"example.com", "_acme-challenge.example.com", "apex-value"},
      {"example.com", "_acme-challenge.example.com", "wildcard-value"},
      {"example.com", "_acme-challenge.www.example.com", "www-value"},
      {"example.com", "_acme-challenge.api.example.com", "api-value"},
  };
  ASSERT_TRUE(provider.PresentAll(records).ok());
  EXPECT_EQ(pdns.patches(), 1);
  EXPECT_THAT(pdns.Contents("_acme-challenge.example.com."),
              ElementsAre(Quoted("apex-value"), Quoted("wildcard-value")));
  EXPECT_THAT(pdns.Contents("_acme-challenge.www.example.com."),
              ElementsAre(Quoted(kForeign), Quoted("www-value")));
  EXPECT_THAT(pdns.Contents("_acme-challenge.api.example.com."), ElementsAre(Quoted("api-value")));

  ASSERT_TRUE(provider.PresentAll(records).ok());
  EXPECT_EQ(pdns.patches(), 1) << "values already served: nothing written";

  ASSERT_TRUE(provider.CleanUpAll(records).ok());
  EXPECT_EQ(pdns.patches(), 2);
  EXPECT_THAT(pdns.Contents("_acme-challenge.example.com."), IsEmpty());
  EXPECT_THAT(pdns.Contents("_acme-challenge.www.example.com."), ElementsAre(Quoted(kForeign)));
  EXPECT_THAT(pdns.Contents("_acme-challenge.api.example.com."), IsEmpty());
}

TEST(PowerDnsProviderConcurrencyTest, ConcurrentPresentsAtOneNameKeepEveryValue) {
  InMemoryPowerDns pdns;
  PowerDnsProvider provider(pdns, Config());
  constexpr int kWorkers = 8;
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&provider, i] {
      EXPECT_TRUE(provider
                      .Present({"example.com", "_acme-challenge.Example.com.",
                                "value-" + std::to_string(i)})
                      .ok());
    });
  }
  for (std::thread& worker : workers) worker.join();

  EXPECT_EQ(pdns.Contents("_acme-challenge.example.com.").size(), static_cast<size_t>(kWorkers));

  workers.clear();
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&provider, i] {
      EXPECT_TRUE(
          provider
              .CleanUp({"example.com", "_acme-challenge.example.com", "value-" + std::to_string(i)})
              .ok());
    });
  }
  for (std::thread& worker : workers) worker.join();

  EXPECT_THAT(pdns.Contents("_acme-challenge.example.com."), IsEmpty());
}

// Shared (cross-node) locks that record who asked, or refuse like a lock held elsewhere.
class RecordingNameLocks final : public core::NameLocks {
 public:
  class Held final : public core::NameLock {
   public:
    explicit Held(int& held) : held_(held) { ++held_; }
    ~Held() override { --held_; }

   private:
    int& held_;
  };
  core::Result<std::unique_ptr<core::NameLock>> Lock(std::string_view name) override {
    asked.emplace_back(name);
    if (refuse) return core::Unavailable("held by another node");
    return std::unique_ptr<core::NameLock>(std::make_unique<Held>(held));
  }
  std::vector<std::string> asked;
  int held = 0;
  bool refuse = false;
};

TEST_F(PowerDnsProviderTest, PresentAndCleanUpHoldTheNamesSharedLock) {
  RecordingNameLocks locks;
  PowerDnsProvider provider(http_, Config(), &locks);
  http_.When("GET", kZoneUrl, FakeHttpClient::JsonResponse(200, Fixture("rrset_foreign.json")));
  http_.When("PATCH", kZoneUrl, FakeHttpClient::JsonResponse(204, ""));

  ASSERT_TRUE(provider.Present(Ours()).ok());
  ASSERT_TRUE(provider.CleanUp(Ours()).ok());

  EXPECT_THAT(locks.asked, ElementsAre("dns-rrset:_acme-challenge.example.com.",
                                       "dns-rrset:_acme-challenge.example.com."));
  EXPECT_EQ(locks.held, 0) << "released after each change";
}

TEST_F(PowerDnsProviderTest, NameLockedByAnotherNodeIsUnavailableAndChangesNothing) {
  RecordingNameLocks locks;
  locks.refuse = true;
  PowerDnsProvider provider(http_, Config(), &locks);

  for (const core::Status& status : {provider.Present(Ours()), provider.CleanUp(Ours())}) {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), core::ErrorCode::kUnavailable);
    EXPECT_THAT(status.error().message(), HasSubstr("_acme-challenge.example.com."));
  }
  EXPECT_EQ(http_.RequestCount(), 0u);
}

}  // namespace
}  // namespace certadns::dns::powerdns
