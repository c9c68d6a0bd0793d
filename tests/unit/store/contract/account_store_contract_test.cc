// The AccountStore contract (store/account_store.h), on every backend: users, API keys (bounded,
// last use), sessions and password changes.
#include <gtest/gtest.h>

#include <string>

#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using core::ErrorCode;
using std::chrono::hours;
using std::chrono::minutes;

using AccountStoreContract = StoreContract;

ApiKey Key(const std::string& id, const std::string& user, const std::string& hash,
           const std::string& prefix, core::TimePoint now) {
  return ApiKey{id, user, hash, prefix, now, std::nullopt};
}

TEST_P(AccountStoreContract, GetUserFindsByIdOnly) {
  auto user = store_->GetUser(kAlice);
  ASSERT_TRUE(user.ok()) << user.error().message();
  EXPECT_EQ(user->email, "alice@example.com");
  EXPECT_EQ(user->plan, "pro");
  EXPECT_EQ(user->created_at, clock_.Now());
  EXPECT_EQ(store_->GetUser("user_nobody").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetUser("alice@example.com").error().code(), ErrorCode::kNotFound);
}

TEST_P(AccountStoreContract, SetUserPlanAndPasswordChangeOnlyThatUser) {
  ASSERT_TRUE(store_->SetUserPlan("alice@example.com", "elite").ok());
  ASSERT_TRUE(store_->SetUserPassword("alice@example.com", "$argon2id$x").ok());
  auto alice = store_->GetUser(kAlice);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->plan, "elite");
  EXPECT_EQ(alice->password_hash, "$argon2id$x");
  auto bob = store_->GetUser(kBob);
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->plan, "free");
  EXPECT_EQ(bob->password_hash, "");
  EXPECT_EQ(store_->SetUserPlan("nobody@example.com", "pro").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetUserPassword("nobody@example.com", "h").error().code(),
            ErrorCode::kNotFound);
}

TEST_P(AccountStoreContract, ApiKeyFindsItsOwnerUntilRevoked) {
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_abcdefg", clock_.Now())).ok());
  auto owner = store_->FindApiKeyOwner("hash1");
  ASSERT_TRUE(owner.ok()) << owner.error().message();
  EXPECT_EQ(owner->user.id, kAlice);
  EXPECT_EQ(owner->key.id, "key_1");
  EXPECT_FALSE(owner->key.last_used_at.has_value());
  EXPECT_EQ(store_->FindApiKeyOwner("hash2").error().code(), ErrorCode::kNotFound);

  clock_.Advance(minutes(5));
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_1", clock_.Now()).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash1").error().code(), ErrorCode::kNotFound);
  auto keys = store_->ListApiKeys(kAlice);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  ASSERT_TRUE((*keys)[0].revoked_at.has_value());
  EXPECT_EQ(*(*keys)[0].revoked_at, clock_.Now());

  // Revoking again succeeds and keeps the first time.
  clock_.Advance(minutes(5));
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "cdns_abcdefg", clock_.Now()).ok());
  keys = store_->ListApiKeys(kAlice);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*(*keys)[0].revoked_at, clock_.Now() - minutes(5));
}

TEST_P(AccountStoreContract, ApiKeysAreListedAndRevokedPerOwner) {
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_aaaaaaa", clock_.Now())).ok());
  clock_.Advance(minutes(1));
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_2", kAlice, "hash2", "cdns_bbbbbbb", clock_.Now())).ok());
  ASSERT_TRUE(store_->CreateApiKey(Key("key_3", kBob, "hash3", "cdns_ccccccc", clock_.Now())).ok());

  auto keys = store_->ListApiKeys(kAlice);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "key_1");
  EXPECT_EQ((*keys)[0].key_hash, "hash1");
  EXPECT_EQ((*keys)[0].prefix, "cdns_aaaaaaa");
  EXPECT_EQ((*keys)[0].user_id, kAlice);
  EXPECT_FALSE((*keys)[0].revoked_at.has_value());
  EXPECT_EQ((*keys)[1].id, "key_2");

  // Bob cannot revoke Alice's key, by id or by prefix; Alice can revoke by prefix.
  EXPECT_EQ(store_->RevokeApiKey(kBob, "key_1", clock_.Now()).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->RevokeApiKey(kBob, "cdns_bbbbbbb", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->RevokeApiKey(kAlice, "cdns_", clock_.Now()).error().code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "cdns_bbbbbbb", clock_.Now()).ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
  EXPECT_FALSE(store_->FindApiKeyOwner("hash2").ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash3").ok());
}

TEST_P(AccountStoreContract, ApiKeyErrors) {
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_aaaaaaa", clock_.Now())).ok());
  EXPECT_EQ(store_->CreateApiKey(Key("key_2", kBob, "hash1", "cdns_aaaaaaa", clock_.Now()))
                .error()
                .code(),
            ErrorCode::kAlreadyExists)
      << "key hashes are unique";
  EXPECT_EQ(
      store_->CreateApiKey(Key("key_3", "user_nobody", "hash3", "x", clock_.Now())).error().code(),
      ErrorCode::kNotFound)
      << "a key needs an existing user";
  EXPECT_TRUE(store_->ListApiKeys("user_nobody").ok());
  EXPECT_TRUE(store_->ListApiKeys("user_nobody")->empty());
}

TEST_P(AccountStoreContract, AmbiguousPrefixIsRefused) {
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_1", kAlice, "hash1", "cdns_same123", clock_.Now())).ok());
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_2", kAlice, "hash2", "cdns_same123", clock_.Now())).ok());
  EXPECT_EQ(store_->RevokeApiKey(kAlice, "cdns_same123", clock_.Now()).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash2").ok());
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_2", clock_.Now()).ok());
  EXPECT_TRUE(store_->FindApiKeyOwner("hash1").ok());
}

TEST_P(AccountStoreContract, ApiKeyCreationIsBoundedByActiveKeysOfTheOwner) {
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_1", kAlice, "hash_key_1", "cdns_1", clock_.Now()), 2).ok());
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_2", kAlice, "hash_key_2", "cdns_2", clock_.Now()), 2).ok());
  EXPECT_EQ(store_->CreateApiKey(Key("key_3", kAlice, "hash_key_3", "cdns_3", clock_.Now()), 2)
                .error()
                .code(),
            ErrorCode::kResourceExhausted);
  EXPECT_TRUE(
      store_->CreateApiKey(Key("key_b", kBob, "hash_key_b", "cdns_b", clock_.Now()), 2).ok())
      << "another owner's count";
  // A revoked key no longer counts.
  ASSERT_TRUE(store_->RevokeApiKey(kAlice, "key_1", clock_.Now()).ok());
  EXPECT_TRUE(
      store_->CreateApiKey(Key("key_3", kAlice, "hash_key_3", "cdns_3", clock_.Now()), 2).ok());
  EXPECT_EQ(store_->ListApiKeys(kAlice)->size(), 3u);
}

TEST_P(AccountStoreContract, AKeysLastUseIsWrittenAtMostOnceAMinute) {
  ASSERT_TRUE(
      store_->CreateApiKey(Key("key_1", kAlice, "hash_key_1", "cdns_1", clock_.Now())).ok());
  auto owner = store_->FindApiKeyOwner("hash_key_1");
  ASSERT_TRUE(owner.ok()) << owner.error().message();
  EXPECT_EQ(owner->user.id, kAlice);
  EXPECT_EQ(owner->key.id, "key_1");
  EXPECT_FALSE(owner->key.last_used_at.has_value());

  const core::TimePoint first = clock_.Now();
  ASSERT_TRUE(store_->TouchApiKey("key_1", first).ok());
  ASSERT_TRUE(store_->TouchApiKey("key_1", first + std::chrono::seconds(59)).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash_key_1")->key.last_used_at, first);
  EXPECT_EQ(store_->ListApiKeys(kAlice)->front().last_used_at, first);
  ASSERT_TRUE(store_->TouchApiKey("key_1", first + std::chrono::seconds(60)).ok());
  EXPECT_EQ(store_->FindApiKeyOwner("hash_key_1")->key.last_used_at,
            first + std::chrono::seconds(60));
}

TEST_P(AccountStoreContract, PasswordChangeEndsEveryOtherSessionOfTheUserOnly) {
  const core::TimePoint until = clock_.Now() + hours(1);
  ASSERT_TRUE(store_->SetUserPassword("bob@example.com", "bob").ok());
  ASSERT_TRUE(store_->CreateSession({"mine", kAlice, "c1", clock_.Now(), until}).ok());
  ASSERT_TRUE(store_->CreateSession({"other", kAlice, "c2", clock_.Now(), until}).ok());
  ASSERT_TRUE(store_->CreateSession({"bobs", kBob, "c3", clock_.Now(), until}).ok());

  ASSERT_TRUE(store_->ChangePassword(kAlice, "new", "mine").ok());
  EXPECT_EQ(store_->GetUser(kAlice)->password_hash, "new");
  EXPECT_EQ(store_->GetUser(kBob)->password_hash, "bob");
  EXPECT_TRUE(store_->FindSession("mine", clock_.Now()).ok());
  EXPECT_EQ(store_->FindSession("other", clock_.Now()).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->FindSession("bobs", clock_.Now()).ok());
  EXPECT_EQ(store_->ChangePassword("user_nobody", "x", "").error().code(), ErrorCode::kNotFound);
}

TEST_P(AccountStoreContract, SessionIsFoundUntilItExpiresOrIsDeleted) {
  Session session{"tok_hash", kAlice, "csrf", clock_.Now(), clock_.Now() + hours(1)};
  ASSERT_TRUE(store_->CreateSession(session).ok());
  auto found = store_->FindSession("tok_hash", clock_.Now());
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->user_id, kAlice);
  EXPECT_EQ(found->csrf_token, "csrf");
  EXPECT_EQ(found->created_at, session.created_at);
  EXPECT_EQ(found->expires_at, session.expires_at);
  EXPECT_EQ(store_->FindSession("other", clock_.Now()).error().code(), ErrorCode::kNotFound);

  EXPECT_TRUE(store_->FindSession("tok_hash", session.expires_at - minutes(1)).ok());
  EXPECT_EQ(store_->FindSession("tok_hash", session.expires_at).error().code(),
            ErrorCode::kNotFound);

  ASSERT_TRUE(store_->DeleteSession("tok_hash").ok());
  EXPECT_EQ(store_->FindSession("tok_hash", clock_.Now()).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->DeleteSession("tok_hash").ok()) << "logging out twice is fine";
  EXPECT_EQ(
      store_->CreateSession({"t2", "user_nobody", "c", clock_.Now(), clock_.Now()}).error().code(),
      ErrorCode::kNotFound);
}

CERTADNS_STORE_CONTRACT(AccountStoreContract);

}  // namespace
}  // namespace certadns::store::contract
