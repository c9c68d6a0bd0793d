#include "app/master_key.h"

#include <algorithm>
#include <optional>

#include "issuance/account_key.h"

namespace certadns::app {
namespace {

// Enough of a fingerprint to tell two keys apart in a message.
std::string Short(const std::string& fingerprint) { return fingerprint.substr(0, 16); }

// The associated data a value of `column` bound to `owner` is sealed with.
std::string AadOf(store::SealedColumn column, const std::string& owner) {
  return column == store::SealedColumn::kAcmeAccountKey ? issuance::AccountKeyAad(owner) : owner;
}

std::string_view NameOf(store::SealedColumn column) {
  switch (column) {
    case store::SealedColumn::kCertificateKey: return "certificate private key";
    case store::SealedColumn::kJobKey: return "job key";
    case store::SealedColumn::kAcmeAccountKey: return "ACME account key";
    case store::SealedColumn::kPooledKey: return "pooled key";
    case store::SealedColumn::kWebhookSecret: return "webhook secret";
  }
  return "value";
}

// One pass over every sealed value; returns how many it found under an old key (sealed
// again, or changed meanwhile and left for the next pass).
core::Result<int64_t> ResealPass(store::MasterKeyRecord& db, const crypto::SecretBox& box,
                                 int batch, RotationReport& report, bool count_current) {
  int64_t old = 0;
  for (store::SealedColumn column : store::kSealedColumns) {
    std::string after;
    while (true) {
      ASSIGN_OR_RETURN(auto values, db.ListSealedValues(column, after, batch));
      for (const store::SealedValue& value : values) {
        const std::string aad = AadOf(column, value.owner);
        if (box.SealedUnderThisKey(value.sealed, aad)) {
          if (count_current) ++report.already_new;
          continue;
        }
        auto plain = box.Open(value.sealed, aad);
        if (!plain.ok()) {
          return core::FailedPrecondition(
              std::string(NameOf(column)) + " " + value.id + " opens under neither the " +
              "current master key nor secrets.previous_master_key_files: list the key it " +
              "was sealed under there");
        }
        ASSIGN_OR_RETURN(std::string sealed, box.Seal(plain->reveal(), aad));
        ASSIGN_OR_RETURN(bool replaced, db.ReplaceSealedValue(column, value.id, value.sealed,
                                                              sealed));
        // Not replaced: the row changed or went meanwhile; the next pass looks again.
        ++old;
        if (replaced) ++report.resealed;
      }
      if (values.size() < static_cast<size_t>(batch)) break;
      after = values.back().id;
    }
  }
  return old;
}

}  // namespace

core::Result<crypto::SecretBox> OpenMasterKey(const std::string& key_file,
                                              store::MasterKeyRecord& db,
                                              const std::vector<std::string>& previous_key_files) {
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
    if (!previous_key_files.empty()) {
      return core::FailedPrecondition("master key " + key_file + " is missing; during a " +
                                      "rotation it is the new key file, made beforehand");
    }
    loaded = crypto::SecretBox::FromKeyFile(key_file);  // a new database: a new key
  }
  if (!loaded.ok()) return loaded.error();
  for (const std::string& file : previous_key_files) {
    auto previous = crypto::SecretBox::LoadKeyFile(file);
    if (!previous.ok()) {
      return previous.error().Wrap("secrets.previous_master_key_files");
    }
    loaded->AddPreviousKey(*previous);
  }
  const std::string fingerprint = loaded->Fingerprint();
  const std::vector<std::string> previous = loaded->PreviousFingerprints();
  ASSIGN_OR_RETURN(std::optional<std::string> existing, db.GetMasterKeyFingerprint());
  // A rotation in progress: the database still records a previous key's fingerprint.
  if (existing && std::find(previous.begin(), previous.end(), *existing) != previous.end()) {
    return std::move(*loaded);
  }
  ASSIGN_OR_RETURN(std::string recorded, db.RecordMasterKeyFingerprint(fingerprint));
  if (recorded != fingerprint) {
    return core::FailedPrecondition(
        "master key " + key_file + " is not the key this database's secrets are sealed " +
        "under (its fingerprint " + Short(fingerprint) + ", the database's " + Short(recorded) +
        "): every node must use the same master key file; after a master-key rotation " +
        "that is the new key");
  }
  return std::move(*loaded);
}

core::Result<RotationReport> RotateMasterKey(store::MasterKeyRecord& db,
                                             const crypto::SecretBox& box, int batch) {
  ASSIGN_OR_RETURN(std::optional<std::string> recorded, db.GetMasterKeyFingerprint());
  const std::string fingerprint = box.Fingerprint();
  const std::vector<std::string> previous = box.PreviousFingerprints();
  if (!recorded) return core::FailedPrecondition("the database records no master key yet");
  if (*recorded != fingerprint &&
      std::find(previous.begin(), previous.end(), *recorded) == previous.end()) {
    return core::FailedPrecondition(
        "the database's master key (" + Short(*recorded) + ") is neither " +
        "secrets.master_key_file nor one of secrets.previous_master_key_files");
  }
  RotationReport report;
  // Values written meanwhile by a node still sealing under the old key show up in the next
  // pass; bounded, since such a node would write them forever.
  constexpr int kPasses = 5;
  for (int pass = 0; pass < kPasses; ++pass) {
    ASSIGN_OR_RETURN(int64_t old, ResealPass(db, box, batch, report, pass == 0));
    if (old == 0) {
      if (*recorded != fingerprint) {
        RETURN_IF_ERROR(db.ReplaceMasterKeyFingerprint(*recorded, fingerprint));
        report.recorded = true;
      }
      return report;
    }
  }
  return core::FailedPrecondition(
      "values are still being sealed under an old master key after " +
      std::to_string(kPasses) + " passes: restart every node with the new key in " +
      "secrets.master_key_file (the old one in secrets.previous_master_key_files), then " +
      "run the rotation again");
}

}  // namespace certadns::app
