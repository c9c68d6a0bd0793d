#include "core/names.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <libpsl.h>
#include <netinet/in.h>

#include <cstdio>
#include <memory>
#include <string>

namespace certadns::core {
namespace {

constexpr size_t kMaxNameLength = 253;  // RFC 1035 §2.3.4 (255 octets in wire format)
constexpr size_t kMaxLabelLength = 63;  // RFC 1035 §2.3.4
constexpr size_t kMaxQuotedLength = 300;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}
bool IsLdh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool IsAllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}
char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// UTS#46 maps these three full stops to '.', and RFC 3490 §3.1 treats them as label
// separators; mapping them first lets labels be converted one at a time.
std::string MapFullStops(std::string_view s) {
  static constexpr std::string_view kFullStops[] = {
      "\xE3\x80\x82",  // U+3002 IDEOGRAPHIC FULL STOP
      "\xEF\xBC\x8E",  // U+FF0E FULLWIDTH FULL STOP
      "\xEF\xBD\xA1",  // U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool mapped = false;
    for (std::string_view stop : kFullStops) {
      if (s.substr(i, stop.size()) == stop) {
        out += '.';
        i += stop.size();
        mapped = true;
        break;
      }
    }
    if (!mapped) out += s[i++];
  }
  return out;
}

// The name in double quotes for a message: control bytes escaped, very long input cut at a
// UTF-8 character boundary.
std::string Quote(std::string_view s) {
  bool truncated = false;
  if (s.size() > kMaxQuotedLength) {
    size_t n = kMaxQuotedLength;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
    truncated = true;
  }
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  if (truncated) out += "…";
  out += '"';
  return out;
}

Error Invalid(std::string_view name, std::string_view why) {
  return InvalidArgument(Quote(name) + " is not a valid domain name: " + std::string(why));
}

std::string Label(std::string_view label) { return "label " + Quote(label); }

std::string_view DescribeIdn2Error(int rc) {
  switch (rc) {
    case IDN2_DISALLOWED:
      return "it contains a character that is not allowed in domain names (such as an emoji "
             "or a symbol)";
    case IDN2_ENCODING_ERROR:
      return "it is not valid UTF-8";
    case IDN2_PUNYCODE_BAD_INPUT:
    case IDN2_INVALID_ALABEL:
    case IDN2_UALABEL_MISMATCH:
    case IDN2_ALABEL_ROUNDTRIP_FAILED:
      return "it is not valid punycode";
    case IDN2_PUNYCODE_BIG_OUTPUT:
    case IDN2_TOO_BIG_LABEL:
      return "it is longer than 63 characters once converted to punycode";
    case IDN2_BIDI:
      return "it mixes right-to-left and left-to-right characters in a way IDNA forbids";
    default:
      return {};
  }
}

// RFC 5891 (IDNA 2008) with UTS#46 non-transitional mapping: "ß" stays "ß" (xn--zca), and
// upper case is mapped to lower case.
Result<std::string> LabelToAscii(std::string_view name, std::string_view label) {
  std::string input(label);
  char* raw = nullptr;
  int rc = idn2_to_ascii_8z(input.c_str(), &raw, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, decltype(&idn2_free)> out(raw, &idn2_free);
  if (rc != IDN2_OK) {
    std::string_view why = DescribeIdn2Error(rc);
    return Invalid(name, Label(label) + " cannot be converted to punycode: " +
                             (why.empty() ? std::string(idn2_strerror(rc)) : std::string(why)));
  }
  return std::string(out.get());
}

// One label as typed -> its lower-case ASCII (A-label) form.
Result<std::string> NormalizeLabel(std::string_view name, std::string_view label) {
  if (label.empty()) return Invalid(name, "empty label");
  // Checked on the label as typed, so the message names what the user typed ("_", " ", ...).
  for (char c : label) {
    if (static_cast<unsigned char>(c) < 0x80 && !IsLdh(AsciiLower(c))) {
      return Invalid(name, Label(label) + " contains " + Quote(std::string_view(&c, 1)) +
                               "; only letters, digits and hyphens are allowed");
    }
  }
  if (label.front() == '-') return Invalid(name, Label(label) + " starts with a hyphen");
  if (label.back() == '-') return Invalid(name, Label(label) + " ends with a hyphen");

  if (!IsAscii(label)) {
    ASSIGN_OR_RETURN(std::string ascii, LabelToAscii(name, label));
    // UTS#46 maps some characters to nothing (U+00AD soft hyphen, U+FE0E, ...).
    if (ascii.empty()) {
      return Invalid(name, Label(label) + " converts to nothing (it holds only characters "
                                          "that are ignored in domain names)");
    }
    // UTS#46 maps a few characters to a dot or to other non-LDH text (e.g. U+2488 -> "1.").
    for (char c : ascii) {
      if (!IsLdh(c)) {
        return Invalid(
            name, Label(label) + " converts to " + Quote(ascii) + ", which is not a valid label");
      }
    }
    if (ascii.size() > kMaxLabelLength) {
      return Invalid(name, Label(ascii) + " is longer than 63 characters");
    }
    return ascii;
  }

  std::string ascii = AsciiLower(label);
  if (ascii.size() > kMaxLabelLength) {
    return Invalid(name, Label(label) + " is longer than 63 characters");
  }
  // RFC 5890 §2.3.1: "??--" labels are reserved; only "xn--" (punycode) is in use, and it
  // must decode.
  if (ascii.size() >= 4 && ascii[2] == '-' && ascii[3] == '-') {
    if (!ascii.starts_with("xn--")) {
      return Invalid(name, Label(label) +
                               " has \"--\" in the third and fourth positions, which is "
                               "reserved for punycode (\"xn--\") labels");
    }
    RETURN_IF_ERROR(LabelToAscii(name, ascii));
  }
  return ascii;
}

bool IsIpAddress(const std::string& text) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

std::string_view StripTrailingDot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && AsciiLower(a) == AsciiLower(b);
}

// libpsl's compiled-in list (Debian builds it in from the publicsuffix package); if a build
// lacks it, the publicsuffix package's DAFSA file. Both are immutable once made, so one
// shared context serves every thread.
const psl_ctx_t* PslContext() {
  static const psl_ctx_t* const ctx = []() -> const psl_ctx_t* {
    if (const psl_ctx_t* builtin = psl_builtin()) return builtin;
    return psl_latest(nullptr);  // lives for the whole process
  }();
  return ctx;
}

}  // namespace

Result<std::string> NormalizeDnsName(std::string_view input) {
  const std::string_view typed = Trim(input);
  if (typed.empty()) return InvalidArgument("domain name is empty");

  std::string name = MapFullStops(typed);
  if (name.back() == '.') name.pop_back();
  if (name == "*") return Invalid(typed, "a wildcard needs a domain after \"*.\"");

  std::string_view rest = name;
  const bool wildcard = rest.starts_with("*.");
  if (wildcard) rest.remove_prefix(2);
  if (rest.empty() && wildcard) return Invalid(typed, "a wildcard needs a domain after \"*.\"");
  if (rest.find('*') != std::string_view::npos) {
    return Invalid(typed, "\"*\" is only allowed as the whole leftmost label");
  }
  if (IsIpAddress(std::string(rest))) {
    return InvalidArgument(Quote(typed) + " is an IP address, not a domain name");
  }
  if (rest.find(':') != std::string_view::npos) {
    return Invalid(typed, "\":\" is not allowed (an IP address or a port is not a domain name)");
  }

  std::string out = wildcard ? "*." : "";
  std::string last_label;
  size_t label_count = 0;
  for (size_t start = 0;;) {
    size_t dot = rest.find('.', start);
    std::string_view label =
        rest.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    ASSIGN_OR_RETURN(last_label, NormalizeLabel(typed, label));
    if (label_count++ > 0) out += '.';
    out += last_label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }

  if (label_count < 2) {
    return Invalid(typed, "it needs at least two labels, such as \"app.example.com\"");
  }
  // RFC 3696 §2: a top-level domain is never all-numeric.
  if (IsAllDigits(last_label)) {
    return Invalid(typed, "the last label " + Quote(last_label) + " cannot be all digits");
  }
  if (out.size() > kMaxNameLength) {
    return Invalid(
        typed, "it is " + std::to_string(out.size()) + " characters long; at most 253 are allowed");
  }
  return out;
}

bool IsUnderZone(std::string_view name, std::string_view zone) {
  name = StripTrailingDot(name);
  zone = StripTrailingDot(zone);
  if (name.empty() || zone.empty()) return false;
  if (EqualsIgnoreAsciiCase(name, zone)) return true;
  // Label-wise: the zone must follow a dot, so "badexample.com" is not under "example.com".
  return name.size() > zone.size() && name[name.size() - zone.size() - 1] == '.' &&
         EqualsIgnoreAsciiCase(name.substr(name.size() - zone.size()), zone);
}

bool IsPublicSuffix(std::string_view name) {
  std::string text = MapFullStops(Trim(name));
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text.empty()) return false;
  if (IsAscii(text)) {
    text = AsciiLower(text);
  } else {
    char* raw = nullptr;
    int rc = idn2_to_ascii_8z(text.c_str(), &raw, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    std::unique_ptr<char, decltype(&idn2_free)> ascii(raw, &idn2_free);
    if (rc != IDN2_OK) return false;
    text = ascii.get();
  }
  const psl_ctx_t* psl = PslContext();
  // Without a list, fall back to the list's own default rule "*": every TLD is a suffix.
  if (psl == nullptr) return text.find('.') == std::string::npos;
  // PSL_TYPE_ANY: ICANN and private ("github.io") sections, with the implicit "*" rule, so
  // an unlisted TLD also counts as a public suffix.
  return psl_is_public_suffix2(psl, text.c_str(), PSL_TYPE_ANY) == 1;
}

}  // namespace certadns::core

namespace certadns::core {

std::string RegisteredDomain(std::string_view name) {
  std::string text(name.rfind("*.", 0) == 0 ? name.substr(2) : name);
  const psl_ctx_t* psl = PslContext();
  if (psl == nullptr) {
    // Without a list, the last two labels (the list's default rule "*").
    size_t last = text.rfind('.');
    size_t before = last == std::string::npos || last == 0 ? std::string::npos
                                                           : text.rfind('.', last - 1);
    return before == std::string::npos ? text : text.substr(before + 1);
  }
  // A pointer into `text`; null when `text` is a public suffix itself.
  const char* registrable = psl_registrable_domain(psl, text.c_str());
  return registrable == nullptr ? text : std::string(registrable);
}

}  // namespace certadns::core
