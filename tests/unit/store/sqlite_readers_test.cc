// SqliteStore's read-only connections: the request path's reads return while the writer holds
// a transaction open, every read sees the writes committed before it, leases are shared out
// among more threads than readers, and a store in memory (which cannot have readers) reads on
// its one connection.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace certadns::store::sqlite {
namespace {

constexpr char kAlice[] = "user_alice";

class SqliteReadersTest : public ::testing::Test {
 protected:
  void Open(const std::string& path, int readers = SqliteStore::kDefaultReaders) {
    auto opened = SqliteStore::Open(path, readers);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store_->CreateZone({"zone_a", kAlice, "example.com", true, clock_.Now()}).ok());
  }

  void AddCertificate(const std::string& id) {
    core::Certificate c;
    c.id = id;
    c.owner_id = kAlice;
    c.zone_id = "zone_a";
    c.zone_name = "example.com";
    c.domain = id + ".example.com";
    c.auto_renew = true;
    c.created_at = clock_.Now();
    c.updated_at = clock_.Now();
    Job job;
    job.id = "job_" + id;
    job.certificate_id = id;
    job.step = "order";
    job.run_at = clock_.Now();
    job.created_at = clock_.Now();
    ASSERT_TRUE(store_->CreateCertificate(c, job).ok());
  }

  void AddApiKey(const std::string& id, const std::string& hash) {
    ASSERT_TRUE(
        store_->CreateApiKey({id, kAlice, hash, id.substr(0, 6), clock_.Now(), std::nullopt}).ok());
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteReadersTest, RequestReadsReturnWhileTheWriterHoldsATransactionOpen) {
  Open(dir_.File("store.db"));
  for (const char* id : {"c1", "c2", "c3"}) AddCertificate(id);
  AddApiKey("key_1", "hash_1");

  // A list request's reads, each checked against what was committed before.
  auto request_reads = [this] {
    auto list = store_->ListCertificates(kAlice);
    auto count = store_->CountCertificates(kAlice);
    auto one = store_->GetCertificate(kAlice, "c2");
    auto owner = store_->FindApiKeyOwner("hash_1");
    return list.ok() && list->size() == 3 && count.ok() && *count == 3 && one.ok() &&
           one->domain == "c2.example.com" && owner.ok() && owner->user.id == kAlice;
  };
  std::future<bool> reads;  // outlives the callback, so a blocked read cannot block it
  bool returned_inside = false;
  LedgerQuery query;
  query.acme_account = "https://ca.example/directory";
  LedgerOrder order{"order_1", "c1", query.acme_account, "", {}, clock_.Now()};
  // ReserveOrder calls `admit` inside its BEGIN IMMEDIATE transaction, under the writer's lock.
  auto reserved = store_->ReserveOrder(query, order, [&](const LedgerCounts&) {
    reads = std::async(std::launch::async, request_reads);
    returned_inside = reads.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    return true;
  });
  ASSERT_TRUE(reserved.ok()) << reserved.error().message();
  EXPECT_TRUE(*reserved);
  EXPECT_TRUE(returned_inside) << "the reads waited for the writer's transaction to end";
  EXPECT_TRUE(reads.get()) << "the reads saw what was committed before them";
}

TEST_F(SqliteReadersTest, EveryReadSeesTheWritesCommittedBeforeIt) {
  Open(dir_.File("store.db"), /*readers=*/1);  // one reader: each read reuses its statements
  AddApiKey("key_1", "hash_1");
  for (int i = 0; i < 20; ++i) {
    const std::string id = "c" + std::to_string(i);
    AddCertificate(id);
    auto list = store_->ListCertificates(kAlice);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), static_cast<size_t>(i + 1));
    EXPECT_TRUE(std::any_of(list->begin(), list->end(),
                            [&id](const core::Certificate& c) { return c.id == id; }));
    EXPECT_EQ(store_->CountCertificates(kAlice).value(), i + 1);
    ASSERT_TRUE(store_->FindApiKeyOwner("hash_1").ok());  // stops after its one row
  }
  ASSERT_TRUE(store_->SetAutoRenew(kAlice, "c3", false, std::nullopt).ok());
  EXPECT_FALSE(store_->GetCertificate(kAlice, "c3")->auto_renew);
  ASSERT_TRUE(store_->SetUserPlan("alice@example.com", "elite").ok());
  EXPECT_EQ(store_->GetUser(kAlice)->plan, "elite");
  EXPECT_EQ(store_->FindApiKeyOwner("hash_1")->user.plan, "elite");
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_1", clock_.Now()).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash_1").error().code(), core::ErrorCode::kNotFound);
  ASSERT_TRUE(store_->DeleteCertificate(kAlice, "c3").ok());
  EXPECT_EQ(store_->GetCertificate(kAlice, "c3").error().code(), core::ErrorCode::kNotFound);
  EXPECT_EQ(store_->CountCertificates(kAlice).value(), 19);
}

TEST_F(SqliteReadersTest, MoreThreadsThanReadersTakeTurnsAndSeeNoFewerRowsThanBefore) {
  Open(dir_.File("store.db"), /*readers=*/2);
  AddCertificate("c0");
  constexpr int kThreads = 6;
  constexpr int kReadsEach = 50;
  std::vector<std::future<std::string>> readers;
  for (int t = 0; t < kThreads; ++t) {
    readers.push_back(std::async(std::launch::async, [this]() -> std::string {
      size_t seen = 0;
      for (int i = 0; i < kReadsEach; ++i) {
        auto list = store_->ListCertificates(kAlice);
        if (!list.ok()) return list.error().message();
        if (list->size() < seen) return "a read saw fewer certificates than an earlier one";
        seen = list->size();
      }
      return "";
    }));
  }
  for (int i = 1; i <= 10; ++i) AddCertificate("c" + std::to_string(i));
  for (auto& r : readers) EXPECT_EQ(r.get(), "");
  EXPECT_EQ(store_->ListCertificates(kAlice)->size(), 11u);
}

TEST_F(SqliteReadersTest, AStoreInMemoryReadsOnItsOneConnection) {
  Open(":memory:");
  AddCertificate("c1");
  AddApiKey("key_1", "hash_1");
  auto user = store_->GetUser(kAlice);
  ASSERT_TRUE(user.ok()) << user.error().message();
  EXPECT_EQ(user->email, "alice@example.com");
  auto list = store_->ListCertificates(kAlice);
  ASSERT_TRUE(list.ok()) << list.error().message();
  EXPECT_EQ(list->size(), 1u);
  auto owner = store_->FindApiKeyOwner("hash_1");
  ASSERT_TRUE(owner.ok()) << owner.error().message();
  EXPECT_EQ(owner->key.id, "key_1");
}

}  // namespace
}  // namespace certadns::store::sqlite
