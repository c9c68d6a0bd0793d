// The KeyPoolStore contract (store/key_pool_store.h), on every backend that keeps a key pool:
// keys taken oldest first, each exactly once, also by takers racing on one store.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/key_pool_store.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

class KeyPoolStoreContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pool_ = dynamic_cast<KeyPoolStore*>(store_.get());
    if (pool_ == nullptr) GTEST_SKIP() << GetParam().name << " keeps no key pool";
  }
  KeyPoolStore* pool_ = nullptr;
};

TEST_P(KeyPoolStoreContract, APooledKeyIsTakenOnceOldestFirst) {
  ASSERT_TRUE(pool_->AddPooledKey({"pkey_b", "sealed-b"}, clock_.Now()).ok());
  clock_.Advance(std::chrono::seconds(-1));
  ASSERT_TRUE(pool_->AddPooledKey({"pkey_a", std::string("sealed\0a", 8)}, clock_.Now()).ok());
  EXPECT_EQ(pool_->AddPooledKey({"pkey_a", "again"}, clock_.Now()).error().code(),
            core::ErrorCode::kAlreadyExists);
  EXPECT_EQ(*pool_->CountPooledKeys(), 2);

  auto first = pool_->TakePooledKey();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->id, "pkey_a") << "the oldest key first";
  EXPECT_EQ((*first)->sealed_key, std::string("sealed\0a", 8)) << "sealed bytes kept whole";
  auto second = pool_->TakePooledKey();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->id, "pkey_b");
  auto none = pool_->TakePooledKey();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(*pool_->CountPooledKeys(), 0);
}

TEST_P(KeyPoolStoreContract, TakersRacingGetEachKeyExactlyOnce) {
  constexpr int kKeys = 40;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(pool_->AddPooledKey({"pkey_" + std::to_string(i), "sealed"}, clock_.Now()).ok());
  }
  std::mutex mutex;
  std::multiset<std::string> taken;
  std::vector<std::thread> takers;
  for (int t = 0; t < 4; ++t) {
    takers.emplace_back([&] {
      for (int i = 0; i < kKeys; ++i) {  // bounded: at most every key
        auto key = pool_->TakePooledKey();
        if (!key.ok() || !key->has_value()) break;
        std::lock_guard lock(mutex);
        taken.insert((*key)->id);
      }
    });
  }
  for (auto& taker : takers) taker.join();
  EXPECT_EQ(taken.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(std::set<std::string>(taken.begin(), taken.end()).size(), taken.size())
      << "a key was handed out twice";
  EXPECT_EQ(*pool_->CountPooledKeys(), 0);
}

CERTADNS_STORE_CONTRACT(KeyPoolStoreContract);

}  // namespace
}  // namespace certadns::store::contract
