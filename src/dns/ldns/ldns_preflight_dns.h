// LdnsPreflightDns: PreflightDns through ldns, asking our authoritative nameservers (RD=0)
// and the world's resolvers (RD=1), IP literals only (never /etc/resolv.conf), each attempt
// bounded by a timeout. Thread-safe: it holds no mutable state.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "dns/ldns/ldns_query.h"
#include "dns/preflight_dns.h"

namespace certadns::dns::ldns {

class LdnsPreflightDns final : public PreflightDns {
 public:
  /// `our_servers`: dns.nameservers; `world_resolvers`: zones.verify_resolvers. Malformed
  /// entries make every question fail with kInvalidArgument naming them.
  LdnsPreflightDns(const std::vector<std::string>& our_servers,
                   const std::vector<std::string>& world_resolvers,
                   std::chrono::milliseconds timeout = std::chrono::seconds(1));

  core::Result<std::vector<CaaRecord>> CaaAt(const std::string& name, DnsSource source) override;
  core::Result<std::optional<std::string>> CnameAt(const std::string& name) override;

 private:
  core::Result<internal::Answer> Ask(const std::string& name, internal::RrType type,
                                     DnsSource source) const;

  std::vector<internal::Nameserver> ours_;
  std::vector<internal::Nameserver> world_;
  std::optional<core::Error> config_error_;
  std::chrono::milliseconds timeout_;
};

}  // namespace certadns::dns::ldns
