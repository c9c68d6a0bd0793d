// AccountStore: users, their API keys and their dashboard sessions. Every method is atomic;
// implementations are thread-safe and safe to share between processes.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/records.h"

namespace certadns::store {

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  /// kAlreadyExists when the email is taken.
  virtual core::Status CreateUser(const User& user) = 0;
  virtual core::Result<User> GetUserByEmail(const std::string& email) = 0;
  virtual core::Result<User> GetUser(const std::string& id) = 0;
  /// kNotFound when no user has `email`.
  virtual core::Status SetUserPlan(const std::string& email, const std::string& plan) = 0;
  virtual core::Status SetUserPassword(const std::string& email,
                                       const std::string& password_hash) = 0;
  /// Sets the password hash of user `user_id` and ends every session of that user except
  /// `keep_session_hash`, in one transaction; kNotFound when there is no such user.
  virtual core::Status ChangePassword(const std::string& user_id, const std::string& password_hash,
                                      const std::string& keep_session_hash) = 0;
  /// Inserts the key unless its owner already has `max_active` unrevoked keys
  /// (kResourceExhausted, nothing written), checked in the same transaction.
  virtual core::Status CreateApiKey(const ApiKey& key,
                                    int max_active = std::numeric_limits<int>::max()) = 0;
  /// The unrevoked key whose hash is `key_hash`, with its owner; kNotFound otherwise.
  virtual core::Result<ApiKeyOwner> FindApiKeyOwner(const std::string& key_hash) = 0;
  /// Records a use of key `id` at `now`, unless one at or after now - kApiKeyUseResolution
  /// is recorded already. Best effort: it does not wait for a lock another process holds
  /// (kUnavailable then, nothing written).
  virtual core::Status TouchApiKey(const std::string& id, core::TimePoint now) = 0;
  virtual core::Result<std::vector<ApiKey>> ListApiKeys(const std::string& user_id) = 0;
  /// Revokes `user_id`'s key whose id or prefix is `id_or_prefix`; kNotFound otherwise.
  virtual core::Status RevokeApiKey(const std::string& user_id, const std::string& id_or_prefix,
                                    core::TimePoint now) = 0;
  virtual core::Status CreateSession(const Session& session) = 0;
  /// The unexpired session with `token_hash` at `now`; kNotFound otherwise.
  virtual core::Result<Session> FindSession(const std::string& token_hash,
                                            core::TimePoint now) = 0;
  virtual core::Status DeleteSession(const std::string& token_hash) = 0;
};

}  // namespace certadns::store
