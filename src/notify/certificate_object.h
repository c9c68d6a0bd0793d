// The spec's certificate object (section 8): what GET /certificates/{id} answers and what
// each notification event carries, built in one place for both. Pure function.
#pragma once

#include <nlohmann/json.hpp>

#include "core/certificate.h"

namespace certadns::notify {

/// {"id", "domain", "sans", "is_wildcard", "auto_renew", "status", "issued_at",
/// "expires_at", "next_renewal_at"}; the times are null until a certificate is installed
/// (next_renewal_at also without auto-renewal).
nlohmann::json CertificateObject(const core::Certificate& c);

}  // namespace certadns::notify
