// WorkerPool: a step that outlasts the lease (a slow CA: 30 s timeouts, several calls per
// step) keeps its lease, so no second worker runs the same step (defect 7).
#include "issuance/worker_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "tests/unit/issuance/engine_fixture.h"

namespace certadns::issuance {
namespace {

using std::chrono::seconds;

TEST_F(EngineTest, ALongStepKeepsItsLeaseSoNoSecondWorkerTakesTheJob) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  acme_.SetNewOrderHook([&] {
    if (calls++ == 0) {
      entered.set_value();
      released.wait();
    }
  });
  cert_id_ = Request("app.example.com").id;

  WorkerPool pool(*store_, *engine_, clock_,
                  WorkerPoolConfig{.threads = 1, .lease = seconds(60), .node_id = "n1"});
  pool.Start();
  ASSERT_EQ(entered.get_future().wait_for(seconds(30)), std::future_status::ready);

  // Five minutes of a step that hangs on the CA, with the pool's heartbeat going.
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(seconds(50));
    pool.HeartbeatForTest();
    auto stolen = store_->ClaimJob("intruder", clock_.Now(), seconds(60));
    ASSERT_TRUE(stolen.ok());
    EXPECT_FALSE(stolen->has_value())
        << "a second worker took the running job after " << (i + 1) * 50 << " s";
  }
  release.set_value();
  // The step's own commit still lands: the job moves on and only one order was made.
  for (int i = 0; i < 3000; ++i) {
    if (Stored(cert_id_).status != core::CertificateState::kPending) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pool.Stop();
  EXPECT_NE(Stored(cert_id_).status, core::CertificateState::kPending);
  EXPECT_EQ(acme_.OrderCount(), 1u);
}

// Steps due at once run back to back on the worker that claimed the job, each one saved as it
// ends, without a trip through the queue in between.
TEST_F(EngineTest, AJobsStepsThatAreDueAtOnceRunUnderOneClaim) {
  UseEngine(&dns_);  // propagation is checked, not waited for: every step is due at once
  cert_id_ = Request("app.example.com", {"www.example.com"}).id;
  WorkerPool pool(*store_, *engine_, clock_,
                  WorkerPoolConfig{.threads = 2, .lease = seconds(60), .node_id = "n1"});
  pool.Start();
  for (int i = 0; i < 3000; ++i) {
    if (store_->ListJobs(cert_id_)->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pool.Stop();
  EXPECT_EQ(Stored(cert_id_).status, core::CertificateState::kIssued);
  EXPECT_TRUE(store_->ListJobs(cert_id_)->empty()) << "the job ran to its end";
  EXPECT_EQ(static_cast<test::MemoryStore&>(*store_).ClaimsForTest(cert_id_), 1) << "a step went back through the queue";
  // Every step was saved as it ended: the certificate's log has each stage.
  EXPECT_GE(store_->ListEvents(kOwner, cert_id_)->size(), 8u);
}

}  // namespace
}  // namespace certadns::issuance
