// Response header lookups (HTTP field names are case-insensitive, RFC 9110 §5.1).
#include "http/http_client.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace certadns::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::string> Response::FindHeader(std::string_view name) const {
  for (const Header& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) return header.value;
  }
  return std::nullopt;
}

std::vector<std::string> Response::FindHeaders(std::string_view name) const {
  std::vector<std::string> values;
  for (const Header& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) values.push_back(header.value);
  }
  return values;
}

}  // namespace certadns::http
