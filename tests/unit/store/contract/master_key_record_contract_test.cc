// The MasterKeyRecord contract (store/master_key_record.h), on every backend: the first
// fingerprint recorded is kept (racing nodes agree on one key), and the database says when
// it holds sealed values (then a missing key file must not be replaced by a new key).
#include <gtest/gtest.h>

#include <string>

#include "store/key_pool_store.h"
#include "store/notification_store.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using MasterKeyRecordContract = StoreContract;

TEST_P(MasterKeyRecordContract, TheFirstFingerprintRecordedIsKept) {
  auto none = store_->GetMasterKeyFingerprint();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto first = store_->RecordMasterKeyFingerprint("aaaa");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "aaaa");
  auto second = store_->RecordMasterKeyFingerprint("bbbb");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "aaaa");
  auto stored = store_->GetMasterKeyFingerprint();
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, "aaaa");
}

TEST_P(MasterKeyRecordContract, UsersAndZonesAreNotSealedDataButKeysAndCertificatesAre) {
  auto fresh = store_->HoldsSealedData();  // SetUp made two users and a zone
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(*fresh);
  ASSERT_TRUE(store_->PutAcmeAccountKey("https://acme.test/directory", "sealed").ok());
  auto with_account = store_->HoldsSealedData();
  ASSERT_TRUE(with_account.ok());
  EXPECT_TRUE(*with_account);
}

TEST_P(MasterKeyRecordContract, ACertificateIsSealedData) {
  AddCertWithJob("cert_1", "job_1", clock_.Now());
  auto holds = store_->HoldsSealedData();
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
}

TEST_P(MasterKeyRecordContract, APooledKeyIsSealedData) {
  auto* pool = dynamic_cast<KeyPoolStore*>(store_.get());
  if (pool == nullptr) GTEST_SKIP() << GetParam().name << " keeps no key pool";
  ASSERT_TRUE(pool->AddPooledKey({"pkey_1", "sealed"}, clock_.Now()).ok());
  auto holds = store_->HoldsSealedData();
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds) << "a new master key would make the pooled keys unreadable";
}

TEST_P(MasterKeyRecordContract, AWebhookSecretIsSealedData) {
  auto* notifications = dynamic_cast<NotificationStore*>(store_.get());
  if (notifications == nullptr) GTEST_SKIP() << GetParam().name << " keeps no webhooks";
  ASSERT_TRUE(notifications->CreateWebhook({"whk_1", kAlice, "https://hooks.example/", {},
                                            "sealed", clock_.Now()}, 5).ok());
  auto holds = store_->HoldsSealedData();
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds) << "a new master key would make the webhook secrets unreadable";
}

CERTADNS_STORE_CONTRACT(MasterKeyRecordContract);

}  // namespace
}  // namespace certadns::store::contract
