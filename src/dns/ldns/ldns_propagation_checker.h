// LdnsPropagationChecker: asks each configured authoritative nameserver directly (RD off,
// UDP with TCP fallback on truncation) whether it serves the expected TXT values. Only the
// configured addresses are contacted; /etc/resolv.conf is never read. Thread-safe: every
// query uses its own ldns resolver.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "dns/dns_provider.h"
#include "dns/ldns/ldns_query.h"

namespace certadns::dns::ldns {

class LdnsPropagationChecker final : public PropagationChecker {
 public:
  /// `nameservers` are IP literals with an optional port: "127.0.0.1:5300", "[::1]:5300",
  /// "127.0.0.1" or "::1" (port 53). Host names are refused, so nothing is resolved.
  /// `timeout` bounds each attempt; a silent nameserver is retried `retries` more times.
  explicit LdnsPropagationChecker(std::vector<std::string> nameservers,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(1),
                                  int retries = 1);

  /// True when every nameserver answers a TXT query for `fqdn` (trailing dot optional) with
  /// each of `values` among its TXT records (the character-strings of one record are
  /// concatenated). False when one answers without them, or fails to answer while another
  /// answers. kUnavailable when none answers (timeouts, or error rcodes such as SERVFAIL or
  /// REFUSED everywhere); kInvalidArgument when the nameserver list is empty or malformed, or
  /// `fqdn` is not a valid name. Nameservers are asked in parallel.
  core::Result<bool> IsServed(const std::string& fqdn,
                              const std::vector<std::string>& values) override;

  /// The TXT strings one nameserver serves at `fqdn`. kUnavailable when it does not answer
  /// (timeout, refused connection) or answers with an error rcode (SERVFAIL, REFUSED, ...);
  /// an NXDOMAIN or empty answer is an empty list. For diagnostics and tests.
  core::Result<std::vector<std::string>> QueryTxt(const std::string& nameserver,
                                                  const std::string& fqdn) const;

  /// kInvalidArgument naming the first entry that is not an IP address with optional port.
  static core::Status ValidateNameservers(const std::vector<std::string>& nameservers);

 private:
  using Nameserver = internal::Nameserver;
  core::Result<std::vector<std::string>> Query(const Nameserver& nameserver,
                                               const std::string& fqdn) const;

  std::vector<Nameserver> nameservers_;
  std::optional<core::Error> config_error_;  // set when a nameserver entry is malformed
  std::chrono::milliseconds timeout_;
  int retries_;
};

}  // namespace certadns::dns::ldns
