// libFuzzer target: DNS names as users type them (core/names.h). NormalizeDnsName must never
// crash, and what it accepts must keep the header's promises: at most 253 octets, labels of
// 1..63 octets of [a-z0-9-] (or a leading "*"), no hyphen at a label's edge, two labels at
// least, and normalising it again changes nothing. IsUnderZone and IsPublicSuffix take any
// input. The input is split at its first newline into a name and a zone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/names.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckCanonical(std::string_view name) {
  Check(!name.empty() && name.size() <= 253);
  std::string_view rest = name;
  if (rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  int labels = 0;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    Check(!label.empty() && label.size() <= 63);
    Check(label.front() != '-' && label.back() != '-');
    for (char c : label) {
      Check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  Check(labels + (name.substr(0, 2) == "*." ? 1 : 0) >= 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view name = input.substr(0, newline);
  std::string_view zone = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  auto normalized = certadns::core::NormalizeDnsName(name);
  if (normalized.ok()) {
    CheckCanonical(normalized.value());
    auto again = certadns::core::NormalizeDnsName(normalized.value());
    Check(again.ok() && again.value() == normalized.value());
  }
  (void)certadns::core::IsUnderZone(name, zone);
  (void)certadns::core::IsPublicSuffix(name);
  return 0;
}
