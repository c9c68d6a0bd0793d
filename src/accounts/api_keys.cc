#include "accounts/api_keys.h"

#include "core/errors.h"
#include "crypto/api_key.h"
#include "crypto/encoding.h"

namespace certadns::accounts {

core::Result<CreatedApiKey> CreateApiKey(store::AccountStore& store, const store::User& user,
                                         core::TimePoint now) {
  crypto::NewApiKey key = crypto::GenerateApiKey();
  store::ApiKey row{
      crypto::RandomId("key"), user.id, key.key_hash, key.prefix, now, std::nullopt, std::nullopt};
  auto created = store.CreateApiKey(row, kMaxActiveApiKeys);
  if (!created.ok() && created.error().code() == core::ErrorCode::kResourceExhausted) {
    return core::errors::ApiKeyLimitReached(kMaxActiveApiKeys);
  }
  RETURN_IF_ERROR(created);
  return CreatedApiKey{std::move(row), std::move(key.key)};
}

core::Result<std::vector<store::ApiKey>> ListActiveApiKeys(store::AccountStore& store,
                                                           const std::string& user_id) {
  ASSIGN_OR_RETURN(std::vector<store::ApiKey> keys, store.ListApiKeys(user_id));
  std::erase_if(keys, [](const store::ApiKey& key) { return key.revoked_at.has_value(); });
  return keys;
}

}  // namespace certadns::accounts
