// The ACME account key: one per directory URL, generated on first use and kept sealed in the
// store, so every node and every restart speaks as the same account. Thread-safe.
#pragma once

#include <string>

#include "crypto/private_key.h"
#include "crypto/secret_box.h"
#include "store/acme_account_store.h"

namespace certadns::issuance {

/// The associated data the account key of `directory_url` is sealed with.
std::string AccountKeyAad(const std::string& directory_url);

/// Loads the account key for `directory_url`, creating and storing it when there is none: a
/// new key is EC P-256 (JWS ES256); a stored key, RSA or EC, is used as it is.
/// When two nodes race, both end with the key that was stored first.
core::Result<crypto::PrivateKey> LoadOrCreateAccountKey(store::AcmeAccountStore& store,
                                                        const crypto::SecretBox& box,
                                                        const std::string& directory_url);

}  // namespace certadns::issuance
