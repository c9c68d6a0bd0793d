#include "core/clock.h"

#include <gtest/gtest.h>

#include <ctime>

namespace certadns::core {
namespace {

TEST(Rfc3339Test, FormatsUtcWithSecondPrecision) {
  TimePoint t = FromUnixMillis(1768473000123);  // 2026-01-15T10:30:00.123Z
  EXPECT_EQ(FormatRfc3339(t), "2026-01-15T10:30:00Z");
}

// The same text as gmtime + strftime, across the calendar's edges.
TEST(Rfc3339Test, FormatsLikeStrftimeOnCalendarEdges) {
  const int64_t seconds[] = {0,           -1,          951782400,  951868799,  // 2000-02-29
                             1709164800,  1735689599,  1735689600, 4102444799,  // 2099-12-31
                             -2208988800, 1798761599};
  for (int64_t s : seconds) {
    std::time_t raw = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&raw, &tm);
    char want[64];
    std::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
    EXPECT_EQ(FormatRfc3339(FromUnixMillis(s * 1000 + 999)), want) << s;
  }
}

TEST(Rfc3339Test, ParsesZuluOffsetAndFraction) {
  struct Case {
    std::string_view desc;
    std::string_view text;
    int64_t want_ms;
  };
  const Case cases[] = {
      {"zulu", "2026-01-15T10:30:00Z", 1768473000000},
      {"fraction", "2026-01-15T10:30:00.999999Z", 1768473000000},
      {"positive offset", "2026-01-15T12:30:00+02:00", 1768473000000},
      {"negative offset", "2026-01-15T05:30:00-05:00", 1768473000000},
  };
  for (const Case& c : cases) {
    auto parsed = ParseRfc3339(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.desc;
    EXPECT_EQ(ToUnixMillis(*parsed), c.want_ms) << c.desc;
  }
}

TEST(Rfc3339Test, RejectsMalformedText) {
  EXPECT_FALSE(ParseRfc3339("2026-01-15").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-01-15T10:30:00").has_value());
  EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
}

}  // namespace
}  // namespace certadns::core
