// The certificate domain model: lifecycle states, the certificate record and its event log.
// Plain value types, thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace certadns::core {

/// The spec's lifecycle: pending (initial), validating (ACME challenge in progress),
/// issued, failed, expired, revoked.
enum class CertificateState { kPending, kValidating, kIssued, kFailed, kExpired, kRevoked };

std::string_view ToString(CertificateState state);
std::optional<CertificateState> ParseCertificateState(std::string_view text);
/// Active states (pending, validating, issued): a domain has at most one active certificate
/// per account (the spec's "one active certificate").
bool IsActive(CertificateState state);

struct Certificate {
  std::string id;        // "cert_..."
  std::string owner_id;  // "user_..."
  std::string zone_id;   // "zone_..."
  std::string zone_name; // "example.com" (no trailing dot)
  std::string domain;    // primary name, "*.example.com" for wildcards
  std::vector<std::string> sans;  // additional names, without the primary
  bool is_wildcard = false;
  bool auto_renew = false;
  CertificateState status = CertificateState::kPending;
  std::optional<TimePoint> issued_at;
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> next_renewal_at;
  std::string serial;           // hex, of the current certificate
  std::string certificate_pem;  // leaf
  std::string chain_pem;        // intermediates
  /// A certificate is installed. Lists leave the PEMs out (they are most of a row's bytes)
  /// and set only this.
  bool has_certificate = false;
  TimePoint created_at;
  TimePoint updated_at;

  /// Every name on the certificate: the primary domain first, then the SANs.
  std::vector<std::string> AllNames() const;
};

enum class EventLevel { kInfo, kWarning, kError };
std::string_view ToString(EventLevel level);

/// One line of a certificate's log (GET /certificates/{id}/logs).
struct CertificateEvent {
  TimePoint at;
  EventLevel level = EventLevel::kInfo;
  std::string message;
};

}  // namespace certadns::core
