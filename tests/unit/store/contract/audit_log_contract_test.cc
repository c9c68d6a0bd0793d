// The AuditLog contract (store/audit_log.h), on every backend: entries come back to their
// owner only, newest first, filtered by action, target and time, in pages that neither
// repeat nor skip an entry (in append order, also within one millisecond); an entry whose
// owner does not exist is refused.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "store/audit_log.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

class AuditLogContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    log_ = dynamic_cast<AuditLog*>(store_.get());
    ASSERT_NE(log_, nullptr) << GetParam().name << " keeps no audit log";
  }

  AuditEntry Entry(const std::string& id, const std::string& owner, const std::string& action,
                   const std::string& target) {
    AuditEntry e;
    e.id = id;
    e.owner_id = owner;
    e.at = clock_.Now();
    e.action = action;
    e.target_id = target;
    e.target_name = "www.example.com";
    e.client_address = "192.0.2.7";
    e.credential = "api_key:key_1";
    e.detail = R"({"format":"pem"})";
    return e;
  }

  std::vector<std::string> Ids(const AuditQuery& q) {
    auto listed = log_->ListAudit(q);
    EXPECT_TRUE(listed.ok()) << listed.error().message();
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const auto& e : *listed) ids.push_back(e.id);
    }
    return ids;
  }

  AuditLog* log_ = nullptr;
};

TEST_P(AuditLogContract, AnEntryComesBackWhole) {
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_1", kAlice, "certificate.downloaded", "cert_1")).ok());
  auto listed = log_->ListAudit({kAlice});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  const AuditEntry& e = listed->front();
  EXPECT_EQ(e.id, "audit_1");
  EXPECT_EQ(e.owner_id, kAlice);
  EXPECT_EQ(core::ToUnixMillis(e.at), core::ToUnixMillis(clock_.Now()));
  EXPECT_EQ(e.action, "certificate.downloaded");
  EXPECT_EQ(e.target_id, "cert_1");
  EXPECT_EQ(e.target_name, "www.example.com");
  EXPECT_EQ(e.client_address, "192.0.2.7");
  EXPECT_EQ(e.credential, "api_key:key_1");
  EXPECT_EQ(e.detail, R"({"format":"pem"})");
}

TEST_P(AuditLogContract, AnAccountSeesOnlyItsOwnEntries) {
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_a", kAlice, "certificate.created", "cert_1")).ok());
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_b", kBob, "certificate.created", "cert_2")).ok());
  EXPECT_EQ(Ids({kAlice}), std::vector<std::string>{"audit_a"});
  EXPECT_EQ(Ids({kBob}), std::vector<std::string>{"audit_b"});
  EXPECT_TRUE(Ids({"user_nobody"}).empty());
}

TEST_P(AuditLogContract, AnEntryOfAMissingAccountOrATakenIdIsRefused) {
  auto orphan = log_->AppendAudit(Entry("audit_x", "user_nobody", "certificate.created", "c"));
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), core::ErrorCode::kNotFound);
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_1", kAlice, "certificate.created", "c")).ok());
  auto again = log_->AppendAudit(Entry("audit_1", kAlice, "certificate.deleted", "c"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kAlreadyExists);
  EXPECT_EQ(Ids({kAlice}), std::vector<std::string>{"audit_1"});
}

TEST_P(AuditLogContract, NewestFirstFilteredByActionTargetAndTime) {
  const core::TimePoint start = clock_.Now();
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_1", kAlice, "certificate.created", "cert_1")).ok());
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_2", kAlice, "certificate.downloaded", "cert_1")).ok());
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(log_->AppendAudit(Entry("audit_3", kAlice, "certificate.downloaded", "cert_2")).ok());

  EXPECT_EQ(Ids({kAlice}), (std::vector<std::string>{"audit_3", "audit_2", "audit_1"}));
  AuditQuery by_action{kAlice};
  by_action.action = "certificate.downloaded";
  EXPECT_EQ(Ids(by_action), (std::vector<std::string>{"audit_3", "audit_2"}));
  AuditQuery by_target{kAlice};
  by_target.target_id = "cert_1";
  EXPECT_EQ(Ids(by_target), (std::vector<std::string>{"audit_2", "audit_1"}));
  AuditQuery window{kAlice};
  window.since = start + std::chrono::seconds(10);  // inclusive
  window.until = start + std::chrono::seconds(20);  // exclusive
  EXPECT_EQ(Ids(window), std::vector<std::string>{"audit_2"});
  AuditQuery both{kAlice};
  both.action = "certificate.created";
  both.target_id = "cert_2";
  EXPECT_TRUE(Ids(both).empty());
}

TEST_P(AuditLogContract, PagesNeitherRepeatNorSkipEntriesAtTheSameInstant) {
  // Seven entries, three of them in the same millisecond: the page boundary falls inside it.
  // Their ids run against the order, which is the order of appends.
  std::vector<std::string> appended;
  for (int i = 0; i < 7; ++i) {
    std::string id = "audit_" + std::to_string(9 - i);
    ASSERT_TRUE(log_->AppendAudit(Entry(id, kAlice, "certificate.downloaded", "cert_1")).ok());
    appended.push_back(id);
    if (i < 2 || i > 4) clock_.Advance(std::chrono::seconds(1));
  }
  std::vector<std::string> seen;
  AuditQuery q{kAlice};
  q.limit = 2;
  for (int page = 0; page < 10; ++page) {
    auto listed = log_->ListAudit(q);
    ASSERT_TRUE(listed.ok());
    for (const auto& e : *listed) seen.push_back(e.id);
    if (listed->size() < 2) break;
    q.before_sequence = listed->back().sequence;
  }
  std::vector<std::string> expected(appended.rbegin(), appended.rend());
  EXPECT_EQ(seen, expected);
}

CERTADNS_STORE_CONTRACT(AuditLogContract);

}  // namespace
}  // namespace certadns::store::contract
