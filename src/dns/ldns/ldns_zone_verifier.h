// LdnsZoneVerifier: a ZoneVerifier asking the configured resolvers (IP literals only; never
// /etc/resolv.conf) with RD=1, since in production they may be recursive resolvers. An
// authoritative parent answers the NS query for a delegated child with a referral (NS in the
// AUTHORITY section, owner = the child); a server hosting the zone itself, or a recursive
// resolver, answers with NS in the ANSWER section. Both count as the zone's NS set.
// Thread-safe: it holds no mutable state and every query uses its own ldns resolver.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "dns/ldns/ldns_query.h"
#include "dns/zone_verifier.h"

namespace certadns::dns::ldns {

class LdnsZoneVerifier final : public ZoneVerifier {
 public:
  /// `resolvers` are IP literals with an optional port, as for LdnsPropagationChecker
  /// ("127.0.0.1:5301", "[::1]:53", "192.0.2.53"). They are tried in order for each query
  /// until one answers (NOERROR or NXDOMAIN). `timeout` bounds each attempt; a silent
  /// resolver gets one more attempt.
  /// `parent_port` is the port the parent zone's nameservers are asked on (53; another
  /// value only in test stacks).
  explicit LdnsZoneVerifier(std::vector<std::string> resolvers,
                            std::chrono::milliseconds timeout = std::chrono::seconds(1),
                            uint16_t parent_port = 53);

  /// See ZoneVerifier::Verify. The delegation is checked first; the TXT record only when
  /// the delegation does not verify the zone. The delegation is the one the parent zone
  /// publishes, asked of the parent's own nameservers without recursion (found through the
  /// resolvers: the parent's NS set and their A records), so that the zone's own NS set,
  /// which a recursive resolver would report and which for a zone we serve is our copy,
  /// never decides. When the parent's servers cannot be found or asked, or publish no
  /// delegation, the NS set the resolvers report is used instead. kInvalidArgument when the resolver list is
  /// empty or malformed, or `zone` is not a domain name. kUnavailable when no resolver
  /// answered a query needed for the verdict (timeouts, SERVFAIL, REFUSED everywhere).
  /// An empty `token` never matches.
  core::Result<ZoneVerification> Verify(const std::string& zone,
                                        const std::vector<std::string>& our_nameservers,
                                        const std::string& token) override;

 private:
  /// The first answer of the resolvers, in order; kUnavailable listing each failure when
  /// none answers; kInvalidArgument at once for a malformed name.
  core::Result<internal::Answer> Ask(const std::string& name, internal::RrType type) const;
  /// The NS set of `zone` (absolute) as its parent zone's nameservers publish it; nullopt
  /// when they cannot be found or asked, or publish none.
  std::optional<std::vector<std::string>> ParentDelegation(const std::string& zone) const;

  std::vector<internal::Nameserver> resolvers_;
  std::optional<core::Error> config_error_;  // set when the resolver list is unusable
  std::chrono::milliseconds timeout_;
  uint16_t parent_port_;
};

}  // namespace certadns::dns::ldns
