#include "dns/ldns/ldns_preflight_dns.h"

#include <charconv>

namespace certadns::dns::ldns {
namespace {

using internal::RrType;

constexpr int kMaxCnameHops = 8;

// "<flags> <tag> <value>" (ldns_query.h) as a CaaRecord; nullopt when malformed.
std::optional<CaaRecord> ParseCaa(const std::string& data) {
  const size_t first = data.find(' ');
  if (first == std::string::npos) return std::nullopt;
  const size_t second = data.find(' ', first + 1);
  if (second == std::string::npos) return std::nullopt;
  CaaRecord record;
  auto [end, ec] = std::from_chars(data.data(), data.data() + first, record.flags);
  if (ec != std::errc() || end != data.data() + first) return std::nullopt;
  record.tag = data.substr(first + 1, second - first - 1);
  record.value = data.substr(second + 1);
  return record;
}

}  // namespace

LdnsPreflightDns::LdnsPreflightDns(const std::vector<std::string>& our_servers,
                                   const std::vector<std::string>& world_resolvers,
                                   std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  for (const auto* list : {&our_servers, &world_resolvers}) {
    for (const std::string& spec : *list) {
      core::Result<internal::Nameserver> parsed = internal::ParseNameserver(spec);
      if (!parsed.ok()) {
        if (!config_error_) config_error_ = parsed.error();
        continue;
      }
      (list == &our_servers ? ours_ : world_).push_back(std::move(parsed).value());
    }
  }
}

core::Result<internal::Answer> LdnsPreflightDns::Ask(const std::string& name, RrType type,
                                                     DnsSource source) const {
  if (config_error_) return *config_error_;
  const bool ours = source == DnsSource::kOurServers;
  std::string failures;
  for (const internal::Nameserver& server : ours ? ours_ : world_) {
    core::Result<internal::Answer> answer = internal::Query(
        server, name, type, {.recursion_desired = !ours, .timeout = timeout_, .retries = 1});
    if (answer.ok() || answer.error().code() == core::ErrorCode::kInvalidArgument) return answer;
    failures += (failures.empty() ? "" : "; ") + answer.error().message();
  }
  if (failures.empty()) failures = ours ? "no nameservers configured" : "no resolvers configured";
  return core::Unavailable("ldns: no server answered: " + failures);
}

core::Result<std::vector<CaaRecord>> LdnsPreflightDns::CaaAt(const std::string& name,
                                                            DnsSource source) {
  ASSIGN_OR_RETURN(internal::Answer answer, Ask(internal::Absolute(name), RrType::kCaa, source));
  std::string owner = answer.qname;
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    std::vector<std::string> data = internal::DataOf(answer.answer, owner, RrType::kCaa);
    if (!data.empty()) {
      std::vector<CaaRecord> records;
      for (const std::string& d : data) {
        // A record we cannot read is kept as unknown and critical: it must not be ignored.
        records.push_back(ParseCaa(d).value_or(CaaRecord{128, "", d}));
      }
      return records;
    }
    std::vector<std::string> targets = internal::DataOf(answer.answer, owner, RrType::kCname);
    if (targets.empty()) break;
    owner = targets.front();
  }
  return std::vector<CaaRecord>{};
}

core::Result<std::optional<std::string>> LdnsPreflightDns::CnameAt(const std::string& name) {
  ASSIGN_OR_RETURN(internal::Answer answer,
                   Ask(internal::Absolute(name), RrType::kCname, DnsSource::kOurServers));
  std::vector<std::string> targets = internal::DataOf(answer.answer, answer.qname, RrType::kCname);
  if (targets.empty()) return std::optional<std::string>();
  return std::optional<std::string>(internal::DisplayName(targets.front()));
}

}  // namespace certadns::dns::ldns
