// MasterKeyRecord: what a database knows of the master key that seals its secrets (never the
// key itself), so that every node sharing the database checks it holds the same key file
// before it reads or writes a sealed value; and the sealed values themselves, listed and
// replaced one by one, for a master-key rotation (app/master_key_rotation.h). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace certadns::store {

/// Where values sealed under the master key live.
enum class SealedColumn {
  kCertificateKey,  // a certificate's private key; bound to the certificate id
  kJobKey,          // a running job's new key; bound to its certificate's id
  kAcmeAccountKey,  // the ACME account key; bound to the directory URL
  kPooledKey,       // a pooled key (KeyPoolStore); bound to its own id
  kWebhookSecret,   // a webhook's signing secret (NotificationStore); bound to its own id
};
inline constexpr SealedColumn kSealedColumns[] = {
    SealedColumn::kCertificateKey, SealedColumn::kJobKey, SealedColumn::kAcmeAccountKey,
    SealedColumn::kPooledKey, SealedColumn::kWebhookSecret};

/// One sealed value: its row's id, the record it is bound to (see SealedColumn), the blob.
struct SealedValue {
  std::string id;
  std::string owner;
  std::string sealed;
};

/// The SQL backends' table, key, owner expression and column for `column` (one schema).
struct SealedColumnSql {
  const char* table;
  const char* id;
  const char* owner;
  const char* value;
};
SealedColumnSql SqlOf(SealedColumn column);

class MasterKeyRecord {
 public:
  virtual ~MasterKeyRecord() = default;

  /// The master key fingerprint recorded in the database; nullopt when none is.
  virtual core::Result<std::optional<std::string>> GetMasterKeyFingerprint() = 0;
  /// Records `fingerprint` unless one is recorded already, and returns the one recorded
  /// afterwards (two nodes starting at once agree on a single key).
  virtual core::Result<std::string> RecordMasterKeyFingerprint(const std::string& fingerprint) = 0;
  /// Whether the database holds values sealed under some master key: ACME account keys,
  /// certificates (their private keys, or their jobs' keys) or pooled keys (KeyPoolStore).
  virtual core::Result<bool> HoldsSealedData() = 0;

  // Rotation.
  /// Up to `limit` values of `column` whose row id sorts after `after_id` (""= from the
  /// start), by id: a rotation's bounded batches.
  virtual core::Result<std::vector<SealedValue>> ListSealedValues(SealedColumn column,
                                                                  const std::string& after_id,
                                                                  int limit) = 0;
  /// Sets row `id`'s value to `sealed` if it still holds `expected`; false, with nothing
  /// written, when the row changed or went meanwhile.
  virtual core::Result<bool> ReplaceSealedValue(SealedColumn column, const std::string& id,
                                                const std::string& expected,
                                                const std::string& sealed) = 0;
  /// Records `fingerprint` in place of `expected`; kFailedPrecondition (nothing written)
  /// when the database records another fingerprint, or none.
  virtual core::Status ReplaceMasterKeyFingerprint(const std::string& expected,
                                                   const std::string& fingerprint) = 0;
};

}  // namespace certadns::store
