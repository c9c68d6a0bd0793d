// ParallelCalls: results in call order, every call made once, and an exception thrown by a
// call becomes that call's error instead of leaving its thread.
#include "core/parallel_calls.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>

namespace certadns::core {
namespace {

TEST(ParallelCallsTest, ResultsComeInCallOrderAndEachCallIsMadeOnce) {
  std::atomic<int> calls{0};
  auto results = ParallelCalls(20, 4, [&](size_t i) -> core::Result<std::string> {
    ++calls;
    return "name" + std::to_string(i);
  });
  ASSERT_EQ(results.size(), 20u);
  EXPECT_EQ(calls.load(), 20);
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok());
    EXPECT_EQ(*results[i], "name" + std::to_string(i));
  }
}

TEST(ParallelCallsTest, AThrowingCallBecomesItsOwnErrorAndTheOthersStillRun) {
  auto results = ParallelCalls(5, 3, [&](size_t i) -> core::Status {
    if (i == 2) throw std::runtime_error("boom");
    if (i == 3) throw 42;
    return core::Ok();
  });
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code(), core::ErrorCode::kInternal);
  EXPECT_NE(results[2].error().message().find("boom"), std::string::npos);
  ASSERT_FALSE(results[3].ok());
  EXPECT_EQ(results[3].error().code(), core::ErrorCode::kInternal);
  EXPECT_TRUE(results[4].ok());
}

TEST(ParallelCallsTest, NoCallsGiveNoResults) {
  auto results = ParallelCalls(0, 8, [](size_t) -> core::Status { return core::Ok(); });
  EXPECT_TRUE(results.empty());
}

}  // namespace
}  // namespace certadns::core
