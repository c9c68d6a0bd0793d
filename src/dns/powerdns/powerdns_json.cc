// JSON codecs for the PowerDNS 4.7 API (documents as in pdns ws-auth.cc). Stateless.
#include "dns/powerdns/powerdns_json.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace certadns::dns::powerdns::json {
namespace {

using nlohmann::json;

// Never throws: invalid UTF-8 is replaced rather than raising type_error 316.
std::string Dump(const json& document) {
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace

std::string EncodeRrsetChanges(const std::vector<RrsetChange>& changes) {
  json rrsets = json::array();
  for (const RrsetChange& change : changes) {
    if (change.records.empty()) {
      rrsets.push_back({{"name", change.name}, {"type", change.type}, {"changetype", "DELETE"}});
      continue;
    }
    json records_json = json::array();
    for (const Record& record : change.records) {
      records_json.push_back({{"content", record.content}, {"disabled", record.disabled}});
    }
    rrsets.push_back({{"name", change.name},
                      {"type", change.type},
                      {"ttl", change.ttl},
                      {"changetype", "REPLACE"},
                      {"records", std::move(records_json)}});
  }
  return Dump(json{{"rrsets", std::move(rrsets)}});
}

std::string EncodeReplaceRrset(std::string_view name, std::string_view type, uint32_t ttl,
                               const std::vector<Record>& records) {
  return EncodeRrsetChanges({{std::string(name), std::string(type), ttl, records}});
}

std::string EncodeDeleteRrset(std::string_view name, std::string_view type) {
  return EncodeRrsetChanges({{std::string(name), std::string(type), 0, {}}});
}

std::string EncodeCreateZone(std::string_view name, const std::vector<std::string>& nameservers) {
  return Dump(json{{"name", name}, {"kind", "Native"}, {"nameservers", nameservers}});
}

core::Result<Rrset> DecodeRrset(std::string_view zone_document, std::string_view name,
                                std::string_view type) {
  Rrset result{std::string(name), std::string(type), 0, {}};
  try {
    const json document = json::parse(zone_document);
    const json& rrsets = document.at("rrsets");
    if (!rrsets.is_array()) return core::Internal("powerdns: zone document: rrsets not an array");
    for (const json& rrset : rrsets) {
      if (!EqualsIgnoreCase(rrset.at("name").get<std::string>(), name) ||
          rrset.at("type").get<std::string>() != type) {
        continue;
      }
      if (rrset.contains("ttl")) result.ttl = rrset.at("ttl").get<uint32_t>();
      for (const json& record : rrset.at("records")) {
        result.records.push_back(
            {record.at("content").get<std::string>(), record.value("disabled", false)});
      }
    }
  } catch (const json::exception& e) {
    return core::Internal(std::string("powerdns: malformed zone document: ") + e.what());
  }
  return result;
}

std::string DecodeErrorText(std::string_view body) {
  try {
    const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (document.is_object() && document.contains("error") && document["error"].is_string()) {
      return core::SafeText(document["error"].get<std::string>(), 512);
    }
  } catch (const json::exception&) {
    // fall through to the raw body
  }
  // A raw body may be anything: cut on a character boundary and made valid UTF-8.
  return core::SafeText(Trim(body), 512);
}

}  // namespace certadns::dns::powerdns::json
