#include "crypto/encoding.h"

#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace certadns::crypto {
namespace {

// RFC 4648 §10 test vectors.
struct Vector {
  std::string_view plain;
  std::string_view std_b64;
  std::string_view url_b64;  // same, url alphabet, no padding
};
constexpr Vector kRfc4648Vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64UrlTest, EncodesRfc4648VectorsWithoutPadding) {
  for (const Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64UrlEncode(v.plain), v.url_b64) << v.plain;
  }
}

TEST(Base64UrlTest, DecodesRfc4648VectorsWithAndWithoutPadding) {
  for (const Vector& v : kRfc4648Vectors) {
    auto unpadded = Base64UrlDecode(v.url_b64);
    ASSERT_TRUE(unpadded.ok()) << v.url_b64;
    EXPECT_EQ(*unpadded, v.plain);
    auto padded = Base64UrlDecode(v.std_b64);  // these vectors have no '+' or '/'
    ASSERT_TRUE(padded.ok()) << v.std_b64;
    EXPECT_EQ(*padded, v.plain);
  }
}

TEST(Base64UrlTest, UsesDashAndUnderscore) {
  // 0xfb 0xff is "+/8=" in the standard alphabet.
  const std::string bytes("\xfb\xff", 2);
  EXPECT_EQ(Base64Encode(bytes), "+/8=");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_8");
  auto decoded = Base64UrlDecode("-_8");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, bytes);
  auto padded = Base64UrlDecode("-_8=");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(*padded, bytes);
}

TEST(Base64UrlTest, RejectsInvalidInput) {
  struct Case {
    std::string_view desc;
    std::string_view text;
  };
  const Case cases[] = {
      {"standard alphabet '+'", "+/8"},
      {"bang", "Zm9v!"},
      {"space", "Zm9v Yg"},
      {"newline", "Zm9v\n"},
      {"length 1 mod 4", "Zm9vY"},
      {"partial padding", "Zg="},
      {"padding in the middle", "Zg==Zg"},
      {"too much padding", "Z==="},
      {"only padding", "===="},
      {"NUL byte", std::string_view("Zm\0v", 4)},
  };
  for (const Case& c : cases) {
    auto r = Base64UrlDecode(c.text);
    ASSERT_FALSE(r.ok()) << c.desc;
    EXPECT_EQ(r.error().code(), core::ErrorCode::kInvalidArgument) << c.desc;
  }
}

TEST(Base64Test, EncodesAndDecodesRfc4648Vectors) {
  for (const Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64Encode(v.plain), v.std_b64);
    auto decoded = Base64Decode(v.std_b64);
    ASSERT_TRUE(decoded.ok()) << v.std_b64;
    EXPECT_EQ(*decoded, v.plain);
  }
}

TEST(Base64Test, RejectsUrlAlphabetAndMissingPadding) {
  EXPECT_FALSE(Base64Decode("-_8=").ok());
  EXPECT_FALSE(Base64Decode("Zg").ok());
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());
}

TEST(Base64Test, RoundTripsAllByteValuesAndLargeInputs) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  // Larger than one internal chunk, and not a multiple of 3.
  std::string large = RandomBytes(200001);
  for (const std::string& bytes : {all, large}) {
    auto std_back = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(std_back.ok());
    EXPECT_EQ(*std_back, bytes);
    auto url_back = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(url_back.ok());
    EXPECT_EQ(*url_back, bytes);
  }
  EXPECT_EQ(Base64Encode(large).size(), (large.size() + 2) / 3 * 4);
}

TEST(Sha256Test, MatchesFips180KnownVectors) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

TEST(HexEncodeTest, IsLowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xf0\xff\xab", 5)), "000ff0ffab");
  EXPECT_EQ(HexEncode(""), "");
}

TEST(RandomTest, BytesHaveRequestedLengthAndDiffer) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  std::string a = RandomBytes(32);
  std::string b = RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(RandomTest, IdHasPrefixAndTwentyFourLowerAlnumChars) {
  const std::regex shape("cert_[a-z0-9]{24}");
  std::string a = RandomId("cert");
  std::string b = RandomId("cert");
  EXPECT_TRUE(std::regex_match(a, shape)) << a;
  EXPECT_TRUE(std::regex_match(b, shape)) << b;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace certadns::crypto
