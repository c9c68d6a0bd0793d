// SafeText: untrusted text becomes valid UTF-8, free of control characters and bounded.
#include "core/text.h"

#include <gtest/gtest.h>

namespace certadns::core {
namespace {

TEST(SafeTextTest, KeepsValidTextAsItIs) {
  EXPECT_EQ(SafeText("DNS problem: NXDOMAIN looking up TXT"),
            "DNS problem: NXDOMAIN looking up TXT");
  EXPECT_EQ(SafeText("b\xC3\xBC"
                     "cher.example \xF0\x9F\x94\x92\tok"),
            "b\xC3\xBC"
            "cher.example \xF0\x9F\x94\x92\tok");
}

TEST(SafeTextTest, ReplacesIllFormedSequences) {
  struct Case {
    std::string_view desc;
    std::string input;
  };
  const Case cases[] = {
      {"a lone continuation byte", "a\x80z"},    {"0xFF", "a\xFFz"},
      {"a character cut at the end", "caf\xC3"}, {"a 3-byte character cut after 2", "x\xE2\x82"},
      {"an overlong slash", "\xC0\xAF"},         {"a surrogate", "\xED\xA0\x80"},
      {"above U+10FFFF", "\xF4\x90\x80\x80"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.desc);
    EXPECT_FALSE(IsValidUtf8(c.input));
    std::string safe = SafeText(c.input);
    EXPECT_TRUE(IsValidUtf8(safe)) << safe;
    EXPECT_NE(safe.find("\xEF\xBF\xBD"), std::string::npos) << safe;
  }
  EXPECT_EQ(SafeText("a\xFFz"), "a\xEF\xBF\xBDz");
}

TEST(SafeTextTest, ReplacesControlCharactersWithSpaces) {
  EXPECT_EQ(SafeText(std::string("line1\nline2\r\x1b[31m\0end\x7f", 22)), "line1 line2  [31m end ");
}

TEST(SafeTextTest, CutsLongTextOnACharacterBoundary) {
  // 199 ASCII bytes, then a 2-byte character across the 200-byte limit.
  std::string text = std::string(199, 'a') + "\xC3\xA9" + std::string(50, 'b');
  std::string safe = SafeText(text, 200);
  EXPECT_TRUE(IsValidUtf8(safe));
  EXPECT_EQ(safe, std::string(199, 'a') + "\xE2\x80\xA6");
  EXPECT_EQ(SafeText(std::string(5000, 'x')).size(), kMaxSafeTextBytes + 3);
  EXPECT_EQ(SafeText("short", 200), "short");
}

}  // namespace
}  // namespace certadns::core
