#include "app/master_key.h"

#include <optional>

namespace certadns::app {
namespace {

// Enough of a fingerprint to tell two keys apart in a message.
std::string Short(const std::string& fingerprint) { return fingerprint.substr(0, 16); }

}  // namespace

core::Result<crypto::SecretBox> OpenMasterKey(const std::string& key_file,
                                              store::MasterKeyRecord& db) {
  auto loaded = crypto::SecretBox::LoadKeyFile(key_file);
  if (!loaded.ok() && loaded.error().code() == core::ErrorCode::kNotFound) {
    ASSIGN_OR_RETURN(std::optional<std::string> recorded, db.GetMasterKeyFingerprint());
    ASSIGN_OR_RETURN(bool holds_sealed, db.HoldsSealedData());
    if (recorded || holds_sealed) {
      std::string which = recorded ? " (fingerprint " + Short(*recorded) + ")" : "";
      return core::FailedPrecondition(
          "master key " + key_file + " is missing, but the database already holds secrets " +
          "sealed under a master key" + which + ": copy that key file here (every node " +
          "uses the same one) or restore it from a backup; a new key could not open them");
    }
    loaded = crypto::SecretBox::FromKeyFile(key_file);  // a new database: a new key
  }
  if (!loaded.ok()) return loaded.error();
  std::string fingerprint = loaded->Fingerprint();
  ASSIGN_OR_RETURN(std::string recorded, db.RecordMasterKeyFingerprint(fingerprint));
  if (recorded != fingerprint) {
    return core::FailedPrecondition(
        "master key " + key_file + " is not the key this database's secrets are sealed " +
        "under (its fingerprint " + Short(fingerprint) + ", the database's " + Short(recorded) +
        "): every node must use the same master key file");
  }
  return std::move(*loaded);
}

}  // namespace certadns::app
