// PKCS#12 (RFC 7292) files for the certificate download: the leaf, its chain and the private
// key in one passphrase-protected file, as Windows, Java keystores and many appliances want it.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/secret.h"

namespace certadns::crypto {

/// The longest passphrase accepted (bytes). Longer ones are a client mistake, not a secret.
inline constexpr size_t kMaxPkcs12PassphraseBytes = 1024;

/// DER bytes of a PKCS#12 file holding `private_key_pem`, the first certificate of
/// `certificate_pem` (named `friendly_name`) and every certificate of `chain_pem`.
/// Encrypted as OpenSSL 3 does by default (AES-256-CBC, PBKDF2 with HMAC-SHA256, MAC
/// HMAC-SHA256), so `openssl pkcs12` opens it without -legacy. kInvalidArgument when the
/// passphrase is empty or longer than kMaxPkcs12PassphraseBytes, or the PEMs do not parse or
/// the key does not match the certificate. The passphrase is never kept or logged.
core::Result<std::string> MakePkcs12(std::string_view certificate_pem, std::string_view chain_pem,
                                     const SecretString& private_key_pem,
                                     const SecretString& passphrase,
                                     const std::string& friendly_name);

}  // namespace certadns::crypto
