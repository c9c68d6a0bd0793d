#include "app/config.h"

#include <algorithm>
#include <cctype>

#include <cerrno>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <sstream>

#include <toml++/toml.h>

namespace certadns::app {
namespace {

// One settable key: its TOML location and how to set it from TOML or from env text.
struct Field {
  std::string section;
  std::string key;
  std::function<bool(const toml::node&)> from_toml;
  std::function<bool(const std::string&)> from_text;
};

Field StringField(std::string section, std::string key, std::string* target) {
  return {section, key,
          [target](const toml::node& n) {
            if (!n.is_string()) return false;
            *target = n.value<std::string>().value();
            return true;
          },
          [target](const std::string& text) {
            *target = text;
            return true;
          }};
}

Field IntField(std::string section, std::string key, int* target) {
  return {section, key,
          [target](const toml::node& n) {
            if (!n.is_integer()) return false;
            int64_t v = n.value<int64_t>().value();
            // Out of int's range is refused, never truncated into a value that passes checks.
            if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
              return false;
            }
            *target = static_cast<int>(v);
            return true;
          },
          [target](const std::string& text) {
            char* end = nullptr;
            errno = 0;
            long v = std::strtol(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || errno == ERANGE ||
                v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
              return false;
            }
            *target = static_cast<int>(v);
            return true;
          }};
}

Field DoubleField(std::string section, std::string key, double* target) {
  return {section, key,
          [target](const toml::node& n) {
            if (!n.is_number()) return false;
            *target = n.value<double>().value();
            return true;
          },
          [target](const std::string& text) {
            char* end = nullptr;
            double v = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0') return false;
            *target = v;
            return true;
          }};
}

// Booleans from TOML booleans, or from "true"/"false"/"1"/"0" env text.
Field OptionalBoolField(std::string section, std::string key, std::optional<bool>* target) {
  return {section, key,
          [target](const toml::node& n) {
            if (!n.is_boolean()) return false;
            *target = n.value<bool>().value();
            return true;
          },
          [target](const std::string& text) {
            if (text == "true" || text == "1") *target = true;
            else if (text == "false" || text == "0") *target = false;
            else return false;
            return true;
          }};
}

// Arrays come from TOML arrays of strings, or from comma-separated env text.
Field ListField(std::string section, std::string key, std::vector<std::string>* target) {
  return {section, key,
          [target](const toml::node& n) {
            const toml::array* array = n.as_array();
            if (array == nullptr) return false;
            std::vector<std::string> values;
            for (const toml::node& item : *array) {
              if (!item.is_string()) return false;
              values.push_back(item.value<std::string>().value());
            }
            *target = std::move(values);
            return true;
          },
          [target](const std::string& text) {
            std::vector<std::string> values;
            std::stringstream in(text);
            std::string item;
            while (std::getline(in, item, ',')) {
              auto b = item.find_first_not_of(" \t");
              auto e = item.find_last_not_of(" \t");
              if (b != std::string::npos) values.push_back(item.substr(b, e - b + 1));
            }
            *target = std::move(values);
            return true;
          }};
}

std::vector<Field> Fields(Config& c) {
  return {
      StringField("server", "listen", &c.server.listen),
      StringField("server", "web_root", &c.server.web_root),
      OptionalBoolField("server", "secure_cookies", &c.server.secure_cookies),
      ListField("server", "trusted_proxies", &c.server.trusted_proxies),
      StringField("metrics", "listen", &c.metrics.listen),
      OptionalBoolField("metrics", "per_certificate", &c.metrics.per_certificate),
      StringField("database", "url", &c.database.url),
      StringField("secrets", "master_key_file", &c.secrets.master_key_file),
      ListField("secrets", "previous_master_key_files", &c.secrets.previous_master_key_files),
      StringField("acme", "directory_url", &c.acme.directory_url),
      StringField("acme", "ca_bundle", &c.acme.ca_bundle),
      StringField("acme", "contact_email", &c.acme.contact_email),
      StringField("acme", "rate_limits", &c.acme.rate_limits),
      ListField("acme", "caa_identities", &c.acme.caa_identities),
      OptionalBoolField("acme", "preflight", &c.acme.preflight),
      StringField("powerdns", "api_url", &c.powerdns.api_url),
      StringField("powerdns", "api_key", &c.powerdns.api_key),
      StringField("powerdns", "server_id", &c.powerdns.server_id),
      ListField("dns", "nameservers", &c.dns.nameservers),
      DoubleField("dns", "propagation_delay_s", &c.dns.propagation_delay_s),
      IntField("dns", "poll_attempts", &c.dns.poll_attempts),
      DoubleField("dns", "poll_interval_s", &c.dns.poll_interval_s),
      IntField("renewal", "days_before_expiry", &c.renewal.days_before_expiry),
      ListField("zones", "public", &c.zones.public_zones),
      ListField("zones", "nameservers", &c.zones.nameservers),
      ListField("zones", "verify_resolvers", &c.zones.verify_resolvers),
      IntField("zones", "recheck_interval_h", &c.zones.recheck_interval_h),
      IntField("zones", "verify_parent_port", &c.zones.verify_parent_port),
      OptionalBoolField("notifications", "allow_private_targets",
                        &c.notifications.allow_private_targets),
      IntField("notifications", "max_webhooks", &c.notifications.max_webhooks),
      IntField("notifications", "expiry_warning_days", &c.notifications.expiry_warning_days),
      StringField("smtp", "host", &c.smtp.host),
      IntField("smtp", "port", &c.smtp.port),
      StringField("smtp", "user", &c.smtp.user),
      StringField("smtp", "password", &c.smtp.password),
      StringField("smtp", "from", &c.smtp.from),
      StringField("smtp", "tls", &c.smtp.tls),
      IntField("limits", "max_connections", &c.limits.max_connections),
      IntField("limits", "max_connections_per_ip", &c.limits.max_connections_per_ip),
      IntField("limits", "request_timeout_s", &c.limits.request_timeout_s),
      IntField("limits", "idle_timeout_s", &c.limits.idle_timeout_s),
      IntField("issuance", "workers", &c.issuance.workers),
      IntField("issuance", "max_workers_per_account", &c.issuance.max_workers_per_account),
      IntField("issuance", "key_pool", &c.issuance.key_pool),
      IntField("issuance", "key_pool_threads", &c.issuance.key_pool_threads),
      DoubleField("issuance", "retry_budget_s", &c.issuance.retry_budget_s),
      DoubleField("issuance", "retry_max_delay_s", &c.issuance.retry_max_delay_s),
      DoubleField("issuance", "cleanup_budget_s", &c.issuance.cleanup_budget_s),
      IntField("issuance", "lease_s", &c.issuance.lease_s),
      IntField("limits", "login_failures_per_account", &c.limits.login_failures_per_account),
      IntField("limits", "login_failures_per_address", &c.limits.login_failures_per_address),
      IntField("limits", "login_window_s", &c.limits.login_window_s),
      IntField("limits", "login_lockout_s", &c.limits.login_lockout_s),
      IntField("limits", "login_lockout_max_s", &c.limits.login_lockout_max_s),
      IntField("limits", "password_checks", &c.limits.password_checks),
      IntField("limits", "password_check_wait_ms", &c.limits.password_check_wait_ms),
      DoubleField("limits", "api_requests_per_s", &c.limits.api_requests_per_s),
      IntField("limits", "api_burst", &c.limits.api_burst),
      DoubleField("limits", "anonymous_requests_per_s", &c.limits.anonymous_requests_per_s),
      IntField("limits", "anonymous_burst", &c.limits.anonymous_burst),
      IntField("limits", "max_tracked", &c.limits.max_tracked),
      IntField("limits", "workers", &c.limits.workers),
      IntField("limits", "queue", &c.limits.queue),
  };
}

std::string EnvName(const Field& f) {
  std::string name = "CERTADNS_" + f.section + "_" + f.key;
  for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

core::Result<Config> LoadConfig(const std::string& path, const EnvLookup& env) {
  Config config;
  std::vector<Field> fields = Fields(config);
  if (!path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      std::ostringstream where;
      where << e.source().begin;
      return core::InvalidArgument("config " + path + ": " + std::string(e.description()) +
                                   " at " + where.str());
    }
    for (const auto& [section, node] : table) {
      const toml::table* keys = node.as_table();
      if (keys == nullptr) {
        return core::InvalidArgument("config " + path + ": [" + std::string(section.str()) +
                                     "] must be a table");
      }
      for (const auto& [key, value] : *keys) {
        const Field* field = nullptr;
        for (const Field& f : fields) {
          if (f.section == section.str() && f.key == key.str()) field = &f;
        }
        std::string name = std::string(section.str()) + "." + std::string(key.str());
        if (field == nullptr) return core::InvalidArgument("config " + path + ": unknown key " + name);
        if (!field->from_toml(value)) {
          return core::InvalidArgument("config " + path + ": " + name + " has the wrong type");
        }
      }
    }
  }
  for (const Field& f : fields) {
    auto text = env(EnvName(f));
    if (text && !f.from_text(*text)) {
      return core::InvalidArgument(EnvName(f) + " is not a valid " + f.section + "." + f.key);
    }
  }
  if (config.issuance.workers < 1) return core::InvalidArgument("issuance.workers must be >= 1");
  if (config.issuance.key_pool < 0) return core::InvalidArgument("issuance.key_pool must be >= 0");
  if (config.issuance.key_pool_threads < 0 || config.issuance.key_pool_threads > 64) {
    return core::InvalidArgument("issuance.key_pool_threads must be 0 to 64");
  }
  if (config.issuance.lease_s < 1 || config.issuance.lease_s > 86400) {
    return core::InvalidArgument("issuance.lease_s must be 1 to 86400 seconds");
  }
  if (config.issuance.max_workers_per_account < 0) {
    return core::InvalidArgument("issuance.max_workers_per_account must be >= 0");
  }
  if (!(config.issuance.retry_budget_s >= 0) || !(config.issuance.retry_max_delay_s > 0) ||
      !(config.issuance.cleanup_budget_s >= 0) || config.issuance.cleanup_budget_s > 1e8 ||
      config.issuance.retry_budget_s > 1e8 || config.issuance.retry_max_delay_s > 86400) {
    return core::InvalidArgument(
        "issuance.retry_budget_s, retry_max_delay_s (> 0, <= 86400) and cleanup_budget_s "
        "must be sane numbers of seconds");
  }
  if (config.smtp.tls != "starttls" && config.smtp.tls != "tls" && config.smtp.tls != "none") {
    return core::InvalidArgument("smtp.tls must be \"starttls\", \"tls\" or \"none\"");
  }
  if (!config.smtp.host.empty() &&
      (config.smtp.from.empty() || config.smtp.port < 1 || config.smtp.port > 65535)) {
    return core::InvalidArgument("smtp.from and a port of 1-65535 are needed with smtp.host");
  }
  if (config.notifications.max_webhooks < 0 || config.notifications.max_webhooks > 100 ||
      config.notifications.expiry_warning_days < 1 ||
      config.notifications.expiry_warning_days > 60) {
    return core::InvalidArgument("notifications.max_webhooks must be 0-100 and "
                                 "notifications.expiry_warning_days 1-60");
  }
  if (config.limits.max_connections < 1 || config.limits.max_connections_per_ip < 1 ||
      config.limits.request_timeout_s < 1 || config.limits.idle_timeout_s < 1) {
    return core::InvalidArgument(
        "limits.max_connections, max_connections_per_ip, request_timeout_s and idle_timeout_s "
        "must be >= 1");
  }
  if (config.limits.workers < 1 || config.limits.workers > 256) {
    return core::InvalidArgument("limits.workers must be 1-256 (the HTTP server's handler "
                                 "threads), not " + std::to_string(config.limits.workers));
  }
  if (config.limits.queue < 1 || config.limits.queue > 65536) {
    return core::InvalidArgument("limits.queue must be 1-65536 (requests waiting for a "
                                 "handler thread), not " + std::to_string(config.limits.queue));
  }
  if (config.dns.poll_attempts < 1) return core::InvalidArgument("dns.poll_attempts must be >= 1");
  const auto& l = config.limits;
  if (l.login_window_s < 1 || l.login_lockout_s < 1 || l.login_lockout_max_s < l.login_lockout_s) {
    return core::InvalidArgument(
        "limits.login_window_s and limits.login_lockout_s must be >= 1, and "
        "limits.login_lockout_max_s >= limits.login_lockout_s");
  }
  if (!std::isfinite(l.api_requests_per_s) || l.api_requests_per_s < 0 ||
      !std::isfinite(l.anonymous_requests_per_s) || l.anonymous_requests_per_s < 0) {
    return core::InvalidArgument(
        "limits.api_requests_per_s and limits.anonymous_requests_per_s must be >= 0 (0 = off)");
  }
  if (l.password_checks < 0 || l.password_check_wait_ms < 0 || l.api_burst < 1 ||
      l.anonymous_burst < 1 || l.max_tracked < 1) {
    return core::InvalidArgument(
        "limits.password_checks and limits.password_check_wait_ms must be >= 0; "
        "limits.api_burst, limits.anonymous_burst and limits.max_tracked >= 1");
  }
  if (config.zones.verify_parent_port < 1 || config.zones.verify_parent_port > 65535) {
    return core::InvalidArgument("zones.verify_parent_port must be a port (1-65535)");
  }
  if (config.zones.recheck_interval_h < 1) {
    return core::InvalidArgument("zones.recheck_interval_h must be >= 1");
  }
  const std::string& limits = config.acme.rate_limits;
  if (!limits.empty() && limits != "letsencrypt" && limits != "off") {
    return core::InvalidArgument("acme.rate_limits must be \"letsencrypt\" or \"off\"");
  }
  return config;
}

bool SecureCookies(const Config& config) {
  if (config.server.secure_cookies) return *config.server.secure_cookies;
  std::string host = config.server.listen.substr(0, config.server.listen.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  bool loopback = host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
  return !loopback;
}

bool RateLimitsOn(const Config& config) {
  if (!config.acme.rate_limits.empty()) return config.acme.rate_limits == "letsencrypt";
  std::string host = config.acme.directory_url;
  if (auto scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
  host = host.substr(0, host.find_first_of(":/"));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return host == "acme-v02.api.letsencrypt.org" || host == "acme-staging-v02.api.letsencrypt.org";
}

}  // namespace certadns::app
