// Internal to certadns::dns_ldns: the one way this library sends a DNS query. A resolver is
// built per query with ldns_resolver_new() and the given address only (never
// ldns_resolver_new_frm_file, which reads /etc/resolv.conf), with search lists and default
// domains off. Answers are returned as plain values so that this header needs no ldns
// types. Thread-safe: nothing is shared between calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace certadns::dns::ldns::internal {

/// A nameserver as configured: an IP literal with an optional port.
struct Nameserver {
  std::string spec;     // as configured, for messages
  std::string address;  // IP literal without brackets
  uint16_t port = 53;
  bool ipv6 = false;
};

/// "127.0.0.1:5300", "[::1]:5300", "127.0.0.1" or "::1" (port 53). Host names are refused
/// (kInvalidArgument), so nothing is ever resolved to find a nameserver.
core::Result<Nameserver> ParseNameserver(std::string_view spec);

/// `name` with exactly one trailing dot added when missing ("example.com" -> "example.com.").
std::string Absolute(std::string_view name);

/// `name` lower-cased, without a trailing dot: how names are shown to users and compared.
std::string DisplayName(std::string_view name);

enum class RrType : uint16_t { kA = 1, kNs = 2, kCname = 5, kTxt = 16, kCaa = 257 };

struct QueryOptions {
  bool recursion_desired = false;  // RD bit: false asks an authority, true a recursive resolver
  std::chrono::milliseconds timeout = std::chrono::seconds(1);  // per attempt
  int retries = 1;  // further attempts when the nameserver is silent (clamped to 0..10)
};

/// One resource record of an answer. `owner` is canonical: lower case, trailing dot.
/// `data`: for TXT the concatenated character-strings (RFC 7208 §3.3); for NS and CNAME the
/// target name, canonical; for CAA "<flags> <tag> <value>" (the value's bytes as sent, after
/// the second space); for other types the presentation format of the rdata.
struct Record {
  std::string owner;
  RrType type;
  std::string data;
};

struct Answer {
  std::string qname;  // canonical, as asked
  bool nxdomain = false;
  std::vector<Record> answer;     // ANSWER section
  std::vector<Record> authority;  // AUTHORITY section (referrals, SOA of negative answers)
};

/// Asks `nameserver` for `name`/`type` in class IN over UDP, falling back to TCP when the
/// answer is truncated. kInvalidArgument when `name` is not a domain name; kUnavailable
/// when the nameserver does not answer (timeout, refused connection) or answers with an
/// rcode other than NOERROR or NXDOMAIN (SERVFAIL, REFUSED, ...). Error messages start with
/// "ldns: <TYPE> <name> @<spec>".
core::Result<Answer> Query(const Nameserver& nameserver, std::string_view name, RrType type,
                           const QueryOptions& options);

/// The data of the records of `type` owned by `owner` (canonical) in `records`.
std::vector<std::string> DataOf(const std::vector<Record>& records, std::string_view owner,
                                RrType type);

}  // namespace certadns::dns::ldns::internal
