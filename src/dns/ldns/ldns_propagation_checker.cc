// LdnsPropagationChecker: every query goes through internal::Query (ldns_query.h): one ldns
// resolver per query with the configured address only, never /etc/resolv.conf; RD off.
#include "dns/ldns/ldns_propagation_checker.h"

#include <algorithm>
#include <future>
#include <system_error>
#include <utility>

namespace certadns::dns::ldns {

using internal::ParseNameserver;

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

core::Result<std::vector<std::string>> LdnsPropagationChecker::QueryTxt(
    const std::string& nameserver, const std::string& fqdn) const {
  ASSIGN_OR_RETURN(Nameserver ns, ParseNameserver(nameserver));
  return Query(ns, fqdn);
}

core::Result<std::vector<std::string>> LdnsPropagationChecker::Query(
    const Nameserver& nameserver, const std::string& fqdn) const {
  ASSIGN_OR_RETURN(internal::Answer answer,
                   internal::Query(nameserver, fqdn, internal::RrType::kTxt,
                                   {.recursion_desired = false,  // ask the authority itself
                                    .timeout = timeout_,
                                    .retries = retries_}));
  return internal::DataOf(answer.answer, answer.qname, internal::RrType::kTxt);
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
