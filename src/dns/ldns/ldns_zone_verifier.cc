// LdnsZoneVerifier: the zone's delegation as its parent publishes it (the parent's servers
// found through the resolvers, then asked with RD=0), or else an NS query to the resolvers;
// then (unless the delegation already verifies it) a TXT query for _certadns-verify.<zone>.
// Resolvers are asked in turn through internal::Query (ldns_query.h) with RD=1.
#include "dns/ldns/ldns_zone_verifier.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "core/text.h"

namespace certadns::dns::ldns {
namespace {

using internal::RrType;

constexpr char kTxtLabel[] = "_certadns-verify.";
constexpr int kMaxCnameHops = 8;
constexpr size_t kMaxShownValues = 3;
constexpr size_t kMaxShownValueLength = 64;
constexpr int kMaxParentLevels = 8;     // labels walked up to find the parent zone
constexpr size_t kMaxParentServers = 4;  // parent nameservers tried

std::string JoinNames(const std::set<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

// Printable ASCII as is; any other byte (anyone can publish any bytes in TXT) as \xNN, so
// the text is safe to store and to serialise as JSON.
std::string Escaped(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      text += c;
    } else {
      text += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  return text;
}

// TXT values as shown to the user: quoted, escaped, long ones cut short, at most a few.
std::string ShowValues(const std::vector<std::string>& values) {
  std::string shown;
  for (size_t i = 0; i < values.size() && i < kMaxShownValues; ++i) {
    std::string value = values[i].size() > kMaxShownValueLength
                            ? Escaped(values[i].substr(0, kMaxShownValueLength)) + "..."
                            : Escaped(values[i]);
    shown += (i == 0 ? "\"" : ", \"") + value + "\"";
  }
  if (values.size() > kMaxShownValues) {
    shown += " and " + std::to_string(values.size() - kMaxShownValues) + " more";
  }
  return shown;
}

// The TXT values at the queried name, following a CNAME chain within the answer (what a
// recursive resolver sends when the verification name is an alias).
std::vector<std::string> TxtValues(const internal::Answer& answer) {
  std::string owner = answer.qname;
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    std::vector<std::string> values = internal::DataOf(answer.answer, owner, RrType::kTxt);
    if (!values.empty()) return values;
    std::vector<std::string> targets = internal::DataOf(answer.answer, owner, RrType::kCname);
    if (targets.empty()) break;
    owner = targets.front();
  }
  return {};
}

}  // namespace

LdnsZoneVerifier::LdnsZoneVerifier(std::vector<std::string> resolvers,
                                   std::chrono::milliseconds timeout, uint16_t parent_port)
    : timeout_(timeout), parent_port_(parent_port) {
  if (resolvers.empty()) {
    config_error_ = core::InvalidArgument("ldns: no zone verification resolvers configured");
  }
  for (const std::string& spec : resolvers) {
    core::Result<internal::Nameserver> parsed = internal::ParseNameserver(spec);
    if (!parsed.ok()) {
      if (!config_error_) config_error_ = parsed.error();
      continue;
    }
    resolvers_.push_back(std::move(parsed).value());
  }
}

core::Result<internal::Answer> LdnsZoneVerifier::Ask(const std::string& name,
                                                     RrType type) const {
  std::string failures;
  for (const internal::Nameserver& resolver : resolvers_) {
    core::Result<internal::Answer> answer =
        internal::Query(resolver, name, type,
                        {.recursion_desired = true, .timeout = timeout_, .retries = 1});
    if (answer.ok() || answer.error().code() == core::ErrorCode::kInvalidArgument) {
      return answer;
    }
    failures += (failures.empty() ? "" : "; ") + answer.error().message();
  }
  return core::Unavailable("ldns: no resolver answered: " + failures);
}

std::optional<std::vector<std::string>> LdnsZoneVerifier::ParentDelegation(
    const std::string& zone) const {
  // The parent zone: the nearest ancestor with an NS set.
  std::vector<std::string> parent_ns;
  std::string parent = zone;
  for (int level = 0; level < kMaxParentLevels && parent_ns.empty(); ++level) {
    const size_t dot = parent.find('.');
    if (dot == std::string::npos || dot + 1 >= parent.size()) return std::nullopt;
    parent = parent.substr(dot + 1);
    core::Result<internal::Answer> answer = Ask(parent, RrType::kNs);
    if (!answer.ok()) return std::nullopt;
    parent_ns = internal::DataOf(answer->answer, answer->qname, RrType::kNs);
  }
  // Its servers, asked without recursion: a referral (AUTHORITY), or an answer when the
  // parent's server also serves the zone itself.
  for (size_t i = 0; i < parent_ns.size() && i < kMaxParentServers; ++i) {
    core::Result<internal::Answer> addresses = Ask(parent_ns[i], RrType::kA);
    if (!addresses.ok()) continue;
    for (const std::string& address :
         internal::DataOf(addresses->answer, addresses->qname, RrType::kA)) {
      const internal::Nameserver server{address + ":" + std::to_string(parent_port_), address,
                                        parent_port_, false};
      core::Result<internal::Answer> referral = internal::Query(
          server, zone, RrType::kNs,
          {.recursion_desired = false, .timeout = timeout_, .retries = 1});
      if (!referral.ok()) continue;
      std::vector<std::string> found =
          internal::DataOf(referral->authority, referral->qname, RrType::kNs);
      if (found.empty()) found = internal::DataOf(referral->answer, referral->qname, RrType::kNs);
      if (found.empty()) return std::nullopt;
      return found;
    }
  }
  return std::nullopt;
}

core::Result<ZoneVerification> LdnsZoneVerifier::Verify(
    const std::string& zone, const std::vector<std::string>& our_nameservers,
    const std::string& token) {
  if (config_error_) return *config_error_;
  const std::string shown_zone = internal::DisplayName(zone);
  if (shown_zone.empty()) {
    return core::InvalidArgument("ldns: '" + zone + "' is not a zone name");
  }
  std::set<std::string> expected;
  for (const std::string& ns : our_nameservers) {
    if (std::string name = internal::DisplayName(ns); !name.empty()) expected.insert(name);
  }

  // 1. Delegation: what the parent publishes, else the NS set the resolvers report (from the
  // answer or from a referral).
  std::string ns_detail;
  const std::optional<std::vector<std::string>> from_parent =
      ParentDelegation(internal::Absolute(zone));
  core::Result<internal::Answer> ns_answer =
      from_parent ? core::Result<internal::Answer>(
                        internal::Answer{internal::Absolute(zone), false, {}, {}})
                  : Ask(internal::Absolute(zone), RrType::kNs);
  if (!ns_answer.ok() && ns_answer.error().code() == core::ErrorCode::kInvalidArgument) {
    return ns_answer.error();
  }
  if (ns_answer.ok()) {
    std::vector<std::string> found =
        from_parent ? *from_parent
                    : internal::DataOf(ns_answer->answer, ns_answer->qname, RrType::kNs);
    if (found.empty()) {
      found = internal::DataOf(ns_answer->authority, ns_answer->qname, RrType::kNs);
    }
    std::set<std::string> delegated;
    for (const std::string& ns : found) delegated.insert(internal::DisplayName(ns));
    const bool all_ours =
        !delegated.empty() && std::all_of(delegated.begin(), delegated.end(),
                                          [&](const std::string& ns) {
                                            return expected.count(ns) > 0;
                                          });
    if (all_ours) {
      return ZoneVerification{true, "delegation",
                              shown_zone + " is delegated to " + JoinNames(delegated)};
    }
    if (!delegated.empty()) {
      ns_detail = shown_zone + " is delegated to " + JoinNames(delegated);
    } else if (ns_answer->nxdomain) {
      ns_detail = shown_zone + " does not exist in public DNS";
    } else {
      ns_detail = shown_zone + " has no NS records in public DNS";
    }
    ns_detail += expected.empty() ? "; no nameservers of ours are configured"
                                  : "; expected " + JoinNames(expected);
  }

  // 2. The verification TXT record.
  const std::string txt_name = kTxtLabel + shown_zone;
  std::string txt_detail;
  core::Result<internal::Answer> txt_answer = Ask(internal::Absolute(txt_name), RrType::kTxt);
  if (!txt_answer.ok() && txt_answer.error().code() == core::ErrorCode::kInvalidArgument) {
    return txt_answer.error();
  }
  if (txt_answer.ok()) {
    const std::vector<std::string> values = TxtValues(*txt_answer);
    if (!token.empty() && std::find(values.begin(), values.end(), token) != values.end()) {
      return ZoneVerification{true, "txt",
                              "TXT record " + txt_name + " contains the verification token"};
    }
    txt_detail = values.empty() ? "no TXT record " + txt_name
                                : "TXT record " + txt_name +
                                      " does not contain the verification token (found " +
                                      ShowValues(values) + ")";
  }

  // Not verified: only a verdict from answers to both questions is final.
  if (!ns_answer.ok() && !txt_answer.ok()) {
    return core::Unavailable("zone verification of " + shown_zone + ": " +
                             ns_answer.error().message() + "; " + txt_answer.error().message());
  }
  if (!ns_answer.ok()) return ns_answer.error().Wrap("zone verification of " + shown_zone);
  if (!txt_answer.ok()) return txt_answer.error().Wrap("zone verification of " + shown_zone);
  return ZoneVerification{false, "", ns_detail + "; " + txt_detail};
}

}  // namespace certadns::dns::ldns
