// Test-only PKI: certificates made at test time with OpenSSL (no key material is committed),
// and RSA keys cached per process because generating them is the slow part. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "crypto/openssl_ptr.h"
#include "crypto/private_key.h"

namespace certadns::crypto::testing {

/// The i-th (0..3) process-wide RSA-2048 test key, generated on first use.
const PrivateKey& TestKey(int index);

/// The key as an OpenSSL object, via its PEM (independent of PrivateKey's internals).
EvpPkeyPtr ToEvpPkey(const PrivateKey& key);

struct CertSpec {
  std::string subject_cn;
  std::vector<std::string> dns_names;  // subjectAltName; none when empty
  std::string serial_hex = "01";
  core::TimePoint not_before;
  core::TimePoint not_after;
  bool is_ca = false;
  std::string authority_key_id;  // raw keyIdentifier bytes of an AKI extension; none when empty
};

/// Validity from an hour ago to 30 days ahead, i.e. valid now.
CertSpec ValidNow(std::string subject_cn, std::vector<std::string> dns_names = {},
                  bool is_ca = false);

/// A PEM certificate for `subject_key` per `spec`, signed by `issuer_key`. Self-signed when
/// `issuer_cert_pem` is empty (then `issuer_key` should be `subject_key`).
std::string MakeCertificatePem(const PrivateKey& subject_key, const CertSpec& spec,
                               const PrivateKey& issuer_key,
                               const std::string& issuer_cert_pem = "");

}  // namespace certadns::crypto::testing
