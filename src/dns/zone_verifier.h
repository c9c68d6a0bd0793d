// ZoneVerifier: decides whether a user's zone may be used for certificates, by looking at the
// zone as the public internet's DNS sees it. A zone is verified when it is delegated to our
// nameservers, or when it serves the verification TXT record `_certadns-verify.<zone>` with
// the user's token (so a zone can be verified before its delegation moves to us).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::dns {

struct ZoneVerification {
  bool verified = false;
  std::string method;  // "delegation" or "txt" when verified
  std::string detail;  // what was seen, in the user's words: e.g. "example.com is delegated to
                       // ns1.other.net, ns2.other.net; expected ns1.certadns.test,
                       // ns2.certadns.test" or "no TXT record _certadns-verify.example.com"
};

class ZoneVerifier {
 public:
  virtual ~ZoneVerifier() = default;

  /// Asks the configured resolvers how the world sees `zone`: verified when its NS set
  /// (answer or referral/authority section) is non-empty and every NS is one of
  /// `our_nameservers` (case-insensitive, trailing dot ignored), or when TXT
  /// `_certadns-verify.<zone>` includes `token`. kUnavailable when no resolver answered.
  virtual core::Result<ZoneVerification> Verify(const std::string& zone,
                                                const std::vector<std::string>& our_nameservers,
                                                const std::string& token) = 0;
};

}  // namespace certadns::dns
