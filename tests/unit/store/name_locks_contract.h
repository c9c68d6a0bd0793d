// The core::NameLocks contract, run on every implementation (SQLite's lock file, PostgreSQL's
// advisory locks): one name's lock excludes every other holder (another object standing for
// another node, or another process), other names stay free, the wait is bounded, and a
// holder that dies (SIGKILL) releases its lock. A binary includes this header once and
// instantiates NameLocksContractTest with a factory of its backend.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/name_locks.h"

namespace certadns::test {

/// What the nodes of one test share (a database), and a new node's locks on it.
class NameLocksBackend {
 public:
  virtual ~NameLocksBackend() = default;
  /// Why the backend cannot run here ("" when it can): the test then skips.
  virtual std::string Unavailable() const { return ""; }
  /// Another node's locks, waiting at most `wait` for a name; they must outlive the locks
  /// they hand out.
  virtual std::unique_ptr<core::NameLocks> Node(std::chrono::milliseconds wait) = 0;
};

using NameLocksBackendFactory = std::function<std::unique_ptr<NameLocksBackend>()>;

class NameLocksContractTest : public ::testing::TestWithParam<NameLocksBackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam()();
    if (std::string why = backend_->Unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  std::unique_ptr<core::NameLocks> Node(std::chrono::milliseconds wait) {
    return backend_->Node(wait);
  }

  std::unique_ptr<NameLocksBackend> backend_;
};

inline constexpr char kContractName[] = "dns-rrset:_acme-challenge.example.com.";

TEST_P(NameLocksContractTest, HeldNameWaitsBoundedThenIsFreeOnceReleased) {
  auto node1 = Node(std::chrono::milliseconds(100));
  auto node2 = Node(std::chrono::milliseconds(100));
  ASSERT_TRUE(node1 && node2);
  auto first = node1->Lock(kContractName);
  ASSERT_TRUE(first.ok()) << first.error().message();

  const auto asked = std::chrono::steady_clock::now();
  auto second = node2->Lock(kContractName);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), core::ErrorCode::kUnavailable) << second.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(5)) << "bounded";
  auto same_node = node1->Lock(kContractName);
  EXPECT_FALSE(same_node.ok()) << "two holders in one node exclude each other too";
  EXPECT_TRUE(node2->Lock("dns-rrset:_acme-challenge.other.example.com.").ok());

  first->reset();
  EXPECT_TRUE(node2->Lock(kContractName).ok());
}

TEST_P(NameLocksContractTest, AHolderThatDiesReleasesTheName) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto locks = Node(std::chrono::seconds(1));
    auto held = locks->Lock(kContractName);
    const char ok = held.ok() ? '1' : '0';
    (void)!write(ready[1], &ok, 1);
    pause();  // holds the lock until killed
    _exit(0);
  }
  close(ready[1]);
  char ok = 0;
  const bool read_one = read(ready[0], &ok, 1) == 1;
  close(ready[0]);
  auto locks = Node(std::chrono::milliseconds(200));
  auto while_alive = read_one && ok == '1' ? locks->Lock(kContractName) : core::Unavailable("");
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(read_one && ok == '1') << "the child could not take the lock";
  EXPECT_FALSE(while_alive.ok()) << "the child held it";

  auto survivor = Node(std::chrono::seconds(5));  // outlives the lock it hands out
  auto after = survivor->Lock(kContractName);
  EXPECT_TRUE(after.ok()) << "released when its holder died: " << after.error().message();
}

}  // namespace certadns::test
