// PreflightDns: the DNS questions asked before an order is placed with the CA (issuance's
// pre-flight checks): CAA RRsets (RFC 8659) and CNAMEs at _acme-challenge names. Answers
// come either from our own authoritative nameservers (names in a zone we serve) or from the
// world's DNS (names above it). Implementations bound the time of every question.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::dns {

/// One CAA record (RFC 8659 §4.1): flags (128 = Issuer Critical), tag and value as sent.
struct CaaRecord {
  int flags = 0;
  std::string tag;    // e.g. "issue", "issuewild", "iodef"
  std::string value;  // e.g. "letsencrypt.org; validationmethods=dns-01"
};

/// Where a question is asked.
enum class DnsSource {
  kOurServers,  // our authoritative nameservers (dns.nameservers), without recursion
  kWorld,       // the world's DNS (zones.verify_resolvers)
};

class PreflightDns {
 public:
  virtual ~PreflightDns() = default;

  /// The CAA RRset at exactly `name` (absolute or not; no climbing), following a CNAME chain
  /// within the answer. Empty when there is none (also NXDOMAIN). kUnavailable when no server
  /// answered.
  virtual core::Result<std::vector<CaaRecord>> CaaAt(const std::string& name,
                                                     DnsSource source) = 0;
  /// The target of the CNAME at exactly `name` on our nameservers; nullopt when there is none.
  /// kUnavailable when no server answered.
  virtual core::Result<std::optional<std::string>> CnameAt(const std::string& name) = 0;
};

}  // namespace certadns::dns
