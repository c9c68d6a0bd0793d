// Password hashing (Argon2id) and API keys / token hashing.
#include "crypto/password.h"

#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "crypto/api_key.h"
#include "crypto/encoding.h"

namespace certadns::crypto {
namespace {

TEST(PasswordTest, HashVerifiesTheSamePasswordOnly) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.error().message();
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordTest, HashIsArgon2idWithItsOwnSalt) {
  auto first = HashPassword("same password");
  auto second = HashPassword("same password");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->rfind("$argon2id$", 0), 0u) << *first;
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(VerifyPassword(*second, "same password"));
}

TEST(PasswordTest, RefusesPasswordsOutsideTheLengthLimits) {
  struct Case {
    std::string_view desc;
    std::string password;
    bool ok;
  };
  const Case cases[] = {
      {"empty", "", false},
      {"seven characters", "1234567", false},
      {"eight characters", "12345678", true},
      {"1024 characters", std::string(1024, 'p'), true},
      {"1025 characters", std::string(1025, 'p'), false},
  };
  for (const Case& c : cases) {
    auto hash = HashPassword(c.password);
    EXPECT_EQ(hash.ok(), c.ok) << c.desc;
    if (!hash.ok()) {
      EXPECT_EQ(hash.error().code(), core::ErrorCode::kInvalidArgument) << c.desc;
    }
  }
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "whatever1"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "whatever1"));
  EXPECT_FALSE(VerifyPassword(std::string(500, '$'), "whatever1"));
}

TEST(ApiKeyTest, KeyHasTheDocumentedShape) {
  NewApiKey key = GenerateApiKey();
  const std::string& text = key.key.reveal();
  ASSERT_EQ(text.size(), 45u);
  EXPECT_EQ(text.rfind("cdns_", 0), 0u);
  for (char ch : text.substr(5)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch))) << text;
  }
  EXPECT_EQ(key.prefix, text.substr(0, 12));
  EXPECT_EQ(key.key_hash, HashToken(text));
  EXPECT_EQ(key.key_hash.size(), 64u);
}

TEST(ApiKeyTest, TwoKeysDiffer) {
  NewApiKey a = GenerateApiKey();
  NewApiKey b = GenerateApiKey();
  EXPECT_NE(a.key.reveal(), b.key.reveal());
  EXPECT_NE(a.key_hash, b.key_hash);
}

TEST(ApiKeyTest, HashTokenIsLowerHexSha256) {
  // FIPS 180-2 test vector for "abc".
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashToken("abc"), HexEncode(Sha256("abc")));
}

TEST(ApiKeyTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abcdef", "abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("abcdef", "abcdeg"));
  EXPECT_FALSE(ConstantTimeEquals("abcdef", "abcde"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace certadns::crypto
