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
  // Member by member: an initializer list builds every pair as a two-element array first,
  // which made this the costliest part of listing 100 certificates.
  nlohmann::json o(nlohmann::json::value_t::object);
  o["id"] = c.id;
  o["domain"] = c.domain;
  o["sans"] = c.sans;
  o["is_wildcard"] = c.is_wildcard;
  o["auto_renew"] = c.auto_renew;
  o["status"] = std::string(core::ToString(c.status));
  o["issued_at"] = issued ? TimeOrNull(c.issued_at) : nullptr;
  o["expires_at"] = issued ? TimeOrNull(c.expires_at) : nullptr;
  o["next_renewal_at"] = c.auto_renew && issued ? TimeOrNull(c.next_renewal_at) : nullptr;
  return o;
}

}  // namespace certadns::notify
