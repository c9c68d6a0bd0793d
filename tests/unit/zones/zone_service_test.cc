// ZoneService against the in-memory store (MemoryStore) and fakes for our DNS (FakeZoneHost)
// and the world's DNS (FakeZoneVerifier): pending imports block nobody, proof is per
// account, a zone goes live for one account only, and the re-check takes a zone away from
// an account whose proof is gone.
#include "zones/zone_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/memory_store.h"
#include "support/fake_clock.h"
#include "support/fake_zones.h"
#include "support/temp_dir.h"

namespace certadns::zones {
namespace {

using core::ErrorCode;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kZone[] = "example.com";
const std::vector<std::string> kShared = {"ns1.certadns.test", "ns2.certadns.test"};

class ZoneServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<test::MemoryStore>();
    owner_ = User("user_owner", "owner@example.com");
    squatter_ = User("user_squatter", "squatter@example.net");
    service_ = std::make_unique<ZoneService>(*store_, host_, &world_, clock_,
                                             ZoneConfig{kShared, {"certadns.test"}});
  }

  store::User User(const std::string& id, const std::string& email) {
    store::User user{id, email, "pro", "", clock_.Now()};
    EXPECT_TRUE(store_->CreateUser(user).ok());
    return user;
  }

  store::Zone Import(const store::User& user, const std::string& name = kZone) {
    auto zone = service_->Import(user, name);
    EXPECT_TRUE(zone.ok()) << zone.error().message();
    return zone.ok() ? *zone : store::Zone{};
  }

  VerifyOutcome Verify(const store::User& user, const store::Zone& zone) {
    auto outcome = service_->Verify(user, zone.id);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message();
    return outcome.ok() ? *outcome : VerifyOutcome{zone, "error"};
  }

  bool IsVerified(const store::User& user, const store::Zone& zone) {
    auto stored = store_->GetZone(user.id, zone.id);
    return stored.ok() && stored->verified;
  }

  // A certificate of `user` in `zone`, issued, with automatic renewal due now.
  std::string IssuedCertificate(const store::User& user, const store::Zone& zone) {
    core::Certificate c;
    c.id = "cert_" + user.id;
    c.owner_id = user.id;
    c.zone_id = zone.id;
    c.zone_name = zone.name;
    c.domain = "app." + zone.name;
    c.status = core::CertificateState::kIssued;
    c.auto_renew = true;
    c.issued_at = clock_.Now();
    c.expires_at = clock_.Now() + std::chrono::hours(24 * 90);
    c.next_renewal_at = clock_.Now();
    c.created_at = c.updated_at = clock_.Now();
    store::Job job;
    job.id = "job_" + user.id;
    job.certificate_id = c.id;
    job.step = "done";
    job.run_at = job.created_at = clock_.Now();
    EXPECT_TRUE(store_->CreateCertificate(c, job).ok());
    store::StepCommit finish{job, /*finished=*/true};
    EXPECT_TRUE(store_->ClaimJob("w", clock_.Now(), std::chrono::minutes(1)).ok());
    EXPECT_TRUE(store_->CommitStep("w", finish).ok());
    return c.id;
  }

  std::vector<std::string> Log(const store::User& user, const std::string& certificate_id) {
    std::vector<std::string> messages;
    auto events = store_->ListEvents(user.id, certificate_id);
    if (events.ok()) {
      for (const auto& e : *events) messages.push_back(e.message);
    }
    return messages;
  }

  test::FakeClock clock_;
  test::FakeZoneHost host_;
  test::FakeZoneVerifier world_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ZoneService> service_;
  store::User owner_, squatter_;
};

TEST_F(ZoneServiceTest, EachAccountIsToldItsOwnNameserversAndToken) {
  const std::vector<std::string> owner_ns = service_->NameserversFor(owner_.id);
  ASSERT_EQ(owner_ns.size(), 2u);
  EXPECT_THAT(owner_ns[0], ::testing::EndsWith(".ns1.certadns.test"));
  EXPECT_THAT(owner_ns[1], ::testing::EndsWith(".ns2.certadns.test"));
  EXPECT_NE(owner_ns, service_->NameserversFor(squatter_.id));
  EXPECT_EQ(owner_ns, service_->NameserversFor(owner_.id));  // stable
  EXPECT_NE(VerificationRecordValue(Import(owner_)), VerificationRecordValue(Import(squatter_)));
}

TEST_F(ZoneServiceTest, APendingImportBlocksNobodyAndPutsNothingInDns) {
  store::Zone squatted = Import(squatter_);
  store::Zone mine = Import(owner_);
  EXPECT_NE(squatted.id, mine.id);
  EXPECT_FALSE(squatted.verified);
  EXPECT_FALSE(host_.IsLive(kZone));
  EXPECT_EQ(host_.host_calls(), 0);
  // The same account importing the same name again is a conflict.
  auto again = service_->Import(owner_, "EXAMPLE.com.");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(ZoneServiceTest, DelegationToTheSharedNameserversProvesNothing) {
  store::Zone squatted = Import(squatter_);
  store::Zone mine = Import(owner_);
  world_.SetDelegation(kZone, kShared);

  EXPECT_FALSE(Verify(squatter_, squatted).zone.verified);
  EXPECT_FALSE(Verify(owner_, mine).zone.verified);
  EXPECT_FALSE(host_.IsLive(kZone));
}

TEST_F(ZoneServiceTest, TheSquatterCannotVerifyWithTheOwnersDelegation) {
  store::Zone squatted = Import(squatter_);
  store::Zone mine = Import(owner_);
  const std::vector<std::string> owner_ns = service_->NameserversFor(owner_.id);
  world_.SetDelegation(kZone, owner_ns);

  VerifyOutcome tried = Verify(squatter_, squatted);
  EXPECT_FALSE(tried.zone.verified);
  EXPECT_THAT(tried.detail, HasSubstr(owner_ns[0]));
  EXPECT_FALSE(host_.IsLive(kZone));

  VerifyOutcome verified = Verify(owner_, mine);
  EXPECT_TRUE(verified.zone.verified) << verified.detail;
  std::vector<std::string> live_ns;
  ASSERT_TRUE(host_.IsLive(kZone, &live_ns));
  EXPECT_EQ(live_ns, owner_ns);
  EXPECT_FALSE(IsVerified(squatter_, squatted));
  EXPECT_FALSE(Verify(squatter_, squatted).zone.verified);
}

TEST_F(ZoneServiceTest, TheTxtTokenProvesControlOnlyForItsAccount) {
  store::Zone squatted = Import(squatter_);
  store::Zone mine = Import(owner_);
  world_.SetTxt(kZone, {VerificationRecordValue(mine)});

  EXPECT_FALSE(Verify(squatter_, squatted).zone.verified);
  EXPECT_TRUE(Verify(owner_, mine).zone.verified);
  EXPECT_TRUE(host_.IsLive(kZone));
}

TEST_F(ZoneServiceTest, TwoAccountsWithProofNeverBothVerify) {
  store::Zone first = Import(owner_);
  store::Zone second = Import(squatter_);
  world_.SetTxt(kZone, {VerificationRecordValue(first), VerificationRecordValue(second)});

  EXPECT_TRUE(Verify(owner_, first).zone.verified);
  VerifyOutcome later = Verify(squatter_, second);
  EXPECT_FALSE(later.zone.verified);
  EXPECT_THAT(later.detail, HasSubstr("another account"));
  EXPECT_TRUE(IsVerified(owner_, first));
  auto holder = store_->FindVerifiedZoneByName(kZone);
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(holder->owner_id, owner_.id);
}

TEST_F(ZoneServiceTest, WhenTheDomainChangesHandsTheNewOwnerTakesItOver) {
  store::Zone old_zone = Import(squatter_);  // the old owner of the domain
  world_.SetTxt(kZone, {VerificationRecordValue(old_zone)});
  ASSERT_TRUE(Verify(squatter_, old_zone).zone.verified);
  const std::string old_cert = IssuedCertificate(squatter_, old_zone);

  // The domain is sold: the new owner replaces the TXT record with its own token.
  store::Zone mine = Import(owner_);
  world_.SetTxt(kZone, {VerificationRecordValue(mine)});
  EXPECT_TRUE(Verify(owner_, mine).zone.verified);
  EXPECT_FALSE(IsVerified(squatter_, old_zone));
  EXPECT_THAT(Log(squatter_, old_cert), Contains(HasSubstr("no longer verified")));
  std::vector<std::string> live_ns;
  ASSERT_TRUE(host_.IsLive(kZone, &live_ns));
  EXPECT_EQ(live_ns, service_->NameserversFor(owner_.id));
}

TEST_F(ZoneServiceTest, ZonesInsideAnotherAccountsVerifiedZoneAreRefusedPendingOnesBlockNobody) {
  Import(squatter_, "com.example.test");  // pending, someone else's parent: blocks nothing
  store::Zone parent = Import(owner_, "example.test");
  EXPECT_TRUE(service_->Import(squatter_, "shop.example.test").ok());

  world_.SetTxt("example.test", {VerificationRecordValue(parent)});
  ASSERT_TRUE(Verify(owner_, parent).zone.verified);
  auto inside = service_->Import(squatter_, "api.example.test");
  ASSERT_FALSE(inside.ok());
  EXPECT_EQ(inside.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(service_->Import(owner_, "api.example.test").ok());  // the owner's own
}

TEST_F(ZoneServiceTest, RecheckUnverifiesAZoneWhoseProofIsGone) {
  store::Zone mine = Import(owner_);
  world_.SetDelegation(kZone, service_->NameserversFor(owner_.id));
  ASSERT_TRUE(Verify(owner_, mine).zone.verified);
  const std::string cert = IssuedCertificate(owner_, mine);

  // Not due before the interval: nothing is asked.
  world_.SetDelegation(kZone, {"ns1.elsewhere.example"});
  clock_.Advance(std::chrono::hours(23));
  auto early = service_->RecheckDue();
  ASSERT_TRUE(early.ok()) << early.error().message();
  EXPECT_EQ(early->checked + early->unverified + early->unanswered, 0);
  EXPECT_TRUE(IsVerified(owner_, mine));

  clock_.Advance(std::chrono::hours(2));
  auto report = service_->RecheckDue();
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->unverified, 1);
  EXPECT_FALSE(IsVerified(owner_, mine));
  EXPECT_TRUE(host_.IsLive(kZone));  // still served: the domain keeps resolving
  EXPECT_THAT(Log(owner_, cert),
              Contains(AllOf(HasSubstr("no longer verified"), HasSubstr("ns1.elsewhere.example"),
                             HasSubstr("renewal is paused"))));
  // The sweep no longer finds it due for renewal.
  auto due = store_->ListDueRenewals(clock_.Now(), 10);
  ASSERT_TRUE(due.ok());
  EXPECT_THAT(*due, IsEmpty());
}

TEST_F(ZoneServiceTest, RecheckKeepsAProvenZoneAndWaitsOutAnUnansweredOne) {
  store::Zone mine = Import(owner_);
  world_.SetTxt(kZone, {VerificationRecordValue(mine)});
  ASSERT_TRUE(Verify(owner_, mine).zone.verified);
  const std::string cert = IssuedCertificate(owner_, mine);

  clock_.Advance(std::chrono::hours(25));
  world_.SetUnavailable(true);
  auto unanswered = service_->RecheckDue();
  ASSERT_TRUE(unanswered.ok());
  EXPECT_EQ(unanswered->unanswered, 1);
  EXPECT_TRUE(IsVerified(owner_, mine));

  world_.SetUnavailable(false);
  auto proven = service_->RecheckDue();
  ASSERT_TRUE(proven.ok());
  EXPECT_EQ(proven->checked, 1);
  EXPECT_TRUE(IsVerified(owner_, mine));
  EXPECT_TRUE(host_.IsLive(kZone));
  EXPECT_THAT(Log(owner_, cert), Not(Contains(HasSubstr("no longer verified"))));
  auto again = service_->RecheckDue();  // proven just now: not due
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->checked, 0);
  auto due = store_->ListDueRenewals(clock_.Now(), 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 1u);
}

TEST_F(ZoneServiceTest, NothingGoesLiveWhenTheProofFailsOrDnsIsDown) {
  store::Zone mine = Import(owner_);
  EXPECT_FALSE(Verify(owner_, mine).zone.verified);
  EXPECT_EQ(host_.host_calls(), 0);

  world_.SetTxt(kZone, {VerificationRecordValue(mine)});
  host_.SetUnavailable(true);
  auto failed = service_->Verify(owner_, mine.id);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(IsVerified(owner_, mine));
  host_.SetUnavailable(false);
  EXPECT_TRUE(Verify(owner_, mine).zone.verified);
}

TEST_F(ZoneServiceTest, AnAdministratorsImportIsLiveAndRefusesAnotherAccountsZone) {
  auto zone = service_->ImportVerified(owner_, kZone);
  ASSERT_TRUE(zone.ok()) << zone.error().message();
  EXPECT_TRUE(zone->verified);
  EXPECT_TRUE(host_.IsLive(kZone));
  EXPECT_TRUE(service_->ImportVerified(owner_, kZone).ok());  // again: harmless
  auto other = service_->ImportVerified(squatter_, kZone);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kAlreadyExists);
  auto zones = service_->List(owner_);
  ASSERT_TRUE(zones.ok());
  EXPECT_EQ(zones->size(), 1u);
}

TEST_F(ZoneServiceTest, DeletingAVerifiedZoneTakesItOutOfDnsAndAPendingOneOnlyFromTheList) {
  store::Zone pending = Import(owner_, "pending.example.org");
  auto verified = service_->ImportVerified(owner_, kZone);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  ASSERT_TRUE(host_.IsLive(kZone));

  ASSERT_TRUE(service_->Delete(owner_, pending.id).ok());
  EXPECT_TRUE(host_.IsLive(kZone));
  ASSERT_TRUE(service_->Delete(owner_, verified->id).ok());
  EXPECT_FALSE(host_.IsLive(kZone));
  auto zones = service_->List(owner_);
  ASSERT_TRUE(zones.ok());
  EXPECT_THAT(*zones, IsEmpty());
  EXPECT_EQ(service_->Delete(owner_, pending.id).error().reason(), "zone_not_found");
}

TEST_F(ZoneServiceTest, DeleteRefusesAZoneWithCertificatesAndAnotherAccountsZone) {
  auto verified = service_->ImportVerified(owner_, kZone);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  IssuedCertificate(owner_, *verified);

  EXPECT_EQ(service_->Delete(owner_, verified->id).error().reason(), "zone_has_certificates");
  EXPECT_EQ(service_->Delete(squatter_, verified->id).error().reason(), "zone_not_found");
  EXPECT_TRUE(host_.IsLive(kZone));
  EXPECT_TRUE(IsVerified(owner_, *verified));
  // A squatter's pending import of the same name is its own row, deleted alone.
  store::Zone squatted = Import(squatter_, kZone);
  ASSERT_TRUE(service_->Delete(squatter_, squatted.id).ok());
  EXPECT_TRUE(host_.IsLive(kZone));
  EXPECT_TRUE(IsVerified(owner_, *verified));
}

TEST_F(ZoneServiceTest, AZoneOurDnsCannotWithdrawIsKeptForAnotherTry) {
  auto verified = service_->ImportVerified(owner_, kZone);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  host_.SetUnavailable(true);
  auto failed = service_->Delete(owner_, verified->id);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(IsVerified(owner_, *verified));
  host_.SetUnavailable(false);
  ASSERT_TRUE(service_->Delete(owner_, verified->id).ok());
  EXPECT_FALSE(host_.IsLive(kZone));
}

}  // namespace
}  // namespace certadns::zones
