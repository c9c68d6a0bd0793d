// The ZoneStore contract (store/zone_store.h), on every backend: unique names, at most one verified
// zone per name, tokens, re-checks, and deletion scoped by owner and refused while certificates
// remain.
#include <gtest/gtest.h>

#include <string>

#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using core::ErrorCode;
using std::chrono::hours;
using std::chrono::minutes;

using ZoneStoreContract = StoreContract;

TEST_P(ZoneStoreContract, UniqueEmailsAndZoneNames) {
  auto user = store_->CreateUser({"user_other", "alice@example.com", "free", "", clock_.Now()});
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code(), ErrorCode::kAlreadyExists);
  // Another account may hold a pending import of a verified name; one account imports a
  // name once; only one zone per name is ever verified.
  ASSERT_TRUE(store_->CreateZone({"zone_b", kBob, "example.com", false, clock_.Now()}).ok());
  auto twice = store_->CreateZone({"zone_c", kBob, "example.com", false, clock_.Now()});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kAlreadyExists);
  auto verified = store_->MarkZoneVerified(kBob, "zone_b", clock_.Now());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(store_->GetZone(kBob, "zone_b")->verified);
  EXPECT_EQ(store_->FindVerifiedZoneByName("example.com")->id, "zone_a");
  EXPECT_EQ(store_->GetUserByEmail("nobody@example.com").error().code(), ErrorCode::kNotFound);
}

TEST_P(ZoneStoreContract, ZoneDeletionIsScopedByOwnerAndRefusedWhileCertificatesRemain) {
  // zone_a (Alice's, verified) holds a certificate.
  ASSERT_TRUE(store_->CreateCertificate(Cert("cert_1"), MakeJob("job_1", "cert_1")).ok());

  EXPECT_EQ(store_->DeleteZone(kBob, "zone_a").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteZone(kAlice, "zone_a").error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(store_->GetZone(kAlice, "zone_a").ok());

  ASSERT_TRUE(store_->DeleteCertificate(kAlice, "cert_1").ok());
  auto deleted = store_->DeleteZone(kAlice, "zone_a");
  ASSERT_TRUE(deleted.ok()) << deleted.error().message();
  EXPECT_EQ(deleted->name, "example.com");
  EXPECT_TRUE(deleted->verified);
  EXPECT_EQ(store_->GetZone(kAlice, "zone_a").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteZone(kAlice, "zone_a").error().code(), ErrorCode::kNotFound);
}

TEST_P(ZoneStoreContract, ZoneKeepsItsTokenAndIsFoundByNameOnceVerified) {
  Zone zone;
  zone.id = "zone_b";
  zone.owner_id = kBob;
  zone.name = "bob.test";
  zone.created_at = clock_.Now();
  zone.verification_token = "tok123";
  ASSERT_TRUE(store_->CreateZone(zone).ok());

  // Pending: not found by name.
  EXPECT_EQ(store_->FindVerifiedZoneByName("bob.test").error().code(), ErrorCode::kNotFound);
  auto listed = store_->ListZones(kBob);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].verification_token, "tok123");
  EXPECT_FALSE((*listed)[0].checked_at.has_value());

  EXPECT_EQ(store_->MarkZoneVerified(kAlice, "zone_b", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->MarkZoneVerified(kBob, "zone_x", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(store_->MarkZoneVerified(kBob, "zone_b", clock_.Now()).ok());
  auto found = store_->FindVerifiedZoneByName("bob.test");
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->id, "zone_b");
  EXPECT_EQ(found->owner_id, kBob);
  EXPECT_EQ(found->verification_token, "tok123");
  EXPECT_TRUE(found->verified);
  EXPECT_EQ(found->checked_at, clock_.Now());
  EXPECT_EQ(store_->FindVerifiedZoneByName("nothing.test").error().code(), ErrorCode::kNotFound);

  core::CertificateEvent event{clock_.Now(), core::EventLevel::kWarning, "gone"};
  EXPECT_EQ(store_->UnverifyZone(kAlice, "zone_b", event).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store_->UnverifyZone(kBob, "zone_b", event).ok());
  EXPECT_FALSE(store_->GetZone(kBob, "zone_b")->verified);
  EXPECT_EQ(store_->MarkZoneChecked(kBob, "zone_b", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
}

TEST_P(ZoneStoreContract, VerifiedZonesAreRecheckedLeastRecentlyProvenFirst) {
  // zone_a (Alice's, created verified in SetUp without a check time) comes first.
  Zone zone;
  zone.id = "zone_b";
  zone.owner_id = kBob;
  zone.name = "bob.test";
  zone.created_at = clock_.Now();
  ASSERT_TRUE(store_->CreateZone(zone).ok());
  ASSERT_TRUE(store_->MarkZoneVerified(kBob, "zone_b", clock_.Now()).ok());
  auto due = store_->ListZonesToRecheck(clock_.Now(), 10);
  ASSERT_TRUE(due.ok()) << due.error().message();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, "zone_a");
  EXPECT_EQ((*due)[1].id, "zone_b");
  EXPECT_EQ(store_->ListZonesToRecheck(clock_.Now() - minutes(1), 10)->size(), 1u);
  EXPECT_EQ(store_->ListZonesToRecheck(clock_.Now(), 1)->size(), 1u);
  clock_.Advance(hours(1));
  ASSERT_TRUE(store_->MarkZoneChecked(kAlice, "zone_a", clock_.Now()).ok());
  due = store_->ListZonesToRecheck(clock_.Now() - minutes(1), 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, "zone_b");
}

CERTADNS_STORE_CONTRACT(ZoneStoreContract);

}  // namespace
}  // namespace certadns::store::contract
