// KeyPool: keys ready ahead of demand; a failing generator is retried with backoff, never
// in a spin (defect 8).
#include "issuance/key_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace certadns::issuance {
namespace {

TEST(KeyPoolTest, RefillBacksOffWhileKeyGenerationFails) {
  std::atomic<int> attempts{0};
  {
    KeyPool pool(
        4,
        [&]() -> core::Result<crypto::PrivateKey> {
          ++attempts;
          return core::Internal("no entropy");
        },
        [] { return 0.0; });
    // Real time here: the refill thread is real. Backoff from 100 ms allows a handful of
    // attempts in this window; a spin makes thousands.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(pool.ReadyForTest(), 0u);
    auto direct = pool.Take();  // an empty pool generates on the spot, and says why not
    EXPECT_FALSE(direct.ok());
  }  // the destructor wakes the refill thread out of its backoff
  EXPECT_GE(attempts.load(), 2);
  EXPECT_LE(attempts.load(), 12) << "the refill thread spins on a failing generator";
}

TEST(KeyPoolTest, FillsUpToItsSizeFromTheGenerator) {
  // One real key, handed out as copies: RSA generation on the niced refill thread of a
  // busy machine is slow, and the pool's logic is what is tested here.
  auto key = crypto::PrivateKey::GenerateRsa(2048);
  ASSERT_TRUE(key.ok());
  const std::string pem = key->ToPem().reveal();
  KeyPool pool(
      2, [&]() -> core::Result<crypto::PrivateKey> { return crypto::PrivateKey::FromPem(pem); },
      [] { return 0.0; });
  for (int i = 0; i < 3000 && pool.ReadyForTest() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(pool.ReadyForTest(), 2u);
  EXPECT_TRUE(pool.Take().ok());
}

}  // namespace
}  // namespace certadns::issuance
