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
    // Peers (load balancers) whose X-Forwarded-For names the client; nobody else's is.
    std::vector<std::string> trusted_proxies;
  } server;
  struct {
    std::string url = "sqlite://./data/certadns.db";
  } database;
  struct {
    std::string master_key_file = "./data/master.key";
  } secrets;
  struct {
    std::string directory_url = "https://acme-v02.api.letsencrypt.org/directory";
    std::string ca_bundle;
    std::string contact_email;
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
  } zones;
  // The HTTP server's connection limits (api::ServerLimits).
  struct {
    int max_connections = 4096;
    int max_connections_per_ip = 128;
    int request_timeout_s = 10;  // a request's headers and body, in total
    int idle_timeout_s = 15;     // a connection waiting for its next request
  } limits;
  struct {
    int workers = 4;
    int key_pool = 50;  // RSA keys generated ahead of requests; 0 = generate on request
  } issuance;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Reads `path` (empty = defaults only), then applies overrides found by `env`.
/// kInvalidArgument naming the key when a value has the wrong type or a key is unknown.
core::Result<Config> LoadConfig(const std::string& path, const EnvLookup& env);

/// The process environment, for LoadConfig.
std::optional<std::string> ProcessEnv(const std::string& name);

}  // namespace certadns::app
