// What the API layer talks to: the services it translates HTTP into, and its options.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "issuance/certificate_service.h"
#include "notify/notifications.h"
#include "store/account_store.h"
#include "store/audit_log.h"
#include "zones/zone_service.h"

namespace certadns::api {

class Throttle;
/// The HTTP server's limits against idle, slow and numerous clients (config [limits]).
struct ServerLimits {
  int max_connections = 4096;       // open at once, all clients together
  int max_connections_per_ip = 128; // open at once from one client address
  std::chrono::seconds request_timeout{10};  // a request's headers and body, in total
  std::chrono::seconds idle_timeout{15};     // waiting for a request's first byte
  int workers = 8;                  // threads running handlers
  int queue = 512;                  // requests waiting for a worker; beyond: 503
};

struct ApiOptions {
  std::string web_root;  // the dashboard's built files; served at / when present
  std::chrono::seconds session_ttl{std::chrono::hours(12)};
  bool secure_cookies = false;  // add "Secure" to cookies (behind HTTPS)
  std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For is believed
  /// Set on the metrics listener (metrics.listen) only: that server answers GET /metrics
  /// with what this returns (api/metrics_page.h) and serves nothing of the API.
  std::function<std::string()> metrics_page;
  ServerLimits limits;
};

struct Services {
  store::AccountStore& accounts;  // users, API keys and sessions
  issuance::CertificateService& certificates;
  zones::ZoneService& zones;
  const core::Clock& clock;
  ApiOptions options;
  Throttle* throttle = nullptr;  // rate limits and login lockout; none when null
  store::AuditLog* audit = nullptr;  // the audit log (api/audit.h); none when null
  /// Webhooks and email settings; null when the store keeps no notifications (503).
  notify::Notifications* notifications = nullptr;
};

}  // namespace certadns::api
