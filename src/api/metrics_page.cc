#include "api/metrics_page.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "api/metrics_text.h"
#include "core/certificate.h"
#include "core/plan.h"

namespace certadns::api {
namespace {

namespace m = core::metrics;

constexpr std::array kStates = {
    core::CertificateState::kPending, core::CertificateState::kValidating,
    core::CertificateState::kIssued,  core::CertificateState::kFailed,
    core::CertificateState::kExpired, core::CertificateState::kRevoked};
constexpr std::array kPlans = {core::Plan::kFree, core::Plan::kPlus, core::Plan::kPro,
                               core::Plan::kElite};
constexpr std::array kEndpoints = {
    m::AcmeEndpoint::kDirectory, m::AcmeEndpoint::kNewNonce,    m::AcmeEndpoint::kNewAccount,
    m::AcmeEndpoint::kNewOrder,  m::AcmeEndpoint::kOrder,       m::AcmeEndpoint::kAuthorization,
    m::AcmeEndpoint::kChallenge, m::AcmeEndpoint::kFinalize,    m::AcmeEndpoint::kCertificate,
    m::AcmeEndpoint::kRevoke,    m::AcmeEndpoint::kRenewalInfo, m::AcmeEndpoint::kOther};
constexpr std::array kOutcomes = {m::Outcome::kSuccess, m::Outcome::kClientError,
                                  m::Outcome::kServerError, m::Outcome::kNetworkError};

double UnixSeconds(core::TimePoint t) { return static_cast<double>(core::ToUnixMillis(t)) / 1000; }

void StoreSeries(MetricsText& out, const store::ServiceStats& stats, core::TimePoint now) {
  // Every known (state, plan) pair, 0 when absent, so a series never vanishes; a state or
  // plan the code does not know (a newer node's) is shown as it is.
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (auto state : kStates) {
    for (auto plan : kPlans)
      counts[{std::string(core::ToString(state)), std::string(core::ToString(plan))}] = 0;
  }
  for (const auto& c : stats.certificates) counts[{c.state, c.plan}] += c.count;
  out.Family("certadns_certificates", "gauge", "Certificates by state and their owner's plan.");
  for (const auto& [key, count] : counts) {
    out.Sample("certadns_certificates", {{"state", key.first}, {"plan", key.second}},
               static_cast<double>(count));
  }
  out.Family("certadns_renewals_due", "gauge",
             "Issued certificates with auto-renewal whose renewal time has come.");
  out.Sample("certadns_renewals_due", {}, static_cast<double>(stats.renewals_due));
  out.Family("certadns_renewals_overdue", "gauge",
             "Renewals due for more than 24 hours (failing, or the service is behind).");
  out.Sample("certadns_renewals_overdue", {}, static_cast<double>(stats.renewals_overdue));
  out.Family("certadns_jobs_due", "gauge", "Jobs due and waiting for a worker.");
  out.Sample("certadns_jobs_due", {}, static_cast<double>(stats.jobs_due));
  out.Family("certadns_oldest_due_job_age_seconds", "gauge",
             "How long the oldest job waiting for a worker has been due (0 when none).");
  double age = 0;
  if (stats.oldest_due_job) {
    age = std::max(0.0, std::chrono::duration<double>(now - *stats.oldest_due_job).count());
  }
  out.Sample("certadns_oldest_due_job_age_seconds", {}, age);
}

void ProcessSeries(MetricsText& out, const m::ServiceMetrics& metrics) {
  out.Family("certadns_acme_requests_total", "counter",
             "HTTP requests to the ACME CA by endpoint and outcome (this process).");
  for (auto e : kEndpoints) {
    for (auto o : kOutcomes) {
      out.Sample("certadns_acme_requests_total",
                 {{"endpoint", std::string(m::Name(e))}, {"outcome", std::string(m::Name(o))}},
                 static_cast<double>(metrics.acme_requests(e, o).Value()));
    }
  }
  out.Family("certadns_acme_request_duration_seconds", "histogram",
             "Latency of HTTP requests to the ACME CA by endpoint (this process).");
  for (auto e : kEndpoints) {
    m::Histogram::Snapshot s = metrics.acme_duration(e).Read();
    if (s.count == 0) continue;  // endpoints never called (e.g. renewalInfo) add nothing
    out.Histogram("certadns_acme_request_duration_seconds", {{"endpoint", std::string(m::Name(e))}},
                  s);
  }
  out.Family("certadns_issuances_total", "counter",
             "Certificate issuances and renewals that ended, by kind and result (this process).");
  for (auto kind : {m::IssuanceKind::kIssue, m::IssuanceKind::kRenew}) {
    for (auto result : {m::IssuanceResult::kIssued, m::IssuanceResult::kFailed}) {
      out.Sample("certadns_issuances_total",
                 {{"kind", std::string(m::Name(kind))}, {"outcome", std::string(m::Name(result))}},
                 static_cast<double>(metrics.issuances(kind, result).Value()));
    }
  }
  out.Family("certadns_issuance_duration_seconds", "histogram",
             "From the request (or the renewal's start) to the certificate issued (this process).");
  out.Histogram("certadns_issuance_duration_seconds", {}, metrics.issuance_duration().Read());
  out.Family("certadns_powerdns_api_errors_total", "counter",
             "Failed calls to the PowerDNS API by kind (this process).");
  for (auto o : m::kErrorOutcomes) {
    out.Sample("certadns_powerdns_api_errors_total", {{"kind", std::string(m::Name(o))}},
               static_cast<double>(metrics.powerdns_errors(o).Value()));
  }
}

}  // namespace

MetricsPage::MetricsPage(store::StatsReader& stats, const core::Clock& clock,
                         std::function<std::optional<int64_t>()> key_pool, MetricsOptions options,
                         const core::metrics::ServiceMetrics& metrics)
    : stats_(stats),
      clock_(clock),
      key_pool_(std::move(key_pool)),
      options_(options),
      metrics_(metrics) {}

const MetricsPage::Cached& MetricsPage::StoreCounts(core::TimePoint now) {
  if (cached_ && cached_->ok && now >= cached_->read_at &&
      now - cached_->read_at < cached_->reuse) {
    return *cached_;
  }
  Cached fresh;
  fresh.read_at = now;
  const core::metrics::Stopwatch stopwatch;
  auto stats = stats_.ReadServiceStats(now, options_.overdue_after);
  if (stats.ok()) {
    fresh.ok = true;
    fresh.stats = *std::move(stats);
  } else {
    spdlog::warn("metrics: cannot read the store's counts: {}", stats.error().message());
  }
  if (fresh.ok && options_.per_certificate) {
    auto expiries = stats_.ListCertificateExpiries(options_.max_certificate_series);
    if (expiries.ok()) {
      fresh.expiries = *std::move(expiries);
    } else {
      spdlog::warn("metrics: cannot list expiry times: {}", expiries.error().message());
    }
  }
  const auto took = core::Duration(static_cast<int64_t>(stopwatch.Seconds() * 1000));
  fresh.reuse = std::max(options_.cache, 10 * took);
  cached_ = std::move(fresh);
  return *cached_;
}

std::string MetricsPage::Render() {
  MetricsText out;
  const core::TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mutex_);
    const Cached& counts = StoreCounts(now);
    out.Family("certadns_store_up", "gauge", "1 when the store's counts could be read.");
    out.Sample("certadns_store_up", {}, counts.ok ? 1 : 0);
    if (counts.ok) StoreSeries(out, counts.stats, now);
    if (options_.per_certificate) {
      out.Family("certadns_certificate_expiry_timestamp_seconds", "gauge",
                 "When each certificate expires (Unix time; metrics.per_certificate).");
      for (const auto& e : counts.expiries) {
        out.Sample("certadns_certificate_expiry_timestamp_seconds",
                   {{"id", e.id}, {"domain", e.domain}}, UnixSeconds(e.expires_at));
      }
    }
  }
  if (key_pool_) {
    if (auto keys = key_pool_()) {
      out.Family("certadns_key_pool_keys", "gauge", "Private keys generated ahead and ready.");
      out.Sample("certadns_key_pool_keys", {}, static_cast<double>(*keys));
    }
  }
  ProcessSeries(out, metrics_);
  return out.text();
}

}  // namespace certadns::api
