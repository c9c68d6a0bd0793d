// NoncePool: LIFO reuse of Replay-Nonce values with a bound (RFC 8555 §7.2).
#include "acme/nonce_pool.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace certadns::acme {
namespace {

TEST(NoncePoolTest, IsEmptyAtFirst) {
  NoncePool pool;
  EXPECT_FALSE(pool.Take().has_value());
}

TEST(NoncePoolTest, HandsOutEachNonceOnce) {
  NoncePool pool;
  pool.Put("n1");
  EXPECT_EQ(pool.Take(), "n1");
  EXPECT_FALSE(pool.Take().has_value());
}

TEST(NoncePoolTest, HandsOutTheNewestNonceFirst) {
  NoncePool pool;
  pool.Put("old");
  pool.Put("new");
  EXPECT_EQ(pool.Take(), "new");
  EXPECT_EQ(pool.Take(), "old");
}

TEST(NoncePoolTest, IgnoresEmptyNonces) {
  NoncePool pool;
  pool.Put("");
  EXPECT_FALSE(pool.Take().has_value());
}

TEST(NoncePoolTest, DropsTheOldestBeyondItsBound) {
  NoncePool pool;
  for (int i = 0; i < 70; ++i) pool.Put("n" + std::to_string(i));
  std::vector<std::string> taken;
  while (auto nonce = pool.Take()) taken.push_back(*nonce);
  ASSERT_EQ(taken.size(), 64u);
  EXPECT_EQ(taken.front(), "n69");
  EXPECT_EQ(taken.back(), "n6");  // n0..n5 were dropped
}

TEST(NoncePoolTest, ConcurrentPutsAreAllKept) {
  NoncePool pool;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 16; ++i) pool.Put("t" + std::to_string(t) + "-" + std::to_string(i));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> taken;
  while (auto nonce = pool.Take()) taken.insert(*nonce);
  EXPECT_EQ(taken.size(), 64u);
}

}  // namespace
}  // namespace certadns::acme
