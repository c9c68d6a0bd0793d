#include "issuance/rate_limits.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "core/names.h"

namespace certadns::issuance {
namespace {

// How often the ledger drops what no window can count any more.
constexpr auto kPruneEvery = std::chrono::hours(1);

// A limit that refuses: its code, what it is in words, and when it frees up.
struct Refusal {
  std::string_view code;
  std::string what;
  core::TimePoint frees_at;
};

std::string Period(core::Duration window) {
  using std::chrono::hours;
  const auto h = std::chrono::duration_cast<hours>(window).count();
  if (h % 24 == 0) return h == 24 ? "day" : std::to_string(h / 24) + " days";
  return h == 1 ? "hour" : std::to_string(h) + " hours";
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Checks one window: when it is full, the refusal with its freeing time.
void Check(const store::LedgerWindow& window, int limit, core::Duration span,
           std::string_view code, std::string what, std::vector<Refusal>& refusals) {
  if (window.count < limit) return;
  core::TimePoint frees_at = (window.pivot ? *window.pivot : core::TimePoint{}) + span;
  refusals.push_back({code, std::move(what), frees_at});
}

}  // namespace

std::string NameSet(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

RateLimiter::RateLimiter(store::RateLimitLedger& ledger, const core::Clock& clock,
                         std::string acme_account, RateLimitPolicy policy)
    : ledger_(ledger), clock_(clock), acme_account_(std::move(acme_account)), policy_(policy) {}

core::Status RateLimiter::Admit(const PlannedOrder& order) {
  const core::TimePoint now = clock_.Now();
  std::set<std::string> domains;
  std::set<std::string> hostnames;
  for (const std::string& name : order.names) {
    domains.insert(core::RegisteredDomain(name));
    hostnames.insert(name.rfind("*.", 0) == 0 ? name.substr(2) : name);
  }
  store::LedgerQuery query;
  query.registered_domains.assign(domains.begin(), domains.end());
  query.domains_since = now - policy_.domain_window;
  query.domain_limit = policy_.certificates_per_domain;
  query.name_set = NameSet(order.names);
  query.duplicates_since = now - policy_.duplicate_window;
  query.duplicate_limit = policy_.duplicates;
  query.acme_account = acme_account_;
  query.orders_since = now - policy_.order_window;
  query.order_limit = policy_.new_orders;
  query.hostnames.assign(hostnames.begin(), hostnames.end());
  query.failures_since = now - policy_.failure_window;
  query.failure_limit = policy_.failed_validations;

  store::LedgerOrder record{order.id,     order.certificate_id, acme_account_,
                            query.name_set, query.registered_domains, now};
  if (order.inside_ari_window) {
    // Exempt, as Let's Encrypt exempts renewals inside their ARI window; counted all the same.
    RETURN_IF_ERROR(ledger_.RecordOrder(record));
    PruneNow(now);
    return core::Ok();
  }

  std::vector<Refusal> refusals;
  auto admit = [&](const store::LedgerCounts& counts) {
    refusals.clear();
    for (const auto& [hostname, window] : counts.failed_validations) {
      Check(window, policy_.failed_validations, policy_.failure_window, kFailedValidationsLimit,
            std::to_string(policy_.failed_validations) + " failed validations per hostname (" +
                hostname + ") per " + Period(policy_.failure_window),
            refusals);
    }
    Check(counts.duplicates, policy_.duplicates, policy_.duplicate_window, kDuplicateLimit,
          std::to_string(policy_.duplicates) + " certificates for the same set of names (" +
              Join(order.names) +
              ") per " + Period(policy_.duplicate_window),
          refusals);
    if (!order.renewal) {
      for (const auto& [domain, window] : counts.certificates_per_domain) {
        Check(window, policy_.certificates_per_domain, policy_.domain_window,
              kRegisteredDomainLimit,
              std::to_string(policy_.certificates_per_domain) +
                  " certificates per registered domain (" + domain + ") per " +
                  Period(policy_.domain_window),
              refusals);
      }
    }
    Check(counts.orders, policy_.new_orders, policy_.order_window, kNewOrdersLimit,
          std::to_string(policy_.new_orders) + " new orders per ACME account per " +
              Period(policy_.order_window),
          refusals);
    return refusals.empty();
  };
  ASSIGN_OR_RETURN(bool admitted, ledger_.ReserveOrder(query, record, admit));
  PruneNow(now);
  if (admitted) return core::Ok();

  const Refusal& last = *std::max_element(
      refusals.begin(), refusals.end(),
      [](const Refusal& a, const Refusal& b) { return a.frees_at < b.frees_at; });
  const auto wait = std::chrono::ceil<std::chrono::seconds>(last.frees_at - now).count();
  return core::Error(core::ErrorCode::kResourceExhausted, std::string(last.code),
                     "Let's Encrypt allows " + last.what + "; the next one is possible at " +
                         core::FormatRfc3339(last.frees_at))
      .WithRetryAfter(std::max<long>(1, static_cast<long>(wait)));
}

core::Status RateLimiter::AdmitRenewal(const core::Certificate& certificate,
                                       const std::string& job_id, bool inside_ari_window) {
  // Let's Encrypt's renewal: the same names as a certificate it issued. A certificate whose
  // first issuance failed has none yet, so its retry counts as new.
  return Admit({.id = job_id,
                .certificate_id = certificate.id,
                .names = certificate.AllNames(),
                .renewal = !certificate.serial.empty(),
                .inside_ari_window = inside_ari_window});
}

void RateLimiter::Forget(const std::string& order_id) {
  if (auto status = ledger_.ForgetOrder(order_id); !status.ok()) {
    spdlog::warn("rate limits: cannot forget order {}: {}", order_id, status.error().message());
  }
}

void RateLimiter::Release(const std::string& order_id) {
  if (auto status = ledger_.ReleaseOrder(order_id); !status.ok()) {
    spdlog::warn("rate limits: cannot release order {}: {}", order_id, status.error().message());
  }
}

void RateLimiter::RecordReorder(const std::string& order_id, const std::string& certificate_id,
                                int reorder) {
  store::LedgerOrder record{order_id + "#" + std::to_string(reorder), certificate_id,
                            acme_account_, "", {}, clock_.Now()};
  if (auto status = ledger_.RecordOrder(record); !status.ok()) {
    spdlog::warn("rate limits: cannot record order {}: {}", record.id, status.error().message());
  }
}

void RateLimiter::RecordFailedValidation(const std::string& authorization_url,
                                         const std::string& hostname) {
  auto status = ledger_.RecordFailedValidation(authorization_url, hostname, clock_.Now());
  if (!status.ok()) {
    spdlog::warn("rate limits: cannot record a failed validation of {}: {}", hostname,
                 status.error().message());
  }
}

void RateLimiter::PruneNow(core::TimePoint now) {
  {
    std::lock_guard lock(prune_mutex_);
    if (last_prune_ && now - *last_prune_ < kPruneEvery) return;
    last_prune_ = now;
  }
  const core::Duration longest = std::max({policy_.domain_window, policy_.duplicate_window,
                                           policy_.order_window, policy_.failure_window});
  if (auto pruned = ledger_.PruneLedger(now - longest); !pruned.ok()) {
    spdlog::warn("rate limits: cannot prune the ledger: {}", pruned.error().message());
  }
}

}  // namespace certadns::issuance
