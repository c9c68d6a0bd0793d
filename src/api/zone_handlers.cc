// /zones: list, import, verify, delete.
#include "api/audit.h"
#include "api/dto.h"
#include "api/routes.h"
#include "core/errors.h"

namespace certadns::api {

core::Result<Reply> HandleZonesGet(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(auto zones, s.zones.List(call.user()));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& z : zones) list.push_back(ZoneJson(z, s.zones));
  return Reply{200, {{"zones", list}}};
}

core::Result<Reply> HandleZonesPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, call.JsonObject());
  ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (!name || name->empty()) return core::errors::InvalidRequest("name is required");
  ASSIGN_OR_RETURN(store::Zone zone, s.zones.Import(call.user(), *name));
  RecordAudit(s, call, audit::kZoneCreated, zone.id, zone.name);
  return Reply{201, ZoneJson(zone, s.zones)};
}

core::Result<Reply> HandleZoneVerifyPost(Services& s, const Call& call) {
  ASSIGN_OR_RETURN(zones::VerifyOutcome outcome, s.zones.Verify(call.user(), call.params[0]));
  nlohmann::json json = ZoneJson(outcome.zone, s.zones);
  if (outcome.zone.verified) {
    RecordAudit(s, call, audit::kZoneVerified, outcome.zone.id, outcome.zone.name);
  }
  if (!outcome.zone.verified) json["verification"]["detail"] = outcome.detail;
  return Reply{200, json};
}

core::Result<Reply> HandleZoneDelete(Services& s, const Call& call) {
  // The name first: the entry names a zone that is gone afterwards.
  std::string name;
  ASSIGN_OR_RETURN(auto zones, s.zones.List(call.user()));
  for (const auto& z : zones) {
    if (z.id == call.params[0]) name = z.name;
  }
  RETURN_IF_ERROR(s.zones.Delete(call.user(), call.params[0]));
  RecordAudit(s, call, audit::kZoneDeleted, call.params[0], name);
  return Reply{200, {{"deleted", true}}};
}

}  // namespace certadns::api
