// PgStore's accounts: users, API keys and dashboard sessions. Only the SHA-256 hashes the
// caller computed are stored (api_keys.key_hash, sessions.token_hash).
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {
namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

constexpr std::string_view kUserColumns = "id, email, plan, password_hash, created_at";
constexpr std::string_view kKeyColumns =
    "k.id, k.user_id, k.key_hash, k.prefix, k.created_at, k.revoked_at, k.last_used_at";

User ReadUser(const PgResult& r, int row) {
  return User{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2), r.Text(row, 3),
              FromUnixMillis(r.Int(row, 4))};
}

// The key whose kKeyColumns start at column `first`.
ApiKey ReadKey(const PgResult& r, int row, int first) {
  ApiKey key;
  key.id = r.Text(row, first);
  key.user_id = r.Text(row, first + 1);
  key.key_hash = r.Text(row, first + 2);
  key.prefix = r.Text(row, first + 3);
  key.created_at = FromUnixMillis(r.Int(row, first + 4));
  key.revoked_at = OptionalTime(r.OptionalInt(row, first + 5));
  key.last_used_at = OptionalTime(r.OptionalInt(row, first + 6));
  return key;
}

}  // namespace

core::Result<User> PgStore::QueryUser(std::string_view where, const std::string& value) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT " + std::string(kUserColumns) + " FROM users WHERE " +
                                    std::string(where),
                                Params().Text(value)));
  if (r.rows() == 0) return core::NotFound("no such user");
  return ReadUser(r, 0);
}

core::Status PgStore::CreateUser(const User& user) {
  RETURN_IF_ERROR(Exec("INSERT INTO users(id, email, plan, password_hash, created_at) "
                       "VALUES ($1, $2, $3, $4, $5)",
                       Params().Text(user.id).Text(user.email).Text(user.plan)
                           .Text(user.password_hash).Int(ToUnixMillis(user.created_at))));
  return core::Ok();
}

core::Result<User> PgStore::GetUserByEmail(const std::string& email) {
  auto user = QueryUser("email = $1", email);
  if (!user.ok() && user.error().code() == core::ErrorCode::kNotFound) {
    return core::NotFound("no user with email " + email);
  }
  return user;
}

core::Result<User> PgStore::GetUser(const std::string& id) {
  auto user = QueryUser("id = $1", id);
  if (!user.ok() && user.error().code() == core::ErrorCode::kNotFound) {
    return core::NotFound("user " + id);
  }
  return user;
}

core::Status PgStore::SetUserPlan(const std::string& email, const std::string& plan) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE users SET plan = $2 WHERE email = $1",
                                Params().Text(email).Text(plan)));
  if (r.affected() != 1) return core::NotFound("no user with email " + email);
  return core::Ok();
}

core::Status PgStore::SetUserPassword(const std::string& email, const std::string& password_hash) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE users SET password_hash = $2 WHERE email = $1",
                                Params().Text(email).Text(password_hash)));
  if (r.affected() != 1) return core::NotFound("no user with email " + email);
  return core::Ok();
}

core::Status PgStore::CreateApiKey(const ApiKey& key, int max_active) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  // The owner's row, locked: two nodes creating keys at once cannot both pass the count.
  ASSIGN_OR_RETURN(auto owner, conn->Exec("SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                                          Params().Text(key.user_id)));
  if (owner.rows() == 0) return core::NotFound("user " + key.user_id);
  ASSIGN_OR_RETURN(auto active, conn->Exec("SELECT COUNT(*) FROM api_keys "
                                           "WHERE user_id = $1 AND revoked_at IS NULL",
                                           Params().Text(key.user_id)));
  if (active.Int(0, 0) >= max_active) {
    return core::Error(core::ErrorCode::kResourceExhausted,
                       "at most " + std::to_string(max_active) + " active API keys per account");
  }
  RETURN_IF_ERROR(conn->Exec(
      "INSERT INTO api_keys(id, user_id, key_hash, prefix, created_at, revoked_at, "
      "last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      Params().Text(key.id).Text(key.user_id).Text(key.key_hash).Text(key.prefix)
          .Int(ToUnixMillis(key.created_at)).Int(OptionalMillis(key.revoked_at))
          .Int(OptionalMillis(key.last_used_at))));
  return tx.Commit();
}

core::Result<ApiKeyOwner> PgStore::FindApiKeyOwner(const std::string& key_hash) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT u.id, u.email, u.plan, u.password_hash, u.created_at, " +
                                    std::string(kKeyColumns) +
                                    " FROM api_keys k JOIN users u ON u.id = k.user_id "
                                    "WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
                                Params().Text(key_hash)));
  if (r.rows() == 0) return core::NotFound("no such API key");  // the hash is not worth echoing
  return ApiKeyOwner{ReadUser(r, 0), ReadKey(r, 0, 5)};
}

core::Status PgStore::TouchApiKey(const std::string& id, core::TimePoint now) {
  // SKIP LOCKED: never waits for a row another request is writing; that use goes unrecorded
  // (the next call records it) and the request it came with is not delayed.
  RETURN_IF_ERROR(Exec("UPDATE api_keys SET last_used_at = $2 WHERE id = ("
                       "SELECT id FROM api_keys WHERE id = $1 AND "
                       "(last_used_at IS NULL OR last_used_at <= $3) FOR UPDATE SKIP LOCKED)",
                       Params().Text(id).Int(ToUnixMillis(now))
                           .Int(ToUnixMillis(now - kApiKeyUseResolution))));
  return core::Ok();
}

core::Result<std::vector<ApiKey>> PgStore::ListApiKeys(const std::string& user_id) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT " + std::string(kKeyColumns) +
                                    " FROM api_keys k WHERE k.user_id = $1 "
                                    "ORDER BY k.created_at, k.id",
                                Params().Text(user_id)));
  std::vector<ApiKey> keys;
  for (int i = 0; i < r.rows(); ++i) keys.push_back(ReadKey(r, i, 0));
  return keys;
}

core::Status PgStore::RevokeApiKey(const std::string& user_id, const std::string& id_or_prefix,
                                   core::TimePoint now) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto r, conn->Exec("SELECT id, revoked_at IS NULL FROM api_keys "
                                      "WHERE user_id = $1 AND (id = $2 OR prefix = $2) "
                                      "FOR UPDATE",
                                      Params().Text(user_id).Text(id_or_prefix)));
  if (r.rows() == 0) return core::NotFound("no API key " + id_or_prefix);
  std::vector<std::string> live;  // unrevoked matches
  for (int i = 0; i < r.rows(); ++i) {
    if (r.Bool(i, 1)) live.push_back(r.Text(i, 0));
  }
  // Revoking twice is harmless and keeps the first revocation time.
  if (live.empty()) return core::Ok();
  if (live.size() > 1) {
    return core::InvalidArgument("prefix " + id_or_prefix + " matches " +
                                 std::to_string(live.size()) + " keys; give the key id");
  }
  RETURN_IF_ERROR(conn->Exec("UPDATE api_keys SET revoked_at = $2 WHERE id = $1",
                             Params().Text(live.front()).Int(ToUnixMillis(now))));
  return tx.Commit();
}

core::Status PgStore::ChangePassword(const std::string& user_id, const std::string& password_hash,
                                     const std::string& keep_session_hash) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto r, conn->Exec("UPDATE users SET password_hash = $2 WHERE id = $1",
                                      Params().Text(user_id).Text(password_hash)));
  if (r.affected() != 1) return core::NotFound("user " + user_id);
  RETURN_IF_ERROR(conn->Exec("DELETE FROM sessions WHERE user_id = $1 AND token_hash != $2",
                             Params().Text(user_id).Text(keep_session_hash)));
  return tx.Commit();
}

core::Status PgStore::CreateSession(const Session& session) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  // Logins sweep out sessions that have expired, so the table does not grow forever.
  RETURN_IF_ERROR(conn->Exec("DELETE FROM sessions WHERE expires_at <= $1",
                             Params().Int(ToUnixMillis(session.created_at))));
  RETURN_IF_ERROR(conn->Exec("INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, "
                             "expires_at) VALUES ($1, $2, $3, $4, $5)",
                             Params().Text(session.token_hash).Text(session.user_id)
                                 .Text(session.csrf_token).Int(ToUnixMillis(session.created_at))
                                 .Int(ToUnixMillis(session.expires_at))));
  return tx.Commit();
}

core::Result<Session> PgStore::FindSession(const std::string& token_hash, core::TimePoint now) {
  ASSIGN_OR_RETURN(auto r, Exec("SELECT token_hash, user_id, csrf_token, created_at, expires_at "
                                "FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                                Params().Text(token_hash).Int(ToUnixMillis(now))));
  if (r.rows() == 0) return core::NotFound("no such session");
  return Session{r.Text(0, 0), r.Text(0, 1), r.Text(0, 2), FromUnixMillis(r.Int(0, 3)),
                 FromUnixMillis(r.Int(0, 4))};
}

core::Status PgStore::DeleteSession(const std::string& token_hash) {
  // Logging out twice, or with a session that already expired, is not an error.
  RETURN_IF_ERROR(Exec("DELETE FROM sessions WHERE token_hash = $1", Params().Text(token_hash)));
  return core::Ok();
}

}  // namespace certadns::store::postgres
