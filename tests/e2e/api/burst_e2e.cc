// A burst over the API, for correctness only (timings are in `make bench`): 20 certificates
// requested at once by one Elite user, each POST from its own thread, and every one of them
// ends `issued`, with 20 distinct ids in the user's list.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "tests/e2e/api/e2e_fixture.h"

namespace certadns::test {
namespace {

using nlohmann::json;

class BurstE2e : public ApiE2eTest {};

TEST_F(BurstE2e, TwentyAtOnceAreAllIssued) {
  constexpr int kBurst = 20;
  TestUser user = NewUser("elite");
  TestZone zone = ImportZone(user, /*verified=*/true);
  ASSERT_FALSE(zone.id.empty());

  std::vector<ApiResponse> posted(kBurst);
  std::vector<std::thread> threads;
  for (int i = 0; i < kBurst; ++i) {
    threads.emplace_back([&, i] {
      posted[static_cast<size_t>(i)] = RequestCertificate(
          user.api, {{"zone_id", zone.id}, {"domain", "n" + std::to_string(i) + "." + zone.name}});
    });
  }
  for (auto& t : threads) t.join();

  std::vector<std::string> ids;
  for (const ApiResponse& r : posted) {
    ASSERT_TRUE(HasStatus(r, 202)) << r.Describe();
    ids.push_back(r.json.value("id", ""));
  }
  for (const std::string& id : ids) {
    ApiResponse settled = WaitSettled(user.api, id, std::chrono::seconds(120));
    EXPECT_EQ(settled.json.value("status", ""), "issued") << id << "\n" << LogsText(user.api, id);
  }
  std::vector<std::string> listed = ListedIds(user.api);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()),
            std::set<std::string>(ids.begin(), ids.end()));
}

}  // namespace
}  // namespace certadns::test
