#include "notify/certificate_object.h"

namespace certadns::notify {
namespace {

nlohmann::json TimeOrNull(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return core::FormatRfc3339(*t);
}

}  // namespace

nlohmann::json CertificateObject(const core::Certificate& c) {
  bool issued = c.status == core::CertificateState::kIssued ||
                c.status == core::CertificateState::kExpired ||
                c.status == core::CertificateState::kRevoked ||
                (c.status == core::CertificateState::kValidating && c.has_certificate);
  return {
      {"id", c.id},
      {"domain", c.domain},
      {"sans", c.sans},
      {"is_wildcard", c.is_wildcard},
      {"auto_renew", c.auto_renew},
      {"status", std::string(core::ToString(c.status))},
      {"issued_at", issued ? TimeOrNull(c.issued_at) : nullptr},
      {"expires_at", issued ? TimeOrNull(c.expires_at) : nullptr},
      {"next_renewal_at", c.auto_renew && issued ? TimeOrNull(c.next_renewal_at) : nullptr},
  };
}

}  // namespace certadns::notify
