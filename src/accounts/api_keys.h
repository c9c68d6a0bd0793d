// API keys of an account: the one place a key is made (for `certadns apikey create` and
// POST /api-keys alike), bounded per account, and the listing its owner sees. Thread-safe
// as the store is.
#pragma once

#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/secret.h"
#include "store/account_store.h"
#include "store/records.h"

namespace certadns::accounts {

/// Unrevoked keys an account may hold at once.
inline constexpr int kMaxActiveApiKeys = 20;

struct CreatedApiKey {
  store::ApiKey row;         // as stored: only the key's hash and its display prefix
  crypto::SecretString key;  // the whole key, to show its owner once; never stored
};

/// Makes a random key for `user` and stores its hash. errors::ApiKeyLimitReached when the
/// account has kMaxActiveApiKeys unrevoked keys already (checked atomically by the store).
/// The plan is not checked here: API access by plan is the caller's concern.
core::Result<CreatedApiKey> CreateApiKey(store::AccountStore& store, const store::User& user,
                                         core::TimePoint now);

/// `user_id`'s unrevoked keys, oldest first.
core::Result<std::vector<store::ApiKey>> ListActiveApiKeys(store::AccountStore& store,
                                                           const std::string& user_id);

}  // namespace certadns::accounts
