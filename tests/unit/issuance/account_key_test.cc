// The ACME account key: a new one is EC P-256 (JWS ES256); one stored before (RSA) keeps
// being used, since its account is registered at the CA under it.
#include "issuance/account_key.h"

#include <string>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "support/memory_store.h"

#include <gtest/gtest.h>

namespace certadns::issuance {
namespace {

const char kDirectory[] = "https://ca.example/dir";

crypto::SecretBox TestBox() {
  return crypto::SecretBox::Create(crypto::SecretString(crypto::RandomBytes(32))).value();
}

TEST(AccountKeyTest, ANewAccountKeyIsEcP256AndStaysTheSame) {
  test::MemoryStore store;
  crypto::SecretBox box = TestBox();
  auto key = LoadOrCreateAccountKey(store, box, kDirectory);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->kind(), crypto::PrivateKey::Kind::kEcP256);
  EXPECT_EQ(key->JwsAlgorithm(), "ES256");
  EXPECT_EQ(key->PublicJwk().at("crv"), "P-256");
  auto again = LoadOrCreateAccountKey(store, box, kDirectory);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->JwkThumbprint(), key->JwkThumbprint());
}

TEST(AccountKeyTest, AStoredRsaAccountKeyIsKeptAsItIs) {
  test::MemoryStore store;
  crypto::SecretBox box = TestBox();
  auto rsa = crypto::PrivateKey::GenerateRsa(2048);
  ASSERT_TRUE(rsa.ok());
  auto sealed = box.Seal(rsa->ToPem().reveal(), AccountKeyAad(kDirectory));
  ASSERT_TRUE(sealed.ok());
  ASSERT_TRUE(store.PutAcmeAccountKey(kDirectory, *sealed).ok());

  auto key = LoadOrCreateAccountKey(store, box, kDirectory);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->kind(), crypto::PrivateKey::Kind::kRsa);
  EXPECT_EQ(key->JwsAlgorithm(), "RS256");
  EXPECT_EQ(key->JwkThumbprint(), rsa->JwkThumbprint());
}

}  // namespace
}  // namespace certadns::issuance
