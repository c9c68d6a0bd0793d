#include "core/names.h"

#include <gtest/gtest.h>

#include <string>

namespace certadns::core {
namespace {

std::string Repeat(char c, size_t n) { return std::string(n, c); }

TEST(NormalizeDnsNameTest, CanonicalisesAcceptedNames) {
  struct Case {
    std::string_view desc;
    std::string input;
    std::string want;
  };
  const Case cases[] = {
      {"already canonical", "app.example.com", "app.example.com"},
      {"upper case", "App.EXAMPLE.Com", "app.example.com"},
      {"trailing dot", "example.com.", "example.com"},
      {"surrounding whitespace", " \t app.example.com \n", "app.example.com"},
      {"digits and inner hyphens", "a-1.b2b.example.com", "a-1.b2b.example.com"},
      {"all-digit label below the top", "123.example.com", "123.example.com"},
      {"unicode to punycode", "Bücher.example", "xn--bcher-kva.example"},
      {"upper-case unicode", "BÜCHER.example", "xn--bcher-kva.example"},
      {"non-transitional sharp s", "straße.de", "xn--strae-oqa.de"},
      {"ideographic full stop", "bücher\u3002example", "xn--bcher-kva.example"},
      {"existing punycode kept", "XN--BCHER-KVA.example", "xn--bcher-kva.example"},
      {"wildcard", "*.example.com", "*.example.com"},
      {"wildcard with case and dot", "*.Example.COM.", "*.example.com"},
      {"wildcard over unicode", "*.Bücher.example", "*.xn--bcher-kva.example"},
      {"63-char label", Repeat('a', 63) + ".example.com", Repeat('a', 63) + ".example.com"},
      {"63-char label after punycode", Repeat('a', 55) + "ü.example",
       "xn--" + Repeat('a', 55) + "-8yf.example"},
      {"253 chars",
       Repeat('a', 63) + "." + Repeat('b', 63) + "." + Repeat('c', 63) + "." + Repeat('d', 61),
       Repeat('a', 63) + "." + Repeat('b', 63) + "." + Repeat('c', 63) + "." + Repeat('d', 61)},
  };
  for (const Case& c : cases) {
    Result<std::string> got = NormalizeDnsName(c.input);
    ASSERT_TRUE(got.ok()) << c.desc << ": " << got.error().message();
    EXPECT_EQ(*got, c.want) << c.desc;
  }
}

TEST(NormalizeDnsNameTest, RefusesBadNamesSayingWhy) {
  struct Case {
    std::string_view desc;
    std::string input;
    std::string want_message;
  };
  const std::string label64 = Repeat('a', 64);
  const std::string name254 =
      Repeat('a', 63) + "." + Repeat('b', 63) + "." + Repeat('c', 63) + "." + Repeat('d', 62);
  const std::string long_alabel = "xn--" + Repeat('a', 56) + "-8yf";  // 64 characters
  const Case cases[] = {
      {"empty", "", "domain name is empty"},
      {"blank", "   ", "domain name is empty"},
      {"empty label", "app..example.com",
       R"("app..example.com" is not a valid domain name: empty label)"},
      {"leading dot", ".example.com", R"(".example.com" is not a valid domain name: empty label)"},
      {"two trailing dots", "example.com..",
       R"("example.com.." is not a valid domain name: empty label)"},
      {"64-char label", label64 + ".example.com",
       "\"" + label64 + ".example.com\" is not a valid domain name: label \"" + label64 +
           "\" is longer than 63 characters"},
      {"64-char punycode label", long_alabel + ".example",
       "\"" + long_alabel + ".example\" is not a valid domain name: label \"" + long_alabel +
           "\" is longer than 63 characters"},
      {"unicode label too long as punycode", Repeat('a', 56) + "ü.example",
       "\"" + Repeat('a', 56) + "ü.example\" is not a valid domain name: label \"" +
           Repeat('a', 56) +
           "ü\" cannot be converted to punycode: it is longer than 63 characters once "
           "converted to punycode"},
      {"254 chars", name254,
       "\"" + name254 +
           "\" is not a valid domain name: it is 254 characters long; at most 253 "
           "are allowed"},
      {"leading hyphen", "-app.example.com",
       R"("-app.example.com" is not a valid domain name: label "-app" starts with a hyphen)"},
      {"trailing hyphen", "app-.example.com",
       R"("app-.example.com" is not a valid domain name: label "app-" ends with a hyphen)"},
      {"underscore", "app_1.example.com",
       R"("app_1.example.com" is not a valid domain name: label "app_1" contains "_"; only letters, digits and hyphens are allowed)"},
      {"inner space", "my app.example.com",
       R"("my app.example.com" is not a valid domain name: label "my app" contains " "; only letters, digits and hyphens are allowed)"},
      {"reserved hyphens", "ab--cd.example.com",
       R"("ab--cd.example.com" is not a valid domain name: label "ab--cd" has "--" in the third and fourth positions, which is reserved for punycode ("xn--") labels)"},
      {"bad punycode", "xn--zz.example.com",
       R"("xn--zz.example.com" is not a valid domain name: label "xn--zz" cannot be converted to punycode: it is not valid punycode)"},
      {"wildcard in the middle", "a.*.example.com",
       R"("a.*.example.com" is not a valid domain name: "*" is only allowed as the whole leftmost label)"},
      {"partial wildcard label", "*example.com",
       R"("*example.com" is not a valid domain name: "*" is only allowed as the whole leftmost label)"},
      {"double star", "**.example.com",
       R"("**.example.com" is not a valid domain name: "*" is only allowed as the whole leftmost label)"},
      {"two wildcards", "*.*.example.com",
       R"("*.*.example.com" is not a valid domain name: "*" is only allowed as the whole leftmost label)"},
      {"bare star", "*", R"("*" is not a valid domain name: a wildcard needs a domain after "*.")"},
      {"star dot", "*.",
       R"("*." is not a valid domain name: a wildcard needs a domain after "*.")"},
      {"ipv4", "192.168.1.1", R"("192.168.1.1" is an IP address, not a domain name)"},
      {"wildcard ipv4", "*.192.168.1.1", R"("*.192.168.1.1" is an IP address, not a domain name)"},
      {"ipv6 loopback", "::1", R"("::1" is an IP address, not a domain name)"},
      {"ipv6", "2001:db8::1", R"("2001:db8::1" is an IP address, not a domain name)"},
      {"port", "example.com:443",
       R"("example.com:443" is not a valid domain name: ":" is not allowed (an IP address or a port is not a domain name))"},
      {"all-digit top label", "1.2.3",
       R"("1.2.3" is not a valid domain name: the last label "3" cannot be all digits)"},
      {"single label", "localhost",
       R"("localhost" is not a valid domain name: it needs at least two labels, such as "app.example.com")"},
      {"wildcard on a TLD", "*.com",
       R"("*.com" is not a valid domain name: it needs at least two labels, such as "app.example.com")"},
      {"emoji", "😀.example.com",
       R"("😀.example.com" is not a valid domain name: label "😀" cannot be converted to punycode: it contains a character that is not allowed in domain names (such as an emoji or a symbol))"},
      {"emoji inside a label", "i❤.ws",
       R"("i❤.ws" is not a valid domain name: label "i❤" cannot be converted to punycode: it contains a character that is not allowed in domain names (such as an emoji or a symbol))"},
      {"snowman", "☃.net",
       R"("☃.net" is not a valid domain name: label "☃" cannot be converted to punycode: it contains a character that is not allowed in domain names (such as an emoji or a symbol))"},
      {"control character", "app\x01.example.com",
       R"("app\x01.example.com" is not a valid domain name: label "app\x01" contains "\x01"; only letters, digits and hyphens are allowed)"},
  };
  for (const Case& c : cases) {
    Result<std::string> got = NormalizeDnsName(c.input);
    ASSERT_FALSE(got.ok()) << c.desc << ": accepted as " << *got;
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument) << c.desc;
    EXPECT_EQ(got.error().message(), c.want_message) << c.desc;
  }
}

TEST(NormalizeDnsNameTest, CutsVeryLongInputInMessages) {
  Result<std::string> got = NormalizeDnsName(Repeat('a', 5000) + ".example.com");
  ASSERT_FALSE(got.ok());
  EXPECT_LT(got.error().message().size(), 1000u);
}

// Found by tests/fuzz/fuzz_names: IDNA maps some characters to nothing (U+FE0E variation
// selector, U+00AD soft hyphen), so a label of only those became empty after conversion and
// "app.\u00ad.example.com" came out as "app..example.com".
TEST(NormalizeDnsNameTest, RefusesALabelThatConvertsToNothing) {
  for (const std::string input : {"*.ex.\xef\xb8\x8e", "app.example.com.\xef\xb8\x8e",
                                  "app.\xc2\xad.example.com", "\xc2\xad.example.com"}) {
    auto got = NormalizeDnsName(input);
    ASSERT_FALSE(got.ok()) << input << " -> " << got.value();
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(got.error().message().find("converts to nothing"), std::string::npos)
        << got.error().message();
  }
  // Such characters inside a label with other text are simply dropped, as UTS#46 says.
  auto kept = NormalizeDnsName("app\xc2\xad.example.com");
  ASSERT_TRUE(kept.ok()) << kept.error().message();
  EXPECT_EQ(kept.value(), "app.example.com");
}

TEST(IsUnderZoneTest, ComparesWholeLabels) {
  struct Case {
    std::string_view desc;
    std::string_view name;
    std::string_view zone;
    bool want;
  };
  const Case cases[] = {
      {"the zone itself", "example.com", "example.com", true},
      {"one level below", "app.example.com", "example.com", true},
      {"wildcard below", "*.example.com", "example.com", true},
      {"two levels below", "a.b.example.com", "example.com", true},
      {"trailing dots", "app.example.com.", "example.com.", true},
      {"suffix that is not a label", "badexample.com", "example.com", false},
      {"zone as a prefix", "example.com.evil.com", "example.com", false},
      {"parent of the zone", "com", "example.com", false},
      {"sibling zone", "app.other.com", "example.com", false},
      {"empty name", "", "example.com", false},
      {"empty zone", "example.com", "", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsUnderZone(c.name, c.zone), c.want) << c.desc;
  }
}

TEST(IsPublicSuffixTest, UsesThePublicSuffixList) {
  struct Case {
    std::string_view desc;
    std::string_view name;
    bool want;
  };
  const Case cases[] = {
      {"generic TLD", "com", true},
      {"country second level", "co.uk", true},
      {"private section", "github.io", true},
      {"upper case and trailing dot", "CO.UK.", true},
      {"IDN TLD as punycode", "xn--p1ai", true},
      {"IDN TLD as unicode", "рф", true},
      {"registrable domain", "example.com", false},
      {"registrable under a country suffix", "example.co.uk", false},
      {"below a private suffix", "someone.github.io", false},
      {"empty", "", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsPublicSuffix(c.name), c.want) << c.desc;
  }
}

}  // namespace
}  // namespace certadns::core

namespace certadns::core {
namespace {

TEST(RegisteredDomainTest, IsThePublicSuffixPlusOneLabel) {
  EXPECT_EQ(RegisteredDomain("www.example.com"), "example.com");
  EXPECT_EQ(RegisteredDomain("example.com"), "example.com");
  EXPECT_EQ(RegisteredDomain("new.blog.example.co.uk"), "example.co.uk");
  EXPECT_EQ(RegisteredDomain("*.app.example.com"), "example.com");
  EXPECT_EQ(RegisteredDomain("user.github.io"), "user.github.io");  // private section
  EXPECT_EQ(RegisteredDomain("co.uk"), "co.uk");                    // a suffix is its own
}

}  // namespace
}  // namespace certadns::core
