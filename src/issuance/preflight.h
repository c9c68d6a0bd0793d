// Pre-flight checks: what is asked of DNS before an order is placed with the CA, so that a
// request bound to fail costs none of the CA's budget (Let's Encrypt counts failed
// validations and orders). For a certificate's names in one of our zones:
//   zone_delegated   the world's DNS delegates the zone to our nameservers (else the CA
//                    cannot see the challenge records we publish);
//   caa              CAA up the tree allows the CA (RFC 8659: the first CAA RRset found
//                    climbing from the name decides; issuewild for wildcards; an unknown
//                    tag with the critical flag forbids);
//   challenge_cname  no CNAME at _acme-challenge.<name> in our zone (a TXT record cannot
//                    live beside it).
// A check that cannot be answered (DNS silent) passes with a note: the CA will decide.
// Thread-safe when its ZoneVerifier and PreflightDns are.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "acme/acme_client.h"
#include "core/result.h"
#include "dns/preflight_dns.h"
#include "dns/zone_verifier.h"

namespace certadns::issuance {

struct PreflightCheck {
  std::string name;    // "domain_under_zone", "zone_delegated", "caa", "challenge_cname"
  bool ok = true;
  std::string detail;  // in the user's words
  std::string code;    // when failed: the API's error code, e.g. "caa_forbids_issuance"
};

struct PreflightReport {
  bool ok = true;
  std::vector<PreflightCheck> checks;

  /// The first failed check as a 400 whose reason is its code; Ok when all passed.
  core::Status AsStatus() const;
};

/// The verdict of one relevant CAA RRset (RFC 8659 §4) for `name` ("*.example.com" for a
/// wildcard) and a CA known by `identities` (issuer domain names, e.g. "letsencrypt.org").
/// Empty when issuance is allowed; otherwise why not, in the user's words.
std::string CaaRefusal(const std::string& name, const std::string& owner,
                       const std::vector<dns::CaaRecord>& rrset,
                       const std::vector<std::string>& identities);

class Preflight {
 public:
  /// The NS names a zone of `owner_id` may be delegated to (the account's own nameservers
  /// and the shared ones).
  using NameserversFor = std::function<std::vector<std::string>(const std::string& owner_id)>;

  /// `nameservers_for`: see NameserversFor. `caa_identities`: the CA's issuer domain names
  /// (acme.caa_identities); when empty, the directory's meta.caaIdentities from `acme` (asked
  /// once it answers), else {"letsencrypt.org"}. `acme` may be null.
  Preflight(dns::ZoneVerifier& verifier, dns::PreflightDns& dns, NameserversFor nameservers_for,
            std::vector<std::string> caa_identities, acme::AcmeClient* acme = nullptr);

  /// Runs every check for `names` (normalised, "*." for wildcards) in `zone` of `owner_id`.
  PreflightReport Run(const std::string& owner_id, const std::string& zone,
                      const std::vector<std::string>& names);

  /// The identities CAA records must name (see the constructor).
  std::vector<std::string> CaaIdentities();

 private:
  PreflightCheck Delegation(const std::string& owner_id, const std::string& zone);
  PreflightCheck Caa(const std::string& zone, const std::vector<std::string>& names);
  PreflightCheck ChallengeCname(const std::vector<std::string>& names);

  dns::ZoneVerifier& verifier_;
  dns::PreflightDns& dns_;
  const NameserversFor nameservers_for_;
  acme::AcmeClient* acme_;
  std::mutex mu_;
  std::vector<std::string> identities_;  // guarded by mu_; empty until known
};

}  // namespace certadns::issuance
