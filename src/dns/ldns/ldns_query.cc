// One ldns resolver per query, built with ldns_resolver_new() and the given address only (never
// ldns_resolver_new_frm_file, which reads /etc/resolv.conf).
#include "dns/ldns/ldns_query.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <utility>

namespace certadns::dns::ldns::internal {
namespace {

struct ResolverDeleter {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct CharDeleter {
  void operator()(char* s) const { std::free(s); }  // NOLINT: ldns allocates with malloc
};
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverDeleter>;
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;
using CharPtr = std::unique_ptr<char, CharDeleter>;

bool IsIp(const std::string& address, int family) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(family, address.c_str(), buffer) == 1;
}

std::string TypeName(RrType type) {
  switch (type) {
    case RrType::kA:
      return "A";
    case RrType::kNs:
      return "NS";
    case RrType::kCname:
      return "CNAME";
    case RrType::kTxt:
      return "TXT";
    case RrType::kCaa:
      return "CAA";
  }
  return "TYPE" + std::to_string(static_cast<unsigned>(type));
}

std::string RdfText(const ldns_rdf* rdf) {
  CharPtr text(ldns_rdf2str(rdf));
  return text != nullptr ? std::string(text.get()) : std::string();
}

// A domain name rdf in presentation format, lower case, with the trailing dot.
std::string CanonicalDname(const ldns_rdf* dname) {
  RdfPtr copy(ldns_rdf_clone(dname));
  if (copy == nullptr) return {};
  ldns_dname2canonical(copy.get());
  return RdfText(copy.get());
}

// The concatenated character-strings of one TXT RR (RFC 1035 §3.3.14, RFC 7208 §3.3).
std::string TxtValue(const ldns_rr* rr) {
  std::string value;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    const uint8_t* data = ldns_rdf_data(rdf);
    const size_t size = ldns_rdf_size(rdf);
    if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR || size == 0) continue;
    const size_t length = std::min<size_t>(data[0], size - 1);
    value.append(reinterpret_cast<const char*>(data + 1), length);
  }
  return value;
}

// One CAA RR (RFC 8659 §4.1) as "<flags> <tag> <value>", the value's bytes as sent (no
// quoting: it is everything after the second space). "" when the rdata is malformed.
std::string CaaValue(const ldns_rr* rr) {
  if (ldns_rr_rd_count(rr) != 3) return "";
  const ldns_rdf* flags = ldns_rr_rdf(rr, 0);
  const ldns_rdf* tag = ldns_rr_rdf(rr, 1);
  const ldns_rdf* value = ldns_rr_rdf(rr, 2);
  if (ldns_rdf_size(flags) != 1 || ldns_rdf_size(tag) < 2) return "";
  const uint8_t* tag_data = ldns_rdf_data(tag);
  const size_t tag_length = std::min<size_t>(tag_data[0], ldns_rdf_size(tag) - 1);
  return std::to_string(ldns_rdf_data(flags)[0]) + " " +
         std::string(reinterpret_cast<const char*>(tag_data + 1), tag_length) + " " +
         std::string(reinterpret_cast<const char*>(ldns_rdf_data(value)), ldns_rdf_size(value));
}

std::vector<Record> Records(const ldns_rr_list* rrs) {
  std::vector<Record> records;
  for (size_t i = 0; rrs != nullptr && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    Record record{CanonicalDname(ldns_rr_owner(rr)), static_cast<RrType>(ldns_rr_get_type(rr)),
                  ""};
    switch (ldns_rr_get_type(rr)) {
      case LDNS_RR_TYPE_TXT:
        record.data = TxtValue(rr);
        break;
      case LDNS_RR_TYPE_CAA:
        record.data = CaaValue(rr);
        break;
      case LDNS_RR_TYPE_NS:
      case LDNS_RR_TYPE_CNAME:
        if (ldns_rr_rd_count(rr) < 1) continue;
        record.data = CanonicalDname(ldns_rr_rdf(rr, 0));
        break;
      default:
        for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
          record.data += (j == 0 ? "" : " ") + RdfText(ldns_rr_rdf(rr, j));
        }
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

core::Result<Nameserver> ParseNameserver(std::string_view spec) {
  auto invalid = [&] {
    return core::InvalidArgument("ldns: nameserver '" + std::string(spec) +
                                 "' is not IP[:port] or [IPv6]:port");
  };
  Nameserver ns;
  ns.spec = std::string(spec);
  std::string_view port_text;
  if (spec.starts_with('[')) {
    const size_t close = spec.find(']');
    if (close == std::string_view::npos) return invalid();
    ns.address = std::string(spec.substr(1, close - 1));
    std::string_view rest = spec.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return invalid();
      port_text = rest.substr(1);
      if (port_text.empty()) return invalid();
    }
    ns.ipv6 = true;
  } else if (std::count(spec.begin(), spec.end(), ':') > 1) {
    ns.address = std::string(spec);  // bare IPv6, default port
    ns.ipv6 = true;
  } else {
    const size_t colon = spec.find(':');
    ns.address = std::string(spec.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = spec.substr(colon + 1);
      if (port_text.empty()) return invalid();
    }
  }
  if (!IsIp(ns.address, ns.ipv6 ? AF_INET6 : AF_INET)) return invalid();
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return invalid();
    }
    ns.port = static_cast<uint16_t>(port);
  }
  return ns;
}

std::string Absolute(std::string_view name) {
  std::string absolute(name);
  if (absolute.empty() || absolute.back() != '.') absolute += '.';
  return absolute;
}

std::string DisplayName(std::string_view name) {
  std::string display(name);
  while (!display.empty() && display.back() == '.') display.pop_back();
  std::transform(display.begin(), display.end(), display.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return display;
}

core::Result<Answer> Query(const Nameserver& nameserver, std::string_view name, RrType type,
                           const QueryOptions& options) {
  const std::string where =
      "ldns: " + TypeName(type) + " " + Absolute(name) + " @" + nameserver.spec;
  RdfPtr qname(ldns_dname_new_frm_str(Absolute(name).c_str()));
  if (qname == nullptr || name.empty()) {
    return core::InvalidArgument("ldns: '" + std::string(name) + "' is not a domain name");
  }
  RdfPtr address(ldns_rdf_new_frm_str(nameserver.ipv6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                                      nameserver.address.c_str()));
  ResolverPtr resolver(ldns_resolver_new());
  if (address == nullptr || resolver == nullptr) return core::Internal(where + ": out of memory");
  ldns_resolver* res = resolver.get();
  if (ldns_resolver_push_nameserver(res, address.get()) != LDNS_STATUS_OK) {  // copies it
    return core::Internal(where + ": cannot add nameserver");
  }
  ldns_resolver_set_port(res, nameserver.port);
  ldns_resolver_set_recursive(res, options.recursion_desired);  // the RD bit
  ldns_resolver_set_dnsrch(res, false);    // no search list
  ldns_resolver_set_defnames(res, false);  // no default domain
  ldns_resolver_set_fallback(res, true);   // truncated UDP answer -> retry over TCP
  ldns_resolver_set_usevc(res, false);
  ldns_resolver_set_igntc(res, false);
  ldns_resolver_set_dnssec(res, false);
  ldns_resolver_set_random(res, false);
  ldns_resolver_set_fail(res, false);
  ldns_resolver_set_ip6(res, LDNS_RESOLV_INETANY);
  // attempts, not retries
  ldns_resolver_set_retry(res, static_cast<uint8_t>(1 + std::clamp(options.retries, 0, 10)));
  const long ms = static_cast<long>(options.timeout.count());
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  ldns_resolver_set_timeout(res, tv);

  ldns_pkt* raw_answer = nullptr;
  const ldns_status status = ldns_resolver_send(&raw_answer, res, qname.get(),
                                                static_cast<ldns_rr_type>(type),
                                                LDNS_RR_CLASS_IN, 0);
  PktPtr packet(raw_answer);
  if (status != LDNS_STATUS_OK || packet == nullptr) {
    const char* reason = ldns_get_errorstr_by_id(status);
    return core::Unavailable(where + ": " + (reason != nullptr ? reason : "no answer"));
  }
  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(packet.get());
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    return core::Unavailable(where + ": rcode " + std::to_string(static_cast<int>(rcode)));
  }
  Answer answer;
  answer.qname = CanonicalDname(qname.get());
  answer.nxdomain = rcode == LDNS_RCODE_NXDOMAIN;
  answer.answer = Records(ldns_pkt_answer(packet.get()));
  answer.authority = Records(ldns_pkt_authority(packet.get()));
  return answer;
}

std::vector<std::string> DataOf(const std::vector<Record>& records, std::string_view owner,
                                RrType type) {
  std::vector<std::string> data;
  for (const Record& record : records) {
    if (record.type == type && record.owner == owner) data.push_back(record.data);
  }
  return data;
}

}  // namespace certadns::dns::ldns::internal
