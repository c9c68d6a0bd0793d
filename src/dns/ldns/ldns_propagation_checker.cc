// LdnsPropagationChecker: one ldns resolver per query, built with ldns_resolver_new() and
// the configured address only (never ldns_resolver_new_frm_file, which reads
// /etc/resolv.conf), with recursion, search lists and default domains off.
#include "dns/ldns/ldns_propagation_checker.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <memory>
#include <system_error>
#include <utility>

namespace certadns::dns::ldns {
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
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverDeleter>;
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;

bool IsIp(const std::string& address, int family) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(family, address.c_str(), buffer) == 1;
}

std::string Absolute(std::string_view fqdn) {
  std::string name(fqdn);
  if (name.empty() || name.back() != '.') name += '.';
  return name;
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

}  // namespace

LdnsPropagationChecker::LdnsPropagationChecker(std::vector<std::string> nameservers,
                                               std::chrono::milliseconds timeout, int retries)
    : timeout_(timeout), retries_(std::clamp(retries, 0, 10)) {
  if (nameservers.empty()) {
    config_error_ = core::InvalidArgument("ldns: no nameservers configured");
  }
  for (const std::string& spec : nameservers) {
    core::Result<Nameserver> parsed = ParseNameserver(spec);
    if (!parsed.ok()) {
      if (!config_error_) config_error_ = parsed.error();
      continue;
    }
    nameservers_.push_back(std::move(parsed).value());
  }
}

core::Status LdnsPropagationChecker::ValidateNameservers(
    const std::vector<std::string>& nameservers) {
  if (nameservers.empty()) return core::InvalidArgument("ldns: no nameservers configured");
  for (const std::string& spec : nameservers) RETURN_IF_ERROR(ParseNameserver(spec));
  return core::Ok();
}

core::Result<LdnsPropagationChecker::Nameserver> LdnsPropagationChecker::ParseNameserver(
    std::string_view spec) {
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

core::Result<std::vector<std::string>> LdnsPropagationChecker::QueryTxt(
    const std::string& nameserver, const std::string& fqdn) const {
  ASSIGN_OR_RETURN(Nameserver ns, ParseNameserver(nameserver));
  return Query(ns, fqdn);
}

core::Result<std::vector<std::string>> LdnsPropagationChecker::Query(
    const Nameserver& nameserver, const std::string& fqdn) const {
  const std::string where = "ldns: TXT " + Absolute(fqdn) + " @" + nameserver.spec;
  RdfPtr qname(ldns_dname_new_frm_str(Absolute(fqdn).c_str()));
  if (qname == nullptr || fqdn.empty()) {
    return core::InvalidArgument("ldns: '" + fqdn + "' is not a domain name");
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
  ldns_resolver_set_recursive(res, false);  // RD off: ask the authority itself
  ldns_resolver_set_dnsrch(res, false);     // no search list
  ldns_resolver_set_defnames(res, false);   // no default domain
  ldns_resolver_set_fallback(res, true);    // truncated UDP answer -> retry over TCP
  ldns_resolver_set_usevc(res, false);
  ldns_resolver_set_igntc(res, false);
  ldns_resolver_set_dnssec(res, false);
  ldns_resolver_set_random(res, false);
  ldns_resolver_set_fail(res, false);
  ldns_resolver_set_ip6(res, LDNS_RESOLV_INETANY);
  ldns_resolver_set_retry(res, static_cast<uint8_t>(1 + retries_));  // attempts, not retries
  const long ms = static_cast<long>(timeout_.count());
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  ldns_resolver_set_timeout(res, tv);

  ldns_pkt* raw_answer = nullptr;
  const ldns_status status =
      ldns_resolver_send(&raw_answer, res, qname.get(), LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 0);
  PktPtr answer(raw_answer);
  if (status != LDNS_STATUS_OK || answer == nullptr) {
    const char* reason = ldns_get_errorstr_by_id(status);
    return core::Unavailable(where + ": " + (reason != nullptr ? reason : "no answer"));
  }
  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer.get());
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    return core::Unavailable(where + ": rcode " + std::to_string(static_cast<int>(rcode)));
  }
  std::vector<std::string> values;
  const ldns_rr_list* rrs = ldns_pkt_answer(answer.get());
  for (size_t i = 0; rrs != nullptr && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
        ldns_dname_compare(ldns_rr_owner(rr), qname.get()) != 0) {
      continue;
    }
    values.push_back(TxtValue(rr));
  }
  return values;
}

core::Result<bool> LdnsPropagationChecker::IsServed(const std::string& fqdn,
                                                    const std::vector<std::string>& values) {
  if (config_error_) return *config_error_;
  using Served = core::Result<std::vector<std::string>>;
  std::vector<std::future<Served>> pending;
  pending.reserve(nameservers_.size());
  for (const Nameserver& ns : nameservers_) {
    try {
      pending.push_back(
          std::async(std::launch::async, [this, &ns, &fqdn] { return Query(ns, fqdn); }));
    } catch (const std::system_error&) {
      // No thread to spare: ask this nameserver on the calling thread instead.
      std::promise<Served> inline_result;
      inline_result.set_value(Query(ns, fqdn));
      pending.push_back(inline_result.get_future());
    }
  }
  bool all_served = true;
  bool any_answered = false;
  std::string failures;
  for (auto& future : pending) {
    Served served = future.get();
    if (!served.ok()) {
      if (served.error().code() == core::ErrorCode::kInvalidArgument) return served.error();
      failures += (failures.empty() ? "" : "; ") + served.error().message();
      all_served = false;
      continue;
    }
    any_answered = true;
    for (const std::string& value : values) {
      if (std::find(served->begin(), served->end(), value) == served->end()) all_served = false;
    }
  }
  if (!any_answered) return core::Unavailable("ldns: no nameserver answered: " + failures);
  return all_served;
}

}  // namespace certadns::dns::ldns
