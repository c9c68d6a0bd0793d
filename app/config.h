// Config: the service's settings, read from a TOML file with every key overridable by an
// environment variable CERTADNS_<SECTION>_<KEY> (DESIGN.md). Only this file's code reads
// the environment.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::app {

struct Config {
  struct {
    std::string listen = "127.0.0.1:8080";
    std::string web_root = "web/dist";
    // Mark the session cookie Secure; unset = on unless `listen` is a loopback address.
    std::optional<bool> secure_cookies;
    // Peers (load balancers) whose X-Forwarded-For names the client; nobody else's is:
    // addresses or CIDR networks.
    std::vector<std::string> trusted_proxies;
  } server;
  struct {
    std::string listen;  // "host:port" of the Prometheus /metrics listener; "" = off
    // One expiry series per certificate (does not scale to millions); off = counts only.
    std::optional<bool> per_certificate;
  } metrics;
  struct {
    std::string url = "sqlite://./data/certadns.db";
  } database;
  struct {
    std::string master_key_file = "./data/master.key";
    // During a master-key rotation: the keys being rotated out. Secrets sealed under them
    // still open; new ones are sealed under master_key_file (docs/operations.md).
    std::vector<std::string> previous_master_key_files;
  } secrets;
  struct {
    std::string directory_url = "https://acme-v02.api.letsencrypt.org/directory";
    std::string ca_bundle;
    std::string contact_email;
    /// "letsencrypt": Let's Encrypt's issuance limits are checked before asking the CA;
    /// "off": not. Empty (the default): "letsencrypt" when directory_url is Let's Encrypt's
    /// (production or staging), else "off".
    std::string rate_limits;
    // Issuer domain names CAA records must name for this CA; empty: the directory's
    // meta.caaIdentities, else "letsencrypt.org".
    std::vector<std::string> caa_identities;
    // Pre-flight checks (delegation, CAA, _acme-challenge CNAME) before an order; unset: on
    // whenever zones.verify_resolvers is set.
    std::optional<bool> preflight;
  } acme;
  struct {
    std::string api_url = "http://127.0.0.1:8081";
    std::string api_key;
    std::string server_id = "localhost";
  } powerdns;
  struct {
    std::vector<std::string> nameservers = {"127.0.0.1:5300"};
    double propagation_delay_s = 5;
    int poll_attempts = 30;
    double poll_interval_s = 2;
  } dns;
  struct {
    int days_before_expiry = 30;
  } renewal;
  struct {
    std::vector<std::string> public_zones = {"certadns.com"};  // TOML key: zones.public
    // NS records of imported zones: the names users delegate their domains to.
    std::vector<std::string> nameservers = {"ns1.certadns.test", "ns2.certadns.test"};
    // DNS servers that answer as the public internet does (a recursive resolver in
    // production), asked when a user verifies a zone; never the system resolver.
    std::vector<std::string> verify_resolvers;
    // The port parent zones' nameservers are asked on for a zone's delegation (53; another
    // value only in test stacks).
    int verify_parent_port = 53;
    // Hours between re-checks of a verified zone's proof of control.
    int recheck_interval_h = 24;
  } zones;
  struct {
    int workers = 8;  // steps wait on the CA and PowerDNS, not the CPU
    // Running jobs one account may hold at once; 0: workers - 1 (at least 1), so one
    // account's burst always leaves a worker to the others.
    int max_workers_per_account = 0;
    int key_pool = 200;  // RSA keys generated ahead of requests; 0 = generate on request
    // Threads making pool keys, in idle CPU time only; 0: one per core.
    int key_pool_threads = 0;
    // Transient CA/PowerDNS failures: retried with backoff up to retry_max_delay_s for
    // retry_budget_s, then the certificate fails; challenge cleanup for cleanup_budget_s.
    double retry_budget_s = 600;
    double retry_max_delay_s = 60;
    double cleanup_budget_s = 7 * 24 * 3600;
    // A claimed step's lease, renewed every third of it while the step runs: a node that
    // dies holds its jobs this long before another node takes them over.
    int lease_s = 60;
  } issuance;
  // [notifications]: webhooks and email about certificates (notify/).
  struct {
    // Webhooks to private, loopback and link-local addresses; off so that webhooks cannot
    // reach inside the network (tests and closed networks turn it on).
    std::optional<bool> allow_private_targets;
    int max_webhooks = 5;         // per account
    int expiry_warning_days = 7;  // certificate.expiring when less remains, no renewal planned
  } notifications;
  // [smtp]: the mail relay for notification emails; no email when host is empty.
  struct {
    std::string host;
    int port = 587;
    std::string user;
    std::string password;
    std::string from;
    std::string tls = "starttls";  // "starttls" | "tls" | "none"
  } smtp;
  // [limits]: the HTTP server's connection limits (api::ServerLimits), and the throttles,
  // counted per node in memory (see api/throttle.h): with N nodes behind a load balancer a
  // client gets up to N times these.
  struct {
    int max_connections = 4096;
    int max_connections_per_ip = 128;
    int request_timeout_s = 10;  // a request's headers and body, in total
    int idle_timeout_s = 15;     // a connection waiting for its next request
    int login_failures_per_account = 5;   // within login_window_s, then a lockout
    int login_failures_per_address = 20;  // within login_window_s, then a lockout
    int login_window_s = 900;
    int login_lockout_s = 60;        // the first lockout; doubles with each further failure
    int login_lockout_max_s = 3600;
    int password_checks = 0;         // concurrent Argon2id checks; 0 = 2 per core
    int password_check_wait_ms = 2000;  // a login waiting longer for one gets 503
    double api_requests_per_s = 20;  // per user (API key or session)
    int api_burst = 100;
    double anonymous_requests_per_s = 5;  // per client address, without valid credentials
    int anonymous_burst = 50;
    int max_tracked = 50000;  // users / addresses / accounts remembered per table
    int workers = 8;    // the HTTP server's handler threads (1-256)
    int queue = 512;    // requests waiting for a handler thread (1-65536); beyond: 503
  } limits;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Reads `path` (empty = defaults only), then applies overrides found by `env`.
/// kInvalidArgument naming the key when a value has the wrong type or a key is unknown.
core::Result<Config> LoadConfig(const std::string& path, const EnvLookup& env);

/// server.secure_cookies, or its default: on unless server.listen is a loopback address.
bool SecureCookies(const Config& config);
/// Whether Let's Encrypt's limits apply: acme.rate_limits, or by default whether
/// acme.directory_url is Let's Encrypt's (acme-v02 or acme-staging-v02.api.letsencrypt.org).
bool RateLimitsOn(const Config& config);

/// The process environment, for LoadConfig.
std::optional<std::string> ProcessEnv(const std::string& name);

}  // namespace certadns::app
