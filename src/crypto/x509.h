// X.509 certificate parsing (OpenSSL): what the service needs to know of an issued
// certificate. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace certadns::crypto {

struct CertificateInfo {
  core::TimePoint not_before;
  core::TimePoint not_after;
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries, in order
  std::string serial_hex;              // lower-case hex, no leading zeros stripped beyond OpenSSL's
  std::string subject_cn;
  std::string issuer_cn;
};

/// Parses the first certificate of a PEM bundle. kInvalidArgument when there is none.
core::Result<CertificateInfo> ParseCertificate(std::string_view pem);

/// Splits a PEM bundle (RFC 8555 §7.4.2 application/pem-certificate-chain) into its
/// certificates, each a full "-----BEGIN CERTIFICATE-----...END...\n" block, in order.
std::vector<std::string> SplitPemChain(std::string_view pem);

/// RFC 9773 §4.1 ARI certificate identifier of the first certificate in `pem`:
/// base64url(authorityKeyIdentifier keyIdentifier) "." base64url(serial number DER content
/// octets), unpadded. kInvalidArgument when there is no certificate or it has no AKI keyid.
core::Result<std::string> AriCertificateId(std::string_view pem);

/// The public key of the first certificate in `pem` as DER SubjectPublicKeyInfo
/// (PrivateKey::PublicKeyDer of its key). kInvalidArgument when there is no certificate.
core::Result<std::string> CertificatePublicKeyDer(std::string_view pem);

/// DER bytes of the first certificate in `pem` (for revokeCert, RFC 8555 §7.6).
core::Result<std::string> CertificatePemToDer(std::string_view pem);

/// True when `leaf_pem` verifies against `chain_pem` (intermediates) up to `root_pem` (one or
/// more trust anchors), at the current time. Certificates after the first in `leaf_pem` are
/// used as intermediates too, so a full ACME bundle can be passed with an empty `chain_pem`.
bool VerifyChain(std::string_view leaf_pem, std::string_view chain_pem, std::string_view root_pem);

}  // namespace certadns::crypto
