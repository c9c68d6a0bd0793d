// The AcmeAccountStore contract (store/acme_account_store.h), on every backend: the first key
// stored for a directory is kept, so racing nodes agree on one account.
#include <gtest/gtest.h>

#include <string>

#include "unit/store/contract/contract_fixture.h"

namespace certadns::store::contract {
namespace {

using AcmeAccountStoreContract = StoreContract;

TEST_P(AcmeAccountStoreContract, PutAcmeAccountKeyKeepsTheFirstKey) {
  const std::string dir = "https://acme.test/directory";
  auto none = store_->GetAcmeAccountKey(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto first = store_->PutAcmeAccountKey(dir, "first-key");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "first-key");
  auto second = store_->PutAcmeAccountKey(dir, "second-key");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "first-key");
  auto stored = store_->GetAcmeAccountKey(dir);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, "first-key");

  auto other = store_->PutAcmeAccountKey("https://other.test/dir", "other-key");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, "other-key");
}

CERTADNS_STORE_CONTRACT(AcmeAccountStoreContract);

}  // namespace
}  // namespace certadns::store::contract
