// /certificates: list (with the plan's limits), create, get, logs, download, renew,
// auto-renew toggle and delete (optionally revoking first).
#include "api/audit.h"
#include "api/dto.h"
#include "api/routes.h"
#include "core/errors.h"

namespace certadns::api {

core::Result<Reply> HandleCertificatesGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(auto certificates, s.certificates.List(call.user()));
  ASSIGN_OR_RETURN(int count, s.certificates.Count(call.user()));
  auto plan = core::ParsePlan(call.user().plan).value_or(core::Plan::kFree);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : certificates) list.push_back(CertificateJson(c));
  return Reply{200, {{"certificates", std::move(list)},
                     {"limits", LimitsJson(core::LimitsOf(plan), count)}}};
}

namespace {

// The creation body {zone_id, domain, sans, wildcard, auto_renew}, shared by POST
// /certificates and /certificates/preflight. The plan is checked before the body, so a Free
// user hears about the plan first.
core::Result<issuance::NewCertificate> NewCertificateOf(const Call& call) {
  auto plan = core::ParsePlan(call.user().plan).value_or(core::Plan::kFree);
  if (!core::LimitsOf(plan).api_access) return core::errors::PaidPlanRequired();
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  issuance::NewCertificate input;
  ASSIGN_OR_RETURN(auto zone_id, OptionalString(body, "zone_id"));
  ASSIGN_OR_RETURN(auto domain, OptionalString(body, "domain"));
  ASSIGN_OR_RETURN(input.sans, OptionalStringList(body, "sans"));
  ASSIGN_OR_RETURN(auto wildcard, OptionalBool(body, "wildcard"));
  ASSIGN_OR_RETURN(auto auto_renew, OptionalBool(body, "auto_renew"));
  if (!zone_id || zone_id->empty()) return core::errors::InvalidRequest("zone_id is required");
  if (!domain || domain->empty()) return core::errors::InvalidRequest("domain is required");
  input.zone_id = *zone_id;
  input.domain = *domain;
  input.wildcard = wildcard.value_or(false);
  input.auto_renew = auto_renew.value_or(false);
  return input;
}

}  // namespace

core::Result<Reply> HandleCertificatesPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(issuance::NewCertificate input, NewCertificateOf(call));
  ASSIGN_OR_RETURN(core::Certificate created, s.certificates.Create(call.user(), input));
  RecordAudit(s, call, audit::kCertificateCreated, created.id, created.domain,
              {{"sans", created.sans}, {"wildcard", created.is_wildcard},
               {"auto_renew", created.auto_renew}});
  return Reply{202, CertificateJson(created)};
}

core::Result<Reply> HandleCertificatesPreflightPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(issuance::NewCertificate input, NewCertificateOf(call));
  ASSIGN_OR_RETURN(issuance::PreflightReport report,
                   s.certificates.CheckPreflight(call.user(), input));
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& check : report.checks) {
    nlohmann::json item = {{"name", check.name}, {"ok", check.ok}, {"detail", check.detail}};
    if (!check.ok) item["code"] = check.code;
    checks.push_back(std::move(item));
  }
  return Reply{200, {{"ok", report.ok}, {"checks", checks}}};
}

core::Result<Reply> HandleCertificateGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(core::Certificate c, s.certificates.Get(call.user(), call.params[0]));
  return Reply{200, CertificateJson(c)};
}

core::Result<Reply> HandleCertificateLogsGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(auto events, s.certificates.Logs(call.user(), call.params[0]));
  nlohmann::json logs = nlohmann::json::array();
  for (const auto& e : events) logs.push_back(EventJson(e));
  return Reply{200, {{"id", call.params[0]}, {"logs", logs}}};
}

core::Result<Reply> HandleCertificateDownloadGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(auto files, s.certificates.Download(call.user(), call.params[0]));
  ASSIGN_OR_RETURN(core::Certificate c, s.certificates.Get(call.user(), call.params[0]));
  RecordDownload(s, call, c, "pem");
  return Reply{200,
               {{"certificate_pem", files.certificate_pem},
                {"chain_pem", files.chain_pem},
                {"fullchain_pem", issuance::FullChainPem(files)},
                {"private_key_pem", files.private_key_pem.reveal()}}};
}

core::Result<Reply> HandleCertificateRenewPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(core::Certificate c, s.certificates.Renew(call.user(), call.params[0]));
  RecordAudit(s, call, audit::kCertificateRenewed, c.id, c.domain);
  return Reply{202, CertificateJson(c)};
}

core::Result<Reply> HandleCertificateAutoRenewPut(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(auto enabled, OptionalBool(body, "enabled"));
  if (!enabled) return core::errors::InvalidRequest("enabled is required (true or false)");
  ASSIGN_OR_RETURN(core::Certificate c,
                   s.certificates.SetAutoRenew(call.user(), call.params[0], *enabled));
  RecordAudit(s, call, audit::kCertificateAutoRenewChanged, c.id, c.domain,
              {{"auto_renew", *enabled}});
  return Reply{200, CertificateJson(c)};
}

core::Result<Reply> HandleCertificateDelete(Services& s, const Call& call) {
  bool revoke = false;
  if (auto it = call.query.find("revoke"); it != call.query.end()) {
    if (it->second == "true" || it->second == "1") {
      revoke = true;
    } else if (it->second != "false" && it->second != "0") {
      return core::errors::InvalidRequest("revoke must be true or false");
    }
  }
  // Read first: the entry names the domain of a certificate that is gone afterwards.
  ASSIGN_OR_RETURN(core::Certificate c, s.certificates.Get(call.user(), call.params[0]));
  ASSIGN_OR_RETURN(bool revoked, s.certificates.Delete(call.user(), call.params[0], revoke));
  if (revoked) RecordAudit(s, call, audit::kCertificateRevoked, c.id, c.domain);
  RecordAudit(s, call, audit::kCertificateDeleted, c.id, c.domain,
              {{"revoke", revoke}, {"revoked", revoked}});
  return Reply{200, {{"id", call.params[0]}, {"deleted", true}, {"revoked", revoked}}};
}

}  // namespace certadns::api
