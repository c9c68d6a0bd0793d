// PrivateKey::Impl, the EVP_PKEY behind a PrivateKey, for the other files of src/crypto/ that
// hand the key to OpenSSL (CSR signing). Private to src/crypto/. Thread-safe for const use.
#pragma once

#include "crypto/openssl_ptr.h"
#include "crypto/private_key.h"

namespace certadns::crypto {

struct PrivateKey::Impl {
  EvpPkeyPtr pkey;  // never null; an RSA key or an EC key on P-256, as `kind` says
  Kind kind = Kind::kRsa;
};

}  // namespace certadns::crypto
