#include "issuance/preflight.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/names.h"

namespace certadns::issuance {
namespace {

constexpr int kMaxCaaLevels = 16;  // labels climbed; names have at most 127, real ones few

bool IsWildcard(const std::string& name) { return name.rfind("*.", 0) == 0; }

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// The issuer domain name of an issue/issuewild value (RFC 8659 §4.2): before any ';'.
std::string IssuerOf(const std::string& value) {
  std::string issuer = Trim(value.substr(0, value.find(';')));
  while (!issuer.empty() && issuer.back() == '.') issuer.pop_back();
  return Lower(issuer);
}

// Tags a CA understands (RFC 8659 §4.2-4.4, RFC 9495, the CA/B Forum's issuemail/issuevmc).
bool KnownTag(const std::string& tag) {
  static const std::set<std::string> known = {"issue", "issuewild", "iodef", "issuemail",
                                              "issuevmc", "contactemail", "contactphone"};
  return known.count(Lower(tag)) > 0;
}

std::string Join(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) joined += (joined.empty() ? "" : ", ") + item;
  return joined;
}

std::string Parent(const std::string& name) {
  size_t dot = name.find('.');
  return dot == std::string::npos ? "" : name.substr(dot + 1);
}

PreflightCheck Passed(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail), ""};
}
PreflightCheck Failed(std::string name, std::string detail, std::string code) {
  return {std::move(name), false, std::move(detail), std::move(code)};
}

}  // namespace

core::Status PreflightReport::AsStatus() const {
  for (const PreflightCheck& check : checks) {
    if (!check.ok) return core::Error(core::ErrorCode::kInvalidArgument, check.code, check.detail);
  }
  return core::Ok();
}

std::string CaaRefusal(const std::string& name, const std::string& owner,
                       const std::vector<dns::CaaRecord>& rrset,
                       const std::vector<std::string>& identities) {
  for (const dns::CaaRecord& record : rrset) {
    if ((record.flags & 128) != 0 && !KnownTag(record.tag)) {
      return "the CAA record at " + owner + " has the critical flag on a property the CA does "
             "not know (\"" + record.tag + "\"), which forbids issuance";
    }
  }
  const bool wildcard = IsWildcard(name);
  auto values_of = [&](const char* tag) {
    std::vector<std::string> values;
    for (const dns::CaaRecord& record : rrset) {
      if (Lower(record.tag) == tag) values.push_back(record.value);
    }
    return values;
  };
  std::vector<std::string> values = wildcard ? values_of("issuewild") : std::vector<std::string>{};
  const char* tag = "issuewild";
  if (values.empty()) {  // no issuewild: "issue" governs wildcards too (RFC 8659 §4.3)
    values = values_of("issue");
    tag = "issue";
  }
  if (values.empty()) return "";  // only iodef and the like: no restriction
  std::set<std::string> allowed;
  for (const std::string& value : values) {
    if (std::string issuer = IssuerOf(value); !issuer.empty()) allowed.insert(issuer);
  }
  for (const std::string& identity : identities) {
    if (allowed.count(Lower(identity)) > 0) return "";
  }
  std::vector<std::string> shown(allowed.begin(), allowed.end());
  return "CAA at " + owner + " allows only " +
         (shown.empty() ? std::string("no CA at all") : Join(shown)) + " to issue" +
         (std::string(tag) == "issuewild" ? " wildcard certificates" : "") + " for " + name +
         ", not " + Join(identities) + ": add a CAA record " + owner + " " + tag + " \"" +
         (identities.empty() ? std::string("letsencrypt.org") : identities.front()) +
         "\" or remove the others";
}

Preflight::Preflight(dns::ZoneVerifier& verifier, dns::PreflightDns& dns,
                     NameserversFor nameservers_for, std::vector<std::string> caa_identities,
                     acme::AcmeClient* acme)
    : verifier_(verifier),
      dns_(dns),
      nameservers_for_(std::move(nameservers_for)),
      acme_(acme),
      identities_(std::move(caa_identities)) {}

std::vector<std::string> Preflight::CaaIdentities() {
  {
    std::lock_guard lock(mu_);
    if (!identities_.empty()) return identities_;
  }
  if (acme_ != nullptr) {
    auto listed = acme_->CaaIdentities();
    if (listed.ok() && !listed->empty()) {
      std::lock_guard lock(mu_);
      identities_ = *listed;
      return identities_;
    }
  }
  return {"letsencrypt.org"};  // not cached: the directory may answer next time
}

PreflightReport Preflight::Run(const std::string& owner_id, const std::string& zone,
                               const std::vector<std::string>& names) {
  PreflightReport report;
  report.checks.push_back(Passed("domain_under_zone", "every name is under " + zone));
  report.checks.push_back(Delegation(owner_id, zone));
  report.checks.push_back(Caa(zone, names));
  report.checks.push_back(ChallengeCname(names));
  for (const PreflightCheck& check : report.checks) report.ok = report.ok && check.ok;
  return report;
}

PreflightCheck Preflight::Delegation(const std::string& owner_id, const std::string& zone) {
  core::Result<dns::ZoneVerification> seen = verifier_.Verify(zone, nameservers_for_(owner_id), "");
  if (!seen.ok()) {
    return Passed("zone_delegated", "the delegation of " + zone +
                                        " could not be checked (DNS did not answer); the CA "
                                        "will check it");
  }
  if (seen->verified) return Passed("zone_delegated", seen->detail);
  // The verifier also reports on the verification TXT record: not this check's business.
  std::string delegation = seen->detail;
  for (const char* txt : {"; no TXT record", "; TXT record"}) {
    delegation = delegation.substr(0, delegation.find(txt));
  }
  return Failed("zone_delegated",
                delegation +
                    ": the CA cannot see the challenge records until " + zone +
                    " is delegated to our nameservers at its registrar",
                "zone_not_delegated");
}

PreflightCheck Preflight::Caa(const std::string& zone, const std::vector<std::string>& names) {
  const std::vector<std::string> identities = CaaIdentities();
  std::map<std::string, std::vector<dns::CaaRecord>> cache;  // owner -> RRset (climbs overlap)
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    // RFC 8659 §3: climb from the name (a wildcard's base) to the root, excluding it.
    std::string at = IsWildcard(name) ? name.substr(2) : name;
    for (int level = 0; level < kMaxCaaLevels && !at.empty(); ++level, at = Parent(at)) {
      auto it = cache.find(at);
      if (it == cache.end()) {
        const bool ours = core::IsUnderZone(at, zone);
        auto rrset = dns_.CaaAt(at, ours ? dns::DnsSource::kOurServers : dns::DnsSource::kWorld);
        if (!rrset.ok()) {
          unknown.push_back(at);
          break;
        }
        it = cache.emplace(at, std::move(rrset).value()).first;
      }
      if (it->second.empty()) continue;
      std::string refusal = CaaRefusal(name, at, it->second, identities);
      if (!refusal.empty()) return Failed("caa", refusal, "caa_forbids_issuance");
      break;  // the first RRset found decides
    }
  }
  if (!unknown.empty()) {
    return Passed("caa", "CAA at " + Join(unknown) + " could not be checked (DNS did not "
                         "answer); the CA will check it");
  }
  return Passed("caa", "CAA allows " + Join(identities) + " to issue for every name");
}

PreflightCheck Preflight::ChallengeCname(const std::vector<std::string>& names) {
  std::set<std::string> asked;
  for (const std::string& name : names) {
    std::string challenge = "_acme-challenge." + (IsWildcard(name) ? name.substr(2) : name);
    if (!asked.insert(challenge).second) continue;
    auto cname = dns_.CnameAt(challenge);
    if (cname.ok() && *cname) {
      return Failed("challenge_cname",
                    challenge + " is a CNAME to " + **cname +
                        ", so the DNS-01 TXT record cannot be published there: remove the "
                        "CNAME from the zone",
                    "cname_shadows_challenge");
    }
  }
  return Passed("challenge_cname", "no CNAME at the _acme-challenge names");
}

}  // namespace certadns::issuance
