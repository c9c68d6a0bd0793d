// Certificate signing requests (PKCS#10) for ACME finalize (RFC 8555 §7.4). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/private_key.h"

namespace certadns::crypto {

/// DER-encoded CSR signed with `key` (SHA-256): subject CN = names[0], and every name
/// (including names[0]) in a subjectAltName extension of dNSName entries. Names are already
/// normalised (lower case, punycode, "*.x" for wildcards). kInvalidArgument when empty.
core::Result<std::string> CreateCsrDer(const PrivateKey& key,
                                       const std::vector<std::string>& names);

}  // namespace certadns::crypto
