// The API's single route table: method, path (relative to /api/v1, "{id}" for a path
// parameter), whether it needs a caller, and its handler. The OpenAPI document is checked
// against this table by a test. Private to src/api/ (and its tests).
#pragma once

#include <string_view>
#include <vector>

#include "api/call.h"
#include "api/services.h"

namespace certadns::api {

using Handler = core::Result<Reply> (*)(Services& services, const Call& call);

struct Route {
  std::string_view method;
  std::string_view path;
  bool authenticated;
  Handler handler;
};

const std::vector<Route>& Routes();

// Handlers, named Handle<Resource><Verb>.
core::Result<Reply> HandleOpenApiGet(Services& s, const Call& call);
core::Result<Reply> HandleLoginPost(Services& s, const Call& call);
core::Result<Reply> HandleLogoutPost(Services& s, const Call& call);
core::Result<Reply> HandleMeGet(Services& s, const Call& call);
core::Result<Reply> HandleMePasswordPut(Services& s, const Call& call);
core::Result<Reply> HandleApiKeysGet(Services& s, const Call& call);
core::Result<Reply> HandleApiKeysPost(Services& s, const Call& call);
core::Result<Reply> HandleApiKeyDelete(Services& s, const Call& call);
core::Result<Reply> HandleZonesGet(Services& s, const Call& call);
core::Result<Reply> HandleZonesPost(Services& s, const Call& call);
core::Result<Reply> HandleZoneVerifyPost(Services& s, const Call& call);
core::Result<Reply> HandleZoneDelete(Services& s, const Call& call);
core::Result<Reply> HandleCertificatesGet(Services& s, const Call& call);
core::Result<Reply> HandleCertificatesPost(Services& s, const Call& call);
core::Result<Reply> HandleCertificatesPreflightPost(Services& s, const Call& call);
core::Result<Reply> HandleCertificateGet(Services& s, const Call& call);
core::Result<Reply> HandleCertificateLogsGet(Services& s, const Call& call);
core::Result<Reply> HandleCertificateDownloadGet(Services& s, const Call& call);
core::Result<Reply> HandleCertificateDownloadPkcs12Post(Services& s, const Call& call);
core::Result<Reply> HandleCertificateDownloadBundleGet(Services& s, const Call& call);
core::Result<Reply> HandleCertificateRenewPost(Services& s, const Call& call);
core::Result<Reply> HandleCertificateAutoRenewPut(Services& s, const Call& call);
core::Result<Reply> HandleCertificateDelete(Services& s, const Call& call);
core::Result<Reply> HandleAuditGet(Services& s, const Call& call);
core::Result<Reply> HandleWebhooksGet(Services& s, const Call& call);
core::Result<Reply> HandleWebhooksPost(Services& s, const Call& call);
core::Result<Reply> HandleWebhookGet(Services& s, const Call& call);
core::Result<Reply> HandleWebhookDelete(Services& s, const Call& call);
core::Result<Reply> HandleWebhookTestPost(Services& s, const Call& call);
core::Result<Reply> HandleWebhookDeliveriesGet(Services& s, const Call& call);
core::Result<Reply> HandleNotificationsGet(Services& s, const Call& call);
core::Result<Reply> HandleNotificationsPut(Services& s, const Call& call);

}  // namespace certadns::api
