// KeyPool: keys ready ahead of demand; a failing generator is retried with backoff, never
// in a spin (defect 8).
#include "issuance/key_pool.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support/memory_store.h"
#include "support/fake_clock.h"

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

TEST(KeyPoolTest, SeveralRefillThreadsFillToItsSizeAndNoFurther) {
  auto key = crypto::PrivateKey::GenerateRsa(2048);
  ASSERT_TRUE(key.ok());
  const std::string pem = key->ToPem().reveal();
  std::atomic<int> generated{0};
  std::atomic<int> at_once{0};
  std::atomic<int> most_at_once{0};
  KeyPool pool(
      5,
      [&]() -> core::Result<crypto::PrivateKey> {
        ++generated;
        int now = ++at_once;
        int seen = most_at_once.load();
        while (now > seen && !most_at_once.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(30));  // a slow key
        --at_once;
        return crypto::PrivateKey::FromPem(pem);
      },
      [] { return 0.0; }, 4);
  for (int i = 0; i < 3000 && pool.ReadyForTest() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // room for an overfill
  EXPECT_EQ(pool.ReadyForTest(), 5u);
  EXPECT_EQ(generated.load(), 5) << "refill threads made keys past the pool's size";
  EXPECT_GE(most_at_once.load(), 2) << "the refill threads took turns instead of working at once";
  // Two taken: two made again, by whichever threads are free.
  ASSERT_TRUE(pool.Take().ok());
  ASSERT_TRUE(pool.Take().ok());
  for (int i = 0; i < 3000 && pool.ReadyForTest() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pool.ReadyForTest(), 5u);
  EXPECT_EQ(generated.load(), 7);
}

// Three distinct real keys, handed out in turn by the generator.
class ThreeKeys {
 public:
  ThreeKeys() {
    for (int i = 0; i < 3; ++i) {
      auto key = crypto::PrivateKey::GenerateRsa(2048);
      EXPECT_TRUE(key.ok());
      if (key.ok()) pems_.push_back(key->ToPem().reveal());
    }
  }
  KeyPool::Generator Generator() {
    return [this]() -> core::Result<crypto::PrivateKey> {
      std::lock_guard lock(mu_);
      return crypto::PrivateKey::FromPem(pems_[next_++ % pems_.size()]);
    };
  }
  int generated() {
    std::lock_guard lock(mu_);
    return next_;
  }
  const std::vector<std::string>& pems() const { return pems_; }

 private:
  std::mutex mu_;
  std::vector<std::string> pems_;
  int next_ = 0;  // guarded by mu_
};

bool WaitForReady(KeyPool& pool, size_t n) {
  for (int i = 0; i < 3000 && pool.ReadyForTest() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pool.ReadyForTest() == n;
}

// A store (in memory; SQLite's KeyPoolStore has its own tests in unit_store) and a box for the
// persisted pool, and a pool that fills it.
class PersistedKeyPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<test::MemoryStore>();
    auto box = crypto::SecretBox::Create(crypto::SecretString(std::string(32, 'k')));
    ASSERT_TRUE(box.ok());
    box_.emplace(std::move(box).value());
  }
  std::unique_ptr<KeyPool> NewPool(KeyPool::Generator generate) {
    return std::make_unique<KeyPool>(3, *store_, *box_, clock_, std::move(generate),
                                     [] { return 0.0; });
  }
  /// Fills the store with the three keys, then stops that pool.
  void Fill() { ASSERT_TRUE(WaitForReady(*NewPool(keys_.Generator()), 3)); }

  ThreeKeys keys_;
  test::FakeClock clock_;
  std::unique_ptr<test::MemoryStore> store_;
  std::optional<crypto::SecretBox> box_;
};

TEST_F(PersistedKeyPoolTest, APersistedPoolIsSealedAndSurvivesARestart) {
  Fill();
  EXPECT_EQ(keys_.generated(), 3);

  // What the database holds is sealed: no PEM in the clear.
  auto row = store_->TakePooledKey();
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->sealed_key.find("PRIVATE KEY"), std::string::npos);
  auto opened = box_->Open((*row)->sealed_key, (*row)->id);
  ASSERT_TRUE(opened.ok());
  EXPECT_NE(opened->reveal().find("PRIVATE KEY"), std::string::npos);

  // "Restarted": a new pool starts warm from the store and refills the one taken.
  auto pool = NewPool(keys_.Generator());
  EXPECT_GE(pool->ReadyForTest(), 2u);
  ASSERT_TRUE(WaitForReady(*pool, 3));
  EXPECT_EQ(keys_.generated(), 4);
}

TEST_F(PersistedKeyPoolTest, APersistedKeyIsNeverHandedOutTwice) {
  Fill();
  // Two pools on one store (two processes on one database) take the three keys at once;
  // neither can generate, so every key handed out comes from the store.
  auto no_generation = [] {
    return core::Result<crypto::PrivateKey>(core::Unavailable("no generation here"));
  };
  auto pool = NewPool(no_generation);
  auto other = NewPool(no_generation);
  std::vector<std::string> taken(3);
  std::vector<std::thread> takers;
  for (int i = 0; i < 3; ++i) {
    takers.emplace_back([&, i] {
      // Both ways of taking: decoded, and as the PEM the engine seals without decoding.
      if (i == 1) {
        auto pem = other->TakePem();
        if (pem.ok()) taken[i] = pem->reveal();
        return;
      }
      auto key = (i % 2 == 0 ? *pool : *other).Take();
      if (key.ok()) taken[i] = key->ToPem().reveal();
    });
  }
  for (std::thread& t : takers) t.join();
  std::sort(taken.begin(), taken.end());
  std::vector<std::string> expected = keys_.pems();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(taken, expected) << "each pooled key exactly once";
  EXPECT_FALSE(pool->Take().ok()) << "the pool is empty and generation fails";
  EXPECT_FALSE(pool->TakePem().ok()) << "the pool is empty and generation fails";
}

}  // namespace
}  // namespace certadns::issuance
