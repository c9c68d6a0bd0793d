// SqliteStore's accounts: users, API keys and dashboard sessions. Secrets are never stored,
// only the SHA-256 hashes the caller computed (api_keys.key_hash, sessions.token_hash).
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {
namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

constexpr std::string_view kUserColumns = "id, email, plan, password_hash, created_at";

constexpr std::string_view kKeyColumns =
    "k.id, k.user_id, k.key_hash, k.prefix, k.created_at, k.revoked_at, k.last_used_at";

std::optional<int64_t> OptionalMillis(const std::optional<core::TimePoint>& t) {
  return t ? std::optional<int64_t>(ToUnixMillis(*t)) : std::nullopt;
}

// The key whose kKeyColumns start at column `first`.
ApiKey ReadKey(const Statement& s, int first) {
  ApiKey key;
  key.id = s.Text(first);
  key.user_id = s.Text(first + 1);
  key.key_hash = s.Text(first + 2);
  key.prefix = s.Text(first + 3);
  key.created_at = FromUnixMillis(s.Int(first + 4));
  if (auto revoked = s.OptionalInt(first + 5)) key.revoked_at = FromUnixMillis(*revoked);
  if (auto used = s.OptionalInt(first + 6)) key.last_used_at = FromUnixMillis(*used);
  return key;
}

User ReadUser(const Statement& s) {
  User user;
  user.id = s.Text(0);
  user.email = s.Text(1);
  user.plan = s.Text(2);
  user.password_hash = s.Text(3);
  user.created_at = FromUnixMillis(s.Int(4));
  return user;
}

}  // namespace

core::Result<User> SqliteStore::QueryUser(Connection& db, const std::string& where,
                                          const std::string& value) {
  Statement s(db, "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + where);
  s.Bind(1, value);
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return core::NotFound("no such user");
  }
  return ReadUser(s);
}

core::Status SqliteStore::CreateUser(const User& user) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT INTO users(id, email, plan, password_hash, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)");
  s.Bind(1, user.id).Bind(2, user.email).Bind(3, user.plan).Bind(4, user.password_hash);
  s.Bind(5, ToUnixMillis(user.created_at));
  return s.Run();
}

core::Result<User> SqliteStore::GetUserByEmail(const std::string& email) {
  ReadLease db(*this);
  auto user = QueryUser(*db, "email = ?1", email);
  if (!user.ok() && user.error().code() == core::ErrorCode::kNotFound) {
    return core::NotFound("no user with email " + email);
  }
  return user;
}

core::Result<User> SqliteStore::GetUser(const std::string& id) {
  ReadLease db(*this);
  auto user = QueryUser(*db, "id = ?1", id);
  if (!user.ok() && user.error().code() == core::ErrorCode::kNotFound) {
    return core::NotFound("user " + id);
  }
  return user;
}

core::Status SqliteStore::SetUserPlan(const std::string& email, const std::string& plan) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE users SET plan = ?2 WHERE email = ?1");
  RETURN_IF_ERROR(s.Bind(1, email).Bind(2, plan).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("no user with email " + email);
  return core::Ok();
}

core::Status SqliteStore::SetUserPassword(const std::string& email,
                                          const std::string& password_hash) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE users SET password_hash = ?2 WHERE email = ?1");
  RETURN_IF_ERROR(s.Bind(1, email).Bind(2, password_hash).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("no user with email " + email);
  return core::Ok();
}

core::Status SqliteStore::CreateApiKey(const ApiKey& key, int max_active) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(
      int64_t active,
      Count(db_, "SELECT COUNT(*) FROM api_keys WHERE user_id = ?1 AND revoked_at IS NULL",
            key.user_id));
  if (active >= max_active) {
    return core::Error(core::ErrorCode::kResourceExhausted,
                       "at most " + std::to_string(max_active) + " active API keys per account");
  }
  Statement s(db_,
              "INSERT INTO api_keys(id, user_id, key_hash, prefix, created_at, revoked_at, "
              "last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.Bind(1, key.id).Bind(2, key.user_id).Bind(3, key.key_hash).Bind(4, key.prefix);
  s.Bind(5, ToUnixMillis(key.created_at));
  s.Bind(6, OptionalMillis(key.revoked_at)).Bind(7, OptionalMillis(key.last_used_at));
  RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

core::Result<ApiKeyOwner> SqliteStore::FindApiKeyOwner(const std::string& key_hash) {
  ReadLease db(*this);
  Statement s(*db, "SELECT u.id, u.email, u.plan, u.password_hash, u.created_at, " +
                       std::string(kKeyColumns) +
                       " FROM api_keys k JOIN users u ON u.id = k.user_id "
                       "WHERE k.key_hash = ?1 AND k.revoked_at IS NULL");
  s.Bind(1, key_hash);
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return core::NotFound("no such API key");  // the hash is not worth echoing
  }
  return ApiKeyOwner{ReadUser(s), ReadKey(s, 5)};
}

core::Status SqliteStore::TouchApiKey(const std::string& id, core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND "
              "(last_used_at IS NULL OR last_used_at <= ?3)");
  s.Bind(1, id).Bind(2, ToUnixMillis(now)).Bind(3, ToUnixMillis(now - kApiKeyUseResolution));
  // Never waits for the write lock: while another process holds it, this use goes
  // unrecorded (the next call records it), and the request it came with is not delayed.
  sqlite3_busy_timeout(db_, 0);
  core::Status status = s.Run();
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  return status;
}

core::Result<std::vector<ApiKey>> SqliteStore::ListApiKeys(const std::string& user_id) {
  ReadLease db(*this);
  Statement s(*db, "SELECT " + std::string(kKeyColumns) +
                       " FROM api_keys k WHERE k.user_id = ?1 ORDER BY k.created_at, k.id");
  s.Bind(1, user_id);
  std::vector<ApiKey> keys;
  while (s.Step()) keys.push_back(ReadKey(s, 0));
  RETURN_IF_ERROR(s.status());
  return keys;
}

core::Status SqliteStore::RevokeApiKey(const std::string& user_id,
                                       const std::string& id_or_prefix, core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  bool matched = false;
  std::vector<std::string> live;  // unrevoked matches
  {
    Statement s(db_, "SELECT id, revoked_at IS NULL FROM api_keys "
                     "WHERE user_id = ?1 AND (id = ?2 OR prefix = ?2)");
    s.Bind(1, user_id).Bind(2, id_or_prefix);
    while (s.Step()) {
      matched = true;
      if (s.Int(1) != 0) live.push_back(s.Text(0));
    }
    RETURN_IF_ERROR(s.status());
  }
  if (!matched) return core::NotFound("no API key " + id_or_prefix);
  // Revoking twice is harmless and keeps the first revocation time.
  if (live.empty()) return core::Ok();
  if (live.size() > 1) {
    return core::InvalidArgument("prefix " + id_or_prefix + " matches " +
                                 std::to_string(live.size()) + " keys; give the key id");
  }
  Statement s(db_, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1");
  RETURN_IF_ERROR(s.Bind(1, live.front()).Bind(2, ToUnixMillis(now)).Run());
  return tx.Commit();
}

core::Status SqliteStore::ChangePassword(const std::string& user_id,
                                         const std::string& password_hash,
                                         const std::string& keep_session_hash) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  {
    Statement s(db_, "UPDATE users SET password_hash = ?2 WHERE id = ?1");
    RETURN_IF_ERROR(s.Bind(1, user_id).Bind(2, password_hash).Run());
    if (sqlite3_changes(db_) != 1) return core::NotFound("user " + user_id);
  }
  Statement s(db_, "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2");
  RETURN_IF_ERROR(s.Bind(1, user_id).Bind(2, keep_session_hash).Run());
  return tx.Commit();
}

core::Status SqliteStore::CreateSession(const Session& session) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  {
    // Logins sweep out sessions that have expired, so the table does not grow forever.
    Statement sweep(db_, "DELETE FROM sessions WHERE expires_at <= ?1");
    RETURN_IF_ERROR(sweep.Bind(1, ToUnixMillis(session.created_at)).Run());
  }
  Statement s(db_, "INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, "
                   "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.Bind(1, session.token_hash).Bind(2, session.user_id).Bind(3, session.csrf_token);
  s.Bind(4, ToUnixMillis(session.created_at)).Bind(5, ToUnixMillis(session.expires_at));
  RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

core::Result<Session> SqliteStore::FindSession(const std::string& token_hash,
                                               core::TimePoint now) {
  ReadLease db(*this);
  Statement s(*db,
              "SELECT token_hash, user_id, csrf_token, created_at, expires_at "
              "FROM sessions WHERE token_hash = ?1 AND expires_at > ?2");
  s.Bind(1, token_hash).Bind(2, ToUnixMillis(now));
  if (!s.Step()) {
    RETURN_IF_ERROR(s.status());
    return core::NotFound("no such session");
  }
  Session session;
  session.token_hash = s.Text(0);
  session.user_id = s.Text(1);
  session.csrf_token = s.Text(2);
  session.created_at = FromUnixMillis(s.Int(3));
  session.expires_at = FromUnixMillis(s.Int(4));
  return session;
}

core::Status SqliteStore::DeleteSession(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  // Logging out twice, or with a session that already expired, is not an error.
  Statement s(db_, "DELETE FROM sessions WHERE token_hash = ?1");
  return s.Bind(1, token_hash).Run();
}

}  // namespace certadns::store::sqlite
