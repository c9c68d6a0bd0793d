#include "crypto/secret.h"

#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

namespace certadns::crypto {
namespace {

// Long enough to live on the heap, so moves transfer the buffer.
const std::string kLong(100, 'k');

TEST(SecretStringTest, CopiesKeepTheValue) {
  SecretString a(kLong);
  SecretString b(a);
  SecretString c;
  c = a;
  EXPECT_EQ(a.reveal(), kLong);
  EXPECT_EQ(b.reveal(), kLong);
  EXPECT_EQ(c.reveal(), kLong);
  c = c;  // self-assignment keeps the value
  EXPECT_EQ(c.reveal(), kLong);
}

TEST(SecretStringTest, MovesLeaveTheSourceEmpty) {
  for (const std::string& value : {kLong, std::string("short")}) {
    SecretString a(value);
    SecretString b(std::move(a));
    EXPECT_EQ(b.reveal(), value);
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
    SecretString c(std::string("previous value, long enough for the heap ....."));
    c = std::move(b);
    EXPECT_EQ(c.reveal(), value);
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  }
}

TEST(SecretStringTest, HasNoImplicitConversionToString) {
  static_assert(!std::is_convertible_v<SecretString, std::string>);
  static_assert(!std::is_convertible_v<SecretString, std::string_view>);
  static_assert(!std::is_convertible_v<std::string, SecretString>);
  EXPECT_TRUE(SecretString().empty());
}

}  // namespace
}  // namespace certadns::crypto
