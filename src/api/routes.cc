#include "api/routes.h"

namespace certadns::api {

const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = {
      {"GET", "/openapi.json", false, HandleOpenApiGet},
      {"POST", "/auth/login", false, HandleLoginPost},
      {"POST", "/auth/logout", true, HandleLogoutPost},
      {"GET", "/me", true, HandleMeGet},
      {"PUT", "/me/password", true, HandleMePasswordPut},
      {"GET", "/api-keys", true, HandleApiKeysGet},
      {"POST", "/api-keys", true, HandleApiKeysPost},
      {"DELETE", "/api-keys/{id}", true, HandleApiKeyDelete},
      {"GET", "/zones", true, HandleZonesGet},
      {"POST", "/zones", true, HandleZonesPost},
      {"POST", "/zones/{id}/verify", true, HandleZoneVerifyPost},
      {"DELETE", "/zones/{id}", true, HandleZoneDelete},
      {"GET", "/certificates", true, HandleCertificatesGet},
      {"POST", "/certificates", true, HandleCertificatesPost},
      {"POST", "/certificates/preflight", true, HandleCertificatesPreflightPost},
      {"GET", "/certificates/{id}", true, HandleCertificateGet},
      {"GET", "/certificates/{id}/logs", true, HandleCertificateLogsGet},
      {"GET", "/certificates/{id}/download", true, HandleCertificateDownloadGet},
      {"POST", "/certificates/{id}/download/pkcs12", true, HandleCertificateDownloadPkcs12Post},
      {"GET", "/certificates/{id}/download/bundle", true, HandleCertificateDownloadBundleGet},
      {"POST", "/certificates/{id}/renew", true, HandleCertificateRenewPost},
      {"PUT", "/certificates/{id}/auto-renew", true, HandleCertificateAutoRenewPut},
      {"DELETE", "/certificates/{id}", true, HandleCertificateDelete},
      {"GET", "/audit", true, HandleAuditGet},
      {"GET", "/webhooks", true, HandleWebhooksGet},
      {"POST", "/webhooks", true, HandleWebhooksPost},
      {"GET", "/webhooks/{id}", true, HandleWebhookGet},
      {"DELETE", "/webhooks/{id}", true, HandleWebhookDelete},
      {"POST", "/webhooks/{id}/test", true, HandleWebhookTestPost},
      {"GET", "/webhooks/{id}/deliveries", true, HandleWebhookDeliveriesGet},
      {"GET", "/notifications", true, HandleNotificationsGet},
      {"PUT", "/notifications", true, HandleNotificationsPut},
  };
  return routes;
}

}  // namespace certadns::api
