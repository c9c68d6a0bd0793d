// KeyPoolStore: durable storage of the issuance key pool (issuance::KeyPool). Keys arrive
// sealed (crypto::SecretBox, the master key) and leave sealed; the store never sees a key in
// the clear. A key is taken by deleting its row in the same transaction that reads it, so
// no two takers (threads or processes sharing the database) ever get the same key.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace certadns::store {

struct PooledKey {
  std::string id;          // "pkey_..."; also the sealing's associated data
  std::string sealed_key;  // SecretBox::Seal of the PEM
};

class KeyPoolStore {
 public:
  virtual ~KeyPoolStore() = default;

  /// Adds a sealed key to the pool. kAlreadyExists when `key.id` is there.
  virtual core::Status AddPooledKey(const PooledKey& key, core::TimePoint created_at) = 0;
  /// Removes the oldest key from the pool and returns it; nullopt when the pool is empty.
  virtual core::Result<std::optional<PooledKey>> TakePooledKey() = 0;
  /// How many keys the pool holds.
  virtual core::Result<int64_t> CountPooledKeys() = 0;
};

}  // namespace certadns::store
