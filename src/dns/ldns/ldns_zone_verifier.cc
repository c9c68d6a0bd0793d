// LdnsZoneVerifier: an NS query for the zone, then (unless the delegation already verifies it)
// a TXT query for _certadns-verify.<zone>, each sent to the resolvers in turn through
// internal::Query (ldns_query.h) with RD=1.
#include "dns/ldns/ldns_zone_verifier.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/text.h"

namespace certadns::dns::ldns {
namespace {

using internal::RrType;

constexpr char kTxtLabel[] = "_certadns-verify.";
constexpr int kMaxCnameHops = 8;
constexpr size_t kMaxShownValues = 3;
constexpr size_t kMaxShownValueLength = 64;

std::string JoinNames(const std::set<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

// TXT values as shown to the user: quoted, long ones cut short, at most a few of them.
std::string ShowValues(const std::vector<std::string>& values) {
  std::string shown;
  for (size_t i = 0; i < values.size() && i < kMaxShownValues; ++i) {
    // Whatever the world's DNS serves is untrusted text (it ends up in an API answer).
    std::string value = core::SafeText(values[i], kMaxShownValueLength);
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
                                   std::chrono::milliseconds timeout)
    : timeout_(timeout) {
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

  // 1. Delegation: the NS set the world sees, from the answer or from a referral.
  std::string ns_detail;
  core::Result<internal::Answer> ns_answer = Ask(internal::Absolute(zone), RrType::kNs);
  if (!ns_answer.ok() && ns_answer.error().code() == core::ErrorCode::kInvalidArgument) {
    return ns_answer.error();
  }
  if (ns_answer.ok()) {
    std::vector<std::string> found =
        internal::DataOf(ns_answer->answer, ns_answer->qname, RrType::kNs);
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
