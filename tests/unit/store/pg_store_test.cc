// PgStore against a real PostgreSQL (CERTADNS_TEST_PG_URL; scripts/pg.sh up): what only
// several processes sharing one database can show. Each PgStore here stands for a node:
// migrations applied once when nodes start together, a due job claimed by exactly one
// node, a lost lease taken over, the plan limit held under racing requests, the pool's
// bounded wait, and the master key check.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"
#include "support/fake_clock.h"
#include "support/pg_test_database.h"

namespace certadns::store::postgres {

// The migrations this build embeds (pg_migrations.cc, generated from migrations/*.sql).
extern const std::vector<std::string_view> kMigrations;

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kAlice[] = "user_alice";

class PgStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<PgStore> Node(const std::string& query = "") {
    auto store = PgStore::Open(db_.url() + query);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  void AddAccount(Store& store) {
    ASSERT_TRUE(store.CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
    ASSERT_TRUE(store.CreateZone({"zone_a", kAlice, "example.com", true, clock_.Now()}).ok());
  }

  core::Certificate Cert(const std::string& id) {
    core::Certificate c;
    c.id = id;
    c.owner_id = kAlice;
    c.zone_id = "zone_a";
    c.zone_name = "example.com";
    c.domain = id.substr(5) + ".example.com";
    c.created_at = clock_.Now();
    c.updated_at = clock_.Now();
    return c;
  }

  Job MakeJob(const std::string& id, const std::string& cert_id) {
    Job job;
    job.id = id;
    job.certificate_id = cert_id;
    job.step = "order";
    job.run_at = clock_.Now();
    job.state = "{}";
    job.created_at = clock_.Now();
    return job;
  }

  test::PgTestDatabase db_;
  test::FakeClock clock_;
};

TEST_F(PgStoreTest, NodesStartingTogetherApplyEachMigrationOnce) {
  CERTADNS_REQUIRE_PG(db_);
  std::vector<std::thread> nodes;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&] {
      if (PgStore::Open(db_.url()).ok()) ++opened;
    });
  }
  for (auto& node : nodes) node.join();
  EXPECT_EQ(opened.load(), 4);
  auto conn = PgConnection::Connect(db_.url());
  ASSERT_TRUE(conn.ok());
  auto versions = (*conn)->Exec("SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) "
                                "FROM schema_migrations");
  ASSERT_TRUE(versions.ok()) << versions.error().message();
  const auto known = static_cast<int64_t>(kMigrations.size());
  EXPECT_EQ(versions->Int(0, 0), known);
  EXPECT_EQ(versions->Int(0, 1), known);
  EXPECT_EQ(versions->Int(0, 2), known);
}

TEST_F(PgStoreTest, ANodeRefusesASchemaNewerThanItKnows) {
  CERTADNS_REQUIRE_PG(db_);
  ASSERT_NE(Node(), nullptr);
  auto conn = PgConnection::Connect(db_.url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Run("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  auto old_node = PgStore::Open(db_.url());
  ASSERT_FALSE(old_node.ok());
  EXPECT_EQ(old_node.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(old_node.error().message().find("version 999"), std::string::npos);
}

TEST_F(PgStoreTest, EveryDueJobIsClaimedByExactlyOneNode) {
  CERTADNS_REQUIRE_PG(db_);
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a && b);
  AddAccount(*a);
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) {
    std::string n = std::to_string(i);
    ASSERT_TRUE(a->CreateCertificate(Cert("cert_c" + n), MakeJob("job_" + n, "cert_c" + n)).ok());
  }
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> claims;  // job -> workers
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      Store& node = w % 2 ? *a : *b;
      std::string worker = "node" + std::to_string(w % 2) + "/w" + std::to_string(w);
      for (int attempt = 0; attempt < kJobs; ++attempt) {  // bounded: at most every job
        auto job = node.ClaimJob(worker, clock_.Now(), seconds(60));
        if (!job.ok() || !job->has_value()) break;
        std::lock_guard lock(mutex);
        claims[(*job)->id].push_back(worker);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(claims.size(), static_cast<size_t>(kJobs));
  for (const auto& [job, by] : claims) EXPECT_EQ(by.size(), 1u) << job << " claimed twice";
}

TEST_F(PgStoreTest, ADeadNodesLeaseExpiresAndAnotherNodeFinishesTheJob) {
  CERTADNS_REQUIRE_PG(db_);
  auto dead = Node();
  auto alive = Node();
  ASSERT_TRUE(dead && alive);
  AddAccount(*alive);
  ASSERT_TRUE(alive->CreateCertificate(Cert("cert_x"), MakeJob("job_x", "cert_x")).ok());
  auto first = dead->ClaimJob("dead/w0", clock_.Now(), seconds(30));
  ASSERT_TRUE(first.ok() && first->has_value());
  dead.reset();  // the node is gone; its lease stays in the database
  auto early = alive->ClaimJob("alive/w0", clock_.Now() + seconds(29), seconds(30));
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value()) << "taken while the lease was live";
  clock_.Advance(seconds(31));
  auto taken = alive->ClaimJob("alive/w0", clock_.Now(), seconds(30));
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->id, "job_x");
  StepCommit done{**taken};
  done.finished = true;
  EXPECT_TRUE(alive->CommitStep("alive/w0", done).ok());
  auto jobs = alive->ListJobs("cert_x");
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty());
}

TEST_F(PgStoreTest, ThePlanLimitHoldsWithRequestsRacingThroughTwoNodes) {
  CERTADNS_REQUIRE_PG(db_);
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a && b);
  AddAccount(*a);
  constexpr int kLimit = 5;
  constexpr int kRequests = 24;
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> requests;
  for (int i = 0; i < kRequests; ++i) {
    requests.emplace_back([&, i] {
      Store& node = i % 2 ? *a : *b;
      std::string n = std::to_string(i);
      auto status = node.CreateCertificate(Cert("cert_r" + n), MakeJob("job_r" + n, "cert_r" + n),
                                           kLimit);
      if (status.ok()) {
        ++created;
      } else if (status.error().code() == core::ErrorCode::kResourceExhausted) {
        ++refused;
      }
    });
  }
  for (auto& request : requests) request.join();
  EXPECT_EQ(created.load(), kLimit);
  EXPECT_EQ(refused.load(), kRequests - kLimit);
  auto count = a->CountCertificates(kAlice);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, kLimit);
}

TEST_F(PgStoreTest, AJobEnqueuedOnOneNodeWakesTheOtherNodesWorkers) {
  CERTADNS_REQUIRE_PG(db_);
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a && b);
  AddAccount(*a);
  std::mutex mutex;
  std::condition_variable woken;
  int wakes = 0;
  b->SetWakeHook([&] {
    std::lock_guard lock(mutex);
    ++wakes;
    woken.notify_all();
  });
  auto wait_for_wake = [&] {
    std::unique_lock lock(mutex);
    bool got = woken.wait_for(lock, seconds(5), [&] { return wakes > 0; });
    wakes = 0;
    return got;
  };
  ASSERT_TRUE(wait_for_wake()) << "the listener never connected";  // its first look
  ASSERT_TRUE(a->CreateCertificate(Cert("cert_w"), MakeJob("job_w", "cert_w")).ok());
  EXPECT_TRUE(wait_for_wake()) << "node b was not told of node a's new job";
  // A claim takes a lease: nobody else has anything new to do.
  auto claimed = a->ClaimJob("a/w0", clock_.Now(), seconds(60));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  StepCommit later{**claimed};
  later.job.run_at = clock_.Now() + seconds(5);
  ASSERT_TRUE(a->CommitStep("a/w0", later).ok());
  EXPECT_TRUE(wait_for_wake()) << "a rescheduled job did not wake node b";
  b->SetWakeHook({});
}

TEST_F(PgStoreTest, APoolWaitsABoundedTimeForAFreeConnection) {
  CERTADNS_REQUIRE_PG(db_);
  auto pool = PgPool::Open(db_.url(), PgPoolOptions{1, milliseconds(200)});
  ASSERT_TRUE(pool.ok()) << pool.error().message();
  {
    auto held = (*pool)->Acquire();
    ASSERT_TRUE(held.ok());
    auto waiting = (*pool)->Acquire();
    ASSERT_FALSE(waiting.ok());
    EXPECT_EQ(waiting.error().code(), core::ErrorCode::kUnavailable);
    EXPECT_NE(waiting.error().message().find("within 200 ms"), std::string::npos)
        << waiting.error().message();
  }
  auto again = (*pool)->Acquire();
  EXPECT_TRUE(again.ok()) << "the returned connection is lent again";
  EXPECT_EQ((*pool)->OpenForTest(), 1u);
}

TEST_F(PgStoreTest, PoolOptionsComeFromTheUrlAndLibpqNeverSeesThem) {
  PgPoolOptions options;
  auto url = TakePoolOptions("postgresql://u@h:1/db?pool_size=3&connect_timeout=2&pool_wait_ms=50",
                             options);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, "postgresql://u@h:1/db?connect_timeout=2");
  EXPECT_EQ(options.size, 3u);
  EXPECT_EQ(options.wait, milliseconds(50));
  EXPECT_FALSE(TakePoolOptions("postgresql://h/db?pool_size=0", options).ok());
  EXPECT_FALSE(TakePoolOptions("postgresql://h/db?pool_size=x", options).ok());
}

TEST_F(PgStoreTest, ALostConnectionIsReplacedNotReused) {
  CERTADNS_REQUIRE_PG(db_);
  auto store = Node("?pool_size=1");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateUser({kAlice, "alice@example.com", "pro", "", clock_.Now()}).ok());
  auto admin = PgConnection::Connect(db_.url());
  ASSERT_TRUE(admin.ok());
  // The pool's only connection is killed by the server (as in a failover or a restart).
  ASSERT_TRUE((*admin)->Run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "datname = current_database() AND pid <> pg_backend_pid()")
                  .ok());
  auto during = store->GetUser(kAlice);
  if (!during.ok()) {
    EXPECT_EQ(during.error().code(), core::ErrorCode::kUnavailable);
  }
  auto after = store->GetUser(kAlice);
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_EQ(after->email, "alice@example.com");
}

}  // namespace
}  // namespace certadns::store::postgres
