// OpenMasterKey: the service's master key, checked against the database it seals secrets in.
// The database records the key's fingerprint (never the key); a node whose key file differs
// refuses to start, and a key is created only for a database that holds nothing sealed yet.
#pragma once

#include <string>

#include "core/result.h"
#include "crypto/secret_box.h"
#include "store/master_key_record.h"

namespace certadns::app {

/// Loads the key at `key_file` and records its fingerprint in `db` (first use) or checks it
/// against the recorded one. Creates the file (0600) only when it is missing and `db` holds
/// no sealed data and no fingerprint. kFailedPrecondition, with the reason and what to do,
/// when the key is missing for a database that needs one or does not match the recorded one.
core::Result<crypto::SecretBox> OpenMasterKey(const std::string& key_file,
                                              store::MasterKeyRecord& db);

}  // namespace certadns::app
