// MasterKeyRecord: what a database knows of the master key that seals its secrets (never the
// key itself), so that every node sharing the database checks it holds the same key file
// before it reads or writes a sealed value. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"

namespace certadns::store {

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
};

}  // namespace certadns::store
