#include "core/certificate.h"

namespace certadns::core {

std::string_view ToString(CertificateState state) {
  switch (state) {
    case CertificateState::kPending: return "pending";
    case CertificateState::kValidating: return "validating";
    case CertificateState::kIssued: return "issued";
    case CertificateState::kFailed: return "failed";
    case CertificateState::kExpired: return "expired";
    case CertificateState::kRevoked: return "revoked";
  }
  return "unknown";
}

std::optional<CertificateState> ParseCertificateState(std::string_view text) {
  for (auto s : {CertificateState::kPending, CertificateState::kValidating,
                 CertificateState::kIssued, CertificateState::kFailed,
                 CertificateState::kExpired, CertificateState::kRevoked}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view ToString(EventLevel level) {
  switch (level) {
    case EventLevel::kInfo: return "info";
    case EventLevel::kWarning: return "warning";
    case EventLevel::kError: return "error";
  }
  return "info";
}

std::vector<std::string> Certificate::AllNames() const {
  std::vector<std::string> names{domain};
  names.insert(names.end(), sans.begin(), sans.end());
  return names;
}

bool IsActive(CertificateState state) {
  return state == CertificateState::kPending || state == CertificateState::kValidating ||
         state == CertificateState::kIssued;
}

}  // namespace certadns::core
