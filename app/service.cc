#include "app/service.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "acme/rfc8555_client.h"
#include "api/http_server.h"
#include "api/metrics_page.h"
#include "api/throttle.h"
#include "app/master_key.h"
#include "app/store_factory.h"
#include "crypto/secret_box.h"
#include "dns/ldns/ldns_preflight_dns.h"
#include "dns/ldns/ldns_propagation_checker.h"
#include "dns/ldns/ldns_zone_verifier.h"
#include "dns/powerdns/powerdns_provider.h"
#include "dns/powerdns/powerdns_zone_host.h"
#include "http/curl_http_client.h"
#include "issuance/account_key.h"
#include "issuance/certificate_service.h"
#include "issuance/engine.h"
#include "issuance/issuance_service.h"
#include "issuance/key_pool.h"
#include "issuance/preflight.h"
#include "issuance/rate_limits.h"
#include "issuance/worker_pool.h"
#include "notify/delivery_worker.h"
#include "notify/notifications.h"
#include "store/audit_log.h"
#include "store/key_pool_store.h"
#include "store/notification_store.h"
#include "store/rate_limit_ledger.h"
#include "store/stats_reader.h"
#include "zones/zone_recheck_loop.h"
#include "zones/zone_service.h"

namespace certadns::app {

struct Service::Parts {
  Config config;
  core::SystemClock clock;
  std::unique_ptr<crypto::SecretBox> box;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::NameLocks> name_locks;
  std::unique_ptr<http::CurlHttpClient> acme_http;
  std::unique_ptr<http::CurlHttpClient> dns_http;
  std::unique_ptr<acme::Rfc8555Client> acme;
  std::unique_ptr<dns::powerdns::PowerDnsProvider> dns;
  std::unique_ptr<dns::ldns::LdnsPropagationChecker> checker;
  std::unique_ptr<issuance::KeyPool> keys;
  std::unique_ptr<issuance::RateLimiter> limits;  // null when acme.rate_limits is off
  std::unique_ptr<issuance::Engine> engine;
  std::unique_ptr<issuance::WorkerPool> workers;
  std::unique_ptr<issuance::IssuanceService> issuance;
  std::unique_ptr<issuance::CertificateService> certificates;
  std::unique_ptr<dns::powerdns::PowerDnsZoneHost> zone_host;
  std::unique_ptr<dns::ldns::LdnsZoneVerifier> verifier;
  std::unique_ptr<dns::ldns::LdnsPreflightDns> preflight_dns;
  std::unique_ptr<issuance::Preflight> preflight;
  std::unique_ptr<zones::ZoneService> zones;
  std::unique_ptr<api::Throttle> throttle;
  std::unique_ptr<zones::ZoneRecheckLoop> zone_recheck;
  std::unique_ptr<http::CurlWebhookClient> webhook_client;
  std::unique_ptr<http::CurlSmtpClient> mail;
  std::unique_ptr<notify::DeliveryWorker> deliveries;
  std::unique_ptr<notify::Notifications> notifications;
  std::unique_ptr<api::HttpServer> server;
  std::unique_ptr<api::MetricsPage> metrics_page;
  std::unique_ptr<api::HttpServer> metrics_server;  // only with metrics.listen
};

namespace {

core::Duration Seconds(double s) { return core::Duration(static_cast<int64_t>(s * 1000)); }

api::ThrottleOptions ThrottleOptionsOf(const Config& config) {
  const auto& l = config.limits;
  api::ThrottleOptions o;
  o.login_failures_per_account = l.login_failures_per_account;
  o.login_failures_per_address = l.login_failures_per_address;
  o.login_window = std::chrono::seconds(l.login_window_s);
  o.login_lockout = std::chrono::seconds(l.login_lockout_s);
  o.login_lockout_max = std::chrono::seconds(l.login_lockout_max_s);
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.password_checks = l.password_checks > 0 ? l.password_checks : 2 * cores;
  o.password_check_wait = std::chrono::milliseconds(l.password_check_wait_ms);
  o.api_requests_per_s = l.api_requests_per_s;
  o.api_burst = l.api_burst;
  o.anonymous_requests_per_s = l.anonymous_requests_per_s;
  o.anonymous_burst = l.anonymous_burst;
  o.max_tracked = static_cast<size_t>(l.max_tracked);
  return o;
}

std::string HostName() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return host;
}

// The start time of process `pid` (field 22 of /proc/PID/stat), "" when it does not exist.
std::string ProcessStartTime(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  return field;
}

// "host:pid:start": unique across restarts even when a pid is reused.
std::string NodeId() {
  std::string pid = std::to_string(getpid());
  return HostName() + ":" + pid + ":" + ProcessStartTime(pid);
}

// A process of this host that held leases and is gone (killed, crashed) will never finish
// its steps: free its jobs now rather than when the leases expire.
void ReleaseLeasesOfDeadLocalNodes(store::JobQueue& store, const core::Clock& clock) {
  auto owners = store.ListLeaseOwners(clock.Now());
  if (!owners.ok()) return;
  for (const std::string& owner : *owners) {
    std::string node = owner.substr(0, owner.find('/'));
    auto first = node.find(':');
    auto second = node.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (node.substr(0, first) != HostName()) continue;
    std::string pid = node.substr(first + 1, second - first - 1);
    if (ProcessStartTime(pid) == node.substr(second + 1)) continue;  // still running
    spdlog::info("releasing the jobs of {}, which is no longer running", owner);
    (void)store.ReleaseLeases(owner);
  }
}

}  // namespace

core::Result<std::unique_ptr<Service>> Service::Create(const Config& config) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  const int per_account = config.issuance.max_workers_per_account > 0
                              ? config.issuance.max_workers_per_account
                              : std::max(1, config.issuance.workers - 1);
  ASSIGN_OR_RETURN(p->store,
                   OpenStore(config.database.url, {.max_running_jobs_per_account = per_account,
                                                   .sqlite_readers = config.limits.workers}));
  ASSIGN_OR_RETURN(crypto::SecretBox box,
                   OpenMasterKey(config.secrets.master_key_file, *p->store,
                                 config.secrets.previous_master_key_files));
  p->box = std::make_unique<crypto::SecretBox>(std::move(box));
  ASSIGN_OR_RETURN(p->name_locks, OpenNameLocks(config.database.url, config.issuance.workers));

  p->acme_http = std::make_unique<http::CurlHttpClient>(
      http::CurlHttpClientOptions{.ca_bundle = config.acme.ca_bundle});
  p->dns_http = std::make_unique<http::CurlHttpClient>(http::CurlHttpClientOptions{});
  ASSIGN_OR_RETURN(crypto::PrivateKey account_key,
                   issuance::LoadOrCreateAccountKey(*p->store, *p->box,
                                                    config.acme.directory_url));
  p->acme = std::make_unique<acme::Rfc8555Client>(
      *p->acme_http,
      acme::AcmeConfig{config.acme.directory_url, config.acme.contact_email},
      std::move(account_key), p->clock);
  p->dns = std::make_unique<dns::powerdns::PowerDnsProvider>(
      *p->dns_http, dns::powerdns::PowerDnsConfig{config.powerdns.api_url,
                                                  config.powerdns.api_key,
                                                  config.powerdns.server_id},
      p->name_locks.get());
  if (!config.dns.nameservers.empty()) {
    p->checker = std::make_unique<dns::ldns::LdnsPropagationChecker>(config.dns.nameservers);
  }
  issuance::EngineConfig engine_config;
  engine_config.propagation_delay = Seconds(config.dns.propagation_delay_s);
  engine_config.poll_attempts = config.dns.poll_attempts;
  engine_config.poll_interval = Seconds(config.dns.poll_interval_s);
  engine_config.renew_before = std::chrono::hours(24 * config.renewal.days_before_expiry);
  engine_config.retry_budget = Seconds(config.issuance.retry_budget_s);
  engine_config.max_retry_delay = Seconds(config.issuance.retry_max_delay_s);
  engine_config.cleanup_budget = Seconds(config.issuance.cleanup_budget_s);
  // The one backend object serves every store interface each part asks for.
  store::Store& db = *p->store;
  p->engine = std::make_unique<issuance::Engine>(db, db, db, *p->acme, *p->dns, p->checker.get(),
                                                 *p->box, p->clock, engine_config);
  if (config.issuance.key_pool > 0) {
    const auto size = static_cast<size_t>(config.issuance.key_pool);
    const int threads = config.issuance.key_pool_threads > 0
                            ? config.issuance.key_pool_threads
                            : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    // Persisted (sealed) where the backend keeps a key pool, so a restart keeps it warm.
    if (auto* pool_store = dynamic_cast<store::KeyPoolStore*>(p->store.get())) {
      p->keys = std::make_unique<issuance::KeyPool>(size, *pool_store, *p->box, p->clock,
                                                    nullptr, nullptr, threads);
    } else {
      p->keys = std::make_unique<issuance::KeyPool>(size, threads);
    }
    p->engine->SetKeySource(p->keys.get());
  }
  p->workers = std::make_unique<issuance::WorkerPool>(
      db, *p->engine, p->clock,
      issuance::WorkerPoolConfig{.threads = config.issuance.workers,
                                 .lease = std::chrono::seconds(config.issuance.lease_s),
                                 .node_id = NodeId()});
  issuance::WorkerPool* workers = p->workers.get();
  p->issuance = std::make_unique<issuance::IssuanceService>(db, db, p->clock,
                                                            [workers] { workers->Wake(); });
  // Let's Encrypt's limits, counted in the store so every node sees the same counts.
  if (RateLimitsOn(config)) {
    auto* ledger = dynamic_cast<store::RateLimitLedger*>(p->store.get());
    if (ledger == nullptr) return core::FailedPrecondition("this database keeps no rate-limit ledger");
    p->limits = std::make_unique<issuance::RateLimiter>(*ledger, p->clock,
                                                        config.acme.directory_url);
    p->engine->SetRateLimiter(p->limits.get());
    p->issuance->SetRateLimiter(p->limits.get());
  }
  p->certificates = std::make_unique<issuance::CertificateService>(
      db, db, *p->issuance, *p->acme, *p->box, p->clock, engine_config.renew_before);
  p->zone_host = std::make_unique<dns::powerdns::PowerDnsZoneHost>(
      *p->dns_http, dns::powerdns::PowerDnsConfig{config.powerdns.api_url,
                                                  config.powerdns.api_key,
                                                  config.powerdns.server_id});
  if (!config.zones.verify_resolvers.empty()) {
    p->verifier = std::make_unique<dns::ldns::LdnsZoneVerifier>(
        config.zones.verify_resolvers, std::chrono::seconds(1),
        static_cast<uint16_t>(config.zones.verify_parent_port));
  }
  if (p->verifier && config.acme.preflight.value_or(true)) {
    p->preflight_dns = std::make_unique<dns::ldns::LdnsPreflightDns>(
        config.dns.nameservers, config.zones.verify_resolvers, std::chrono::seconds(1));
    // Any of our names routes to our servers: the account's own and the shared ones.
    zones::ZoneConfig ns_config{config.zones.nameservers, {}, {}};
    auto nameservers_for = [ns_config](const std::string& owner_id) {
      std::vector<std::string> names = zones::AccountNameservers(owner_id, ns_config);
      names.insert(names.end(), ns_config.nameservers.begin(), ns_config.nameservers.end());
      return names;
    };
    p->preflight = std::make_unique<issuance::Preflight>(
        *p->verifier, *p->preflight_dns, nameservers_for, config.acme.caa_identities,
        p->acme.get());
    p->certificates->SetPreflight(p->preflight.get());
    p->engine->SetPreflight(p->preflight.get());
  } else if (config.acme.preflight.value_or(false)) {
    return core::InvalidArgument("acme.preflight needs zones.verify_resolvers (the world's DNS)");
  }
  p->zones = std::make_unique<zones::ZoneService>(
      db, *p->zone_host, p->verifier.get(), p->clock,
      zones::ZoneConfig{config.zones.nameservers, config.zones.public_zones,
                        std::chrono::hours(config.zones.recheck_interval_h)});
  p->throttle = std::make_unique<api::Throttle>(p->clock, ThrottleOptionsOf(config));
  if (p->verifier) {
    // Hourly runs; each re-checks the zones last proven more than the interval ago.
    p->zone_recheck =
        std::make_unique<zones::ZoneRecheckLoop>(*p->zones, std::chrono::hours(1));
  }
  // Notifications where the backend keeps them (SQLite and PostgreSQL do).
  if (auto* notification_store = dynamic_cast<store::NotificationStore*>(p->store.get())) {
    const auto& n = config.notifications;
    const bool allow_private = n.allow_private_targets.value_or(false);
    p->webhook_client =
        std::make_unique<http::CurlWebhookClient>(allow_private, std::chrono::seconds(10));
    if (!config.smtp.host.empty()) {
      p->mail = std::make_unique<http::CurlSmtpClient>(http::SmtpConfig{
          config.smtp.host, config.smtp.port, config.smtp.user, config.smtp.password,
          config.smtp.from, config.smtp.tls});
    }
    p->deliveries = std::make_unique<notify::DeliveryWorker>(
        *notification_store, db, *p->box, p->clock, *p->webhook_client, p->mail.get(),
        notify::DeliveryConfig{});
    notify::DeliveryWorker* deliveries = p->deliveries.get();
    p->notifications = std::make_unique<notify::Notifications>(
        *notification_store, *p->box, p->clock,
        notify::NotificationConfig{
            .allow_private_targets = allow_private,
            .email = p->mail != nullptr,
            .max_webhooks_per_account = n.max_webhooks,
            .expiry_warning = std::chrono::hours(24 * n.expiry_warning_days)},
        [deliveries] { deliveries->Wake(); });
    p->engine->SetNotifier(p->notifications.get());
  } else {
    spdlog::warn("notifications (webhooks, email) are not available on this database backend");
  }
  p->server = std::make_unique<api::HttpServer>(api::Services{
      db, *p->certificates, *p->zones, p->clock,
      api::ApiOptions{
          .web_root = config.server.web_root,
          .secure_cookies = SecureCookies(config),
          .trusted_proxies = config.server.trusted_proxies,
          .limits = {.max_connections = config.limits.max_connections,
                     .max_connections_per_ip = config.limits.max_connections_per_ip,
                     .request_timeout = std::chrono::seconds(config.limits.request_timeout_s),
                     .idle_timeout = std::chrono::seconds(config.limits.idle_timeout_s),
                     .workers = config.limits.workers,
                     .queue = config.limits.queue}},
      p->throttle.get(), dynamic_cast<store::AuditLog*>(p->store.get()),
      p->notifications.get()});
  if (!config.metrics.listen.empty()) {
    auto* stats = dynamic_cast<store::StatsReader*>(p->store.get());
    if (stats == nullptr) return core::FailedPrecondition("metrics: this store reads no counts");
    issuance::KeyPool* keys = p->keys.get();
    p->metrics_page = std::make_unique<api::MetricsPage>(
        *stats, p->clock,
        [keys]() -> std::optional<int64_t> {
          if (keys == nullptr) return std::nullopt;
          auto ready = keys->Ready();
          if (!ready.ok()) return std::nullopt;
          return static_cast<int64_t>(*ready);
        },
        api::MetricsOptions{.per_certificate = config.metrics.per_certificate.value_or(false)});
    api::MetricsPage* page = p->metrics_page.get();
    // Its own small server: scrapes are few, and the API's limits and routes do not apply.
    p->metrics_server = std::make_unique<api::HttpServer>(api::Services{
        db, *p->certificates, *p->zones, p->clock,
        api::ApiOptions{.metrics_page = [page] { return page->Render(); },
                        .limits = {.max_connections = 64, .max_connections_per_ip = 16,
                                   .workers = 2, .queue = 16}}});
  }
  return std::unique_ptr<Service>(new Service(std::move(p)));
}

Service::Service(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Service::~Service() { Stop(); }

core::Status Service::Start() {
  // Fail fast on a wrong directory URL or CA bundle, but keep serving if the CA is down:
  // the workers retry, and every failure lands in the certificate's log.
  if (auto status = parts_->acme->EnsureAccount(); !status.ok()) {
    spdlog::warn("ACME account not ready yet: {}", status.error().message());
  } else {
    spdlog::info("ACME account {}", parts_->acme->AccountUrl());
  }
  ReleaseLeasesOfDeadLocalNodes(*parts_->store, parts_->clock);
  // The renewal and expiry sweep is a job like any other; one exists per database.
  auto sweep = parts_->store->EnqueueJob(issuance::Engine::SweepJob(parts_->clock.Now()));
  if (!sweep.ok() && sweep.error().code() != core::ErrorCode::kAlreadyExists) {
    return sweep.error().Wrap("cannot schedule the renewal sweep");
  }
  // A backend that hears other nodes enqueue (PostgreSQL) wakes the workers at once.
  issuance::WorkerPool* workers = parts_->workers.get();
  parts_->store->SetWakeHook([workers] { workers->Wake(); });
  parts_->workers->Start();
  if (parts_->zone_recheck) parts_->zone_recheck->Start();
  if (parts_->deliveries) parts_->deliveries->Start();
  RETURN_IF_ERROR(parts_->server->Start(parts_->config.server.listen));
  spdlog::info("certadns listening on {} (port {})", parts_->config.server.listen,
               parts_->server->port());
  if (parts_->metrics_server) {
    RETURN_IF_ERROR(parts_->metrics_server->Start(parts_->config.metrics.listen));
    spdlog::info("metrics on http://{}/metrics", parts_->config.metrics.listen);
  }
  return core::Ok();
}

void Service::Stop() {
  if (parts_->store) parts_->store->SetWakeHook({});  // before the workers it wakes go
  if (parts_->server) parts_->server->Stop();
  if (parts_->metrics_server) parts_->metrics_server->Stop();
  if (parts_->workers) parts_->workers->Stop();
  if (parts_->zone_recheck) parts_->zone_recheck->Stop();
  if (parts_->deliveries) parts_->deliveries->Stop();
}

}  // namespace certadns::app
