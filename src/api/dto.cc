#include "api/dto.h"

#include "core/text.h"
#include "notify/certificate_object.h"

namespace certadns::api {
namespace {

nlohmann::json TimeOrNull(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return core::FormatRfc3339(*t);
}

}  // namespace

nlohmann::json CertificateJson(const core::Certificate& c) {
  return notify::CertificateObject(c);  // the same object the notifications carry
}

nlohmann::json LimitsJson(const core::PlanLimits& limits, int current_count) {
  return {
      {"max_certificates", limits.max_certificates},
      {"current_count", current_count},
      {"wildcard_enabled", limits.wildcard},
      {"auto_renew_enabled", limits.auto_renew},
  };
}

nlohmann::json EventJson(const core::CertificateEvent& e) {
  return {{"timestamp", core::FormatRfc3339(e.at)},
          {"level", std::string(core::ToString(e.level))},
          // Rows written before text was made safe on the way in are made safe here.
          {"message", core::SafeText(e.message)}};
}

nlohmann::json ZoneJson(const store::Zone& zone, const zones::ZoneService& zones) {
  return {
      {"id", zone.id},
      {"name", zone.name},
      {"verified", zone.verified},
      {"created_at", core::FormatRfc3339(zone.created_at)},
      {"verification",
       {{"nameservers", zones.NameserversFor(zone.owner_id)},
        {"txt_name", zones::VerificationRecordName(zone.name)},
        {"txt_value", zones::VerificationRecordValue(zone)}}},
  };
}

nlohmann::json UserJson(const store::User& user) {
  return {{"id", user.id}, {"email", user.email}, {"plan", user.plan}};
}

nlohmann::json ApiKeyJson(const store::ApiKey& key) {
  return {{"id", key.id},
          {"prefix", key.prefix},
          {"created_at", core::FormatRfc3339(key.created_at)},
          {"last_used_at", TimeOrNull(key.last_used_at)}};
}

}  // namespace certadns::api
