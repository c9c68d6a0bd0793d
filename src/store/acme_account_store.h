// AcmeAccountStore: the service's own ACME account key per CA directory, shared by every
// node. Every method is atomic; implementations are thread-safe and safe to share between
// processes.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"

namespace certadns::store {

class AcmeAccountStore {
 public:
  virtual ~AcmeAccountStore() = default;

  /// The sealed account key for `directory_url`, if one was stored.
  virtual core::Result<std::optional<std::string>> GetAcmeAccountKey(
      const std::string& directory_url) = 0;
  /// Stores the key unless one exists already; returns the one that is stored afterwards
  /// (so racing nodes agree on a single account).
  virtual core::Result<std::string> PutAcmeAccountKey(const std::string& directory_url,
                                                      const std::string& sealed_key) = 0;
};

}  // namespace certadns::store
