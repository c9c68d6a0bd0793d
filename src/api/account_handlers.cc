// /api-keys: the calling account's own API keys (list, create on paid plans, revoke).
#include "accounts/api_keys.h"
#include "api/audit.h"
#include "api/dto.h"
#include "api/routes.h"
#include "core/errors.h"

namespace certadns::api {

core::Result<Reply> HandleApiKeysGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(auto keys, accounts::ListActiveApiKeys(s.accounts, call.user().id));
  nlohmann::json list = nlohmann::json::array();
  for (const store::ApiKey& key : keys) list.push_back(ApiKeyJson(key));
  return Reply{200, {{"api_keys", list}}};
}

core::Result<Reply> HandleApiKeysPost(Services& s, const Call& call) {
  // The plan first: it is what a Free caller hears about, whatever the body.
  auto plan = core::ParsePlan(call.user().plan).value_or(core::Plan::kFree);
  if (!core::LimitsOf(plan).api_access) return core::errors::ApiKeysRequirePaidPlan();
  // The body carries nothing yet; when sent, it must be a JSON object.
  if (!call.body.empty()) RETURN_IF_ERROR(call.JsonObject());
  ASSIGN_OR_RETURN(accounts::CreatedApiKey created,
                   accounts::CreateApiKey(s.accounts, call.user(), s.clock.Now()));
  nlohmann::json json = ApiKeyJson(created.row);
  RecordAudit(s, call, audit::kApiKeyCreated, created.row.id, created.row.prefix);
  json["key"] = created.key.reveal();  // the only time the key is shown
  return Reply{201, json};
}

core::Result<Reply> HandleApiKeyDelete(Services& s, const Call& call) {
  const std::string& id = call.params[0];
  // By id only: the store also matches display prefixes ("cdns_..."), which never start so.
  if (id.rfind("key_", 0) != 0) return core::errors::ApiKeyNotFound();
  auto revoked = s.accounts.RevokeApiKey(call.user().id, id, s.clock.Now());
  if (!revoked.ok() && revoked.error().code() == core::ErrorCode::kNotFound) {
    return core::errors::ApiKeyNotFound();
  }
  RETURN_IF_ERROR(revoked);
  RecordAudit(s, call, audit::kApiKeyRevoked, id, "");
  return Reply{200, {{"revoked", true}}};
}

}  // namespace certadns::api
