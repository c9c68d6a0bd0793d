// What the API layer talks to: the services it translates HTTP into, and its options.
#pragma once

#include <chrono>
#include <string>

#include "core/clock.h"
#include "issuance/certificate_service.h"
#include "store/store.h"
#include "zones/zone_service.h"

namespace certadns::api {

class Throttle;

struct ApiOptions {
  std::string web_root;  // the dashboard's built files; served at / when present
  std::chrono::seconds session_ttl{std::chrono::hours(12)};
  bool secure_cookies = false;  // add "Secure" to cookies (behind HTTPS)
};

struct Services {
  store::Store& store;
  issuance::CertificateService& certificates;
  zones::ZoneService& zones;
  const core::Clock& clock;
  ApiOptions options;
  Throttle* throttle = nullptr;  // rate limits and login lockout; none when null
};

}  // namespace certadns::api
