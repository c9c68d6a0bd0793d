// OpenMasterKey: the service's master key, checked against the database it seals secrets in.
// The database records the key's fingerprint (never the key); a node whose key file differs
// refuses to start, and a key is created only for a database that holds nothing sealed yet.
// RotateMasterKey: re-seals every secret under a new master key with no downtime
// (docs/operations.md, "Master-key rotation").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/secret_box.h"
#include "store/master_key_record.h"

namespace certadns::app {

/// Loads the key at `key_file` and records its fingerprint in `db` (first use) or checks it
/// against the recorded one. Creates the file (0600) only when it is missing and `db` holds
/// no sealed data and no fingerprint. kFailedPrecondition, with the reason and what to do,
/// when the key is missing for a database that needs one or does not match the recorded one.
/// `previous_key_files` (secrets.previous_master_key_files, during a rotation): keys the box
/// also opens with; the recorded fingerprint may be one of theirs (the rotation has not
/// finished), and each must exist.
core::Result<crypto::SecretBox> OpenMasterKey(const std::string& key_file,
                                              store::MasterKeyRecord& db,
                                              const std::vector<std::string>& previous_key_files = {});

struct RotationReport {
  int64_t resealed = 0;       // values sealed again under the new key
  int64_t already_new = 0;    // values found sealed under the new key already
  bool recorded = false;      // the database's fingerprint changed to the new key's
};

/// Re-seals every sealed value of `db` under `box`'s own key (opening each with `box`'s own
/// or previous keys), `batch` rows per read, each replaced only if unchanged meanwhile;
/// passes are repeated until one finds nothing left under an old key, then the database
/// records `box`'s fingerprint in place of the old key's. Idempotent: a rotation cut short
/// is run again. kFailedPrecondition when a value opens under none of the keys, or values
/// keep appearing under an old key (a node still running with only the old key).
core::Result<RotationReport> RotateMasterKey(store::MasterKeyRecord& db,
                                             const crypto::SecretBox& box, int batch = 200);

}  // namespace certadns::app
