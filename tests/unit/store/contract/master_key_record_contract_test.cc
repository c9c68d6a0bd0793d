// The MasterKeyRecord contract (store/master_key_record.h), on every backend: the first
// fingerprint recorded is kept (racing nodes agree on one key), and the database says when
// it holds sealed values (then a missing key file must not be replaced by a new key); a
// rotation lists the sealed values in batches and replaces each only if unchanged.
#include <gtest/gtest.h>

#include <string>

#include "store/key_pool_store.h"
#include "store/notification_store.h"
#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using core::ErrorCode;
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

TEST_P(MasterKeyRecordContract, SealedValuesAreListedInBatchesWithTheRecordTheyAreBoundTo) {
  for (const char* id : {"cert_3", "cert_1", "cert_2"}) {
    AddCertWithJob(id, std::string("job_") + id, clock_.Now());
    auto job = Claim("w");  // the one due job: this certificate's
    ASSERT_TRUE(job.has_value());
    StepCommit commit;  // a key lands with a step's commit, as the engine writes it
    commit.job = *job;
    commit.finished = true;
    commit.sealed_private_key = std::string("sealed-") + id;
    ASSERT_TRUE(store_->CommitStep("w", commit).ok());
  }
  auto first = store_->ListSealedValues(SealedColumn::kCertificateKey, "", 2);
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, "cert_1");
  EXPECT_EQ((*first)[0].owner, "cert_1");
  EXPECT_EQ((*first)[0].sealed, "sealed-cert_1");
  EXPECT_EQ((*first)[1].id, "cert_2");
  auto rest = store_->ListSealedValues(SealedColumn::kCertificateKey, (*first)[1].id, 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, "cert_3");

  ASSERT_TRUE(store_->PutAcmeAccountKey("https://ca.test/dir", "sealed-account").ok());
  auto accounts = store_->ListSealedValues(SealedColumn::kAcmeAccountKey, "", 10);
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ((*accounts)[0].owner, "https://ca.test/dir");

  Job with_key = MakeJob("job_k", "cert_k");
  with_key.sealed_key = "sealed-job";
  ASSERT_TRUE(store_->CreateCertificate(Cert("cert_k"), with_key).ok());
  auto jobs = store_->ListSealedValues(SealedColumn::kJobKey, "", 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u) << "jobs without a key are not listed";
  EXPECT_EQ((*jobs)[0].id, "job_k");
  EXPECT_EQ((*jobs)[0].owner, "cert_k") << "a job's key is bound to its certificate";
}

TEST_P(MasterKeyRecordContract, ASealedValueIsReplacedOnlyIfUnchanged) {
  ASSERT_TRUE(store_->PutAcmeAccountKey("https://ca.test/dir", "sealed-a").ok());
  auto stale = store_->ReplaceSealedValue(SealedColumn::kAcmeAccountKey, "https://ca.test/dir",
                                          "something else", "sealed-b");
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  EXPECT_EQ(**store_->GetAcmeAccountKey("https://ca.test/dir"), "sealed-a");
  auto replaced = store_->ReplaceSealedValue(SealedColumn::kAcmeAccountKey,
                                             "https://ca.test/dir", "sealed-a", "sealed-b");
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(*replaced);
  EXPECT_EQ(**store_->GetAcmeAccountKey("https://ca.test/dir"), "sealed-b");
  auto missing = store_->ReplaceSealedValue(SealedColumn::kCertificateKey, "cert_none", "x", "y");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST_P(MasterKeyRecordContract, TheFingerprintIsReplacedOnlyFromTheRecordedOne) {
  EXPECT_EQ(store_->ReplaceMasterKeyFingerprint("aaaa", "bbbb").error().code(),
            ErrorCode::kFailedPrecondition) << "none is recorded";
  ASSERT_TRUE(store_->RecordMasterKeyFingerprint("aaaa").ok());
  EXPECT_EQ(store_->ReplaceMasterKeyFingerprint("cccc", "bbbb").error().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(**store_->GetMasterKeyFingerprint(), "aaaa");
  ASSERT_TRUE(store_->ReplaceMasterKeyFingerprint("aaaa", "bbbb").ok());
  EXPECT_EQ(**store_->GetMasterKeyFingerprint(), "bbbb");
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

// A master-key rotation re-seals what ListSealedValues lists: a webhook's secret among them.
TEST_P(MasterKeyRecordContract, AWebhookSecretIsListedAndReplacedForARotation) {
  auto* notifications = dynamic_cast<NotificationStore*>(store_.get());
  if (notifications == nullptr) GTEST_SKIP() << GetParam().name << " keeps no webhooks";
  ASSERT_TRUE(notifications->CreateWebhook({"whk_1", kAlice, "https://hooks.example/", {},
                                            "sealed-old", clock_.Now()}, 5).ok());
  auto listed = store_->ListSealedValues(SealedColumn::kWebhookSecret, "", 10);
  ASSERT_TRUE(listed.ok()) << listed.error().message();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "whk_1");
  EXPECT_EQ((*listed)[0].owner, "whk_1") << "a webhook's secret is sealed to its own id";
  EXPECT_EQ((*listed)[0].sealed, "sealed-old");
  auto replaced = store_->ReplaceSealedValue(SealedColumn::kWebhookSecret, "whk_1",
                                             "sealed-old", "sealed-new");
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(*replaced);
  auto hook = notifications->GetWebhook(kAlice, "whk_1");
  ASSERT_TRUE(hook.ok());
  EXPECT_EQ(hook->sealed_secret, "sealed-new");
}

CERTADNS_STORE_CONTRACT(MasterKeyRecordContract);

}  // namespace
}  // namespace certadns::store::contract
