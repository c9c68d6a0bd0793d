// MemoryStore's accounts, zones, ACME account keys and the master key's fingerprint.
#include "support/memory_store.h"

#include <algorithm>
#include <tuple>

namespace certadns::test {

using core::ErrorCode;

core::TimePoint StoredTime(core::TimePoint t) {
  return core::FromUnixMillis(core::ToUnixMillis(t));
}

namespace {

std::optional<core::TimePoint> StoredTime(std::optional<core::TimePoint> t) {
  if (!t) return std::nullopt;
  return test::StoredTime(*t);
}

}  // namespace

const store::User* MemoryStore::FindUser(const std::string& id) const {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

store::User* MemoryStore::FindUserByEmail(const std::string& email) {
  for (auto& [id, user] : users_) {
    if (user.email == email) return &user;
  }
  return nullptr;
}

const store::Zone* MemoryStore::FindZone(const std::string& owner_id, const std::string& id) const {
  auto it = zones_.find(id);
  if (it == zones_.end() || it->second.owner_id != owner_id) return nullptr;
  return &it->second;
}

// Users, API keys and sessions.

core::Status MemoryStore::CreateUser(const store::User& user) {
  std::lock_guard lock(mutex_);
  if (users_.contains(user.id) || FindUserByEmail(user.email)) {
    return core::AlreadyExists("user " + user.id + " or " + user.email + " exists");
  }
  store::User row = user;
  row.created_at = StoredTime(user.created_at);
  users_[user.id] = row;
  return core::Ok();
}

core::Result<store::User> MemoryStore::GetUserByEmail(const std::string& email) {
  std::lock_guard lock(mutex_);
  if (const store::User* user = FindUserByEmail(email)) return *user;
  return core::NotFound("no user with email " + email);
}

core::Result<store::User> MemoryStore::GetUser(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (const store::User* user = FindUser(id)) return *user;
  return core::NotFound("user " + id);
}

core::Status MemoryStore::SetUserPlan(const std::string& email, const std::string& plan) {
  std::lock_guard lock(mutex_);
  store::User* user = FindUserByEmail(email);
  if (!user) return core::NotFound("no user with email " + email);
  user->plan = plan;
  return core::Ok();
}

core::Status MemoryStore::SetUserPassword(const std::string& email,
                                          const std::string& password_hash) {
  std::lock_guard lock(mutex_);
  store::User* user = FindUserByEmail(email);
  if (!user) return core::NotFound("no user with email " + email);
  user->password_hash = password_hash;
  return core::Ok();
}

core::Status MemoryStore::ChangePassword(const std::string& user_id,
                                         const std::string& password_hash,
                                         const std::string& keep_session_hash) {
  std::lock_guard lock(mutex_);
  auto user = users_.find(user_id);
  if (user == users_.end()) return core::NotFound("user " + user_id);
  user->second.password_hash = password_hash;
  std::erase_if(sessions_, [&](const auto& s) {
    return s.second.user_id == user_id && s.first != keep_session_hash;
  });
  return core::Ok();
}

core::Status MemoryStore::CreateApiKey(const store::ApiKey& key, int max_active) {
  std::lock_guard lock(mutex_);
  int active = 0;
  for (const auto& [id, k] : api_keys_) {
    if (k.user_id == key.user_id && !k.revoked_at) ++active;
  }
  if (active >= max_active) {
    return core::Error(ErrorCode::kResourceExhausted,
                       "at most " + std::to_string(max_active) + " active API keys per account");
  }
  bool hash_taken = std::any_of(api_keys_.begin(), api_keys_.end(),
                                [&](const auto& k) { return k.second.key_hash == key.key_hash; });
  if (api_keys_.contains(key.id) || hash_taken) return core::AlreadyExists("API key exists");
  if (!FindUser(key.user_id)) return core::NotFound("user " + key.user_id);
  store::ApiKey row = key;
  row.created_at = StoredTime(key.created_at);
  row.revoked_at = StoredTime(key.revoked_at);
  row.last_used_at = StoredTime(key.last_used_at);
  api_keys_[key.id] = row;
  return core::Ok();
}

core::Result<store::ApiKeyOwner> MemoryStore::FindApiKeyOwner(const std::string& key_hash) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, key] : api_keys_) {
    if (key.key_hash != key_hash || key.revoked_at) continue;
    if (const store::User* user = FindUser(key.user_id)) return store::ApiKeyOwner{*user, key};
  }
  return core::NotFound("no such API key");
}

core::Status MemoryStore::TouchApiKey(const std::string& id, core::TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = api_keys_.find(id);
  if (it == api_keys_.end()) return core::Ok();
  store::ApiKey& key = it->second;
  if (!key.last_used_at || *key.last_used_at <= StoredTime(now - store::kApiKeyUseResolution)) {
    key.last_used_at = StoredTime(now);
  }
  return core::Ok();
}

core::Result<std::vector<store::ApiKey>> MemoryStore::ListApiKeys(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  std::vector<store::ApiKey> keys;
  for (const auto& [id, key] : api_keys_) {
    if (key.user_id == user_id) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end(), [](const store::ApiKey& a, const store::ApiKey& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  return keys;
}

core::Status MemoryStore::RevokeApiKey(const std::string& user_id, const std::string& id_or_prefix,
                                       core::TimePoint now) {
  std::lock_guard lock(mutex_);
  bool matched = false;
  std::vector<store::ApiKey*> live;  // unrevoked matches
  for (auto& [id, key] : api_keys_) {
    if (key.user_id != user_id || (key.id != id_or_prefix && key.prefix != id_or_prefix)) {
      continue;
    }
    matched = true;
    if (!key.revoked_at) live.push_back(&key);
  }
  if (!matched) return core::NotFound("no API key " + id_or_prefix);
  if (live.empty()) return core::Ok();
  if (live.size() > 1) {
    return core::InvalidArgument("prefix " + id_or_prefix + " matches " +
                                 std::to_string(live.size()) + " keys; give the key id");
  }
  live.front()->revoked_at = StoredTime(now);
  return core::Ok();
}

core::Status MemoryStore::CreateSession(const store::Session& session) {
  std::lock_guard lock(mutex_);
  if (sessions_.contains(session.token_hash)) return core::AlreadyExists("session exists");
  if (!FindUser(session.user_id)) return core::NotFound("user " + session.user_id);
  std::erase_if(sessions_, [&](const auto& s) {
    return s.second.expires_at <= StoredTime(session.created_at);
  });
  store::Session row = session;
  row.created_at = StoredTime(session.created_at);
  row.expires_at = StoredTime(session.expires_at);
  sessions_[session.token_hash] = row;
  return core::Ok();
}

core::Result<store::Session> MemoryStore::FindSession(const std::string& token_hash,
                                                      core::TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(token_hash);
  if (it == sessions_.end() || it->second.expires_at <= StoredTime(now)) {
    return core::NotFound("no such session");
  }
  return it->second;
}

core::Status MemoryStore::DeleteSession(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token_hash);
  return core::Ok();
}

// Zones.

core::Status MemoryStore::CreateZone(const store::Zone& zone) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, z] : zones_) {
    if (z.name != zone.name) continue;
    if (z.owner_id == zone.owner_id || (z.verified && zone.verified)) {
      return core::AlreadyExists("zone " + zone.name + " exists");
    }
  }
  if (zones_.contains(zone.id)) return core::AlreadyExists("zone " + zone.id + " exists");
  if (!FindUser(zone.owner_id)) return core::NotFound("user " + zone.owner_id);
  store::Zone row = zone;
  row.created_at = StoredTime(zone.created_at);
  row.checked_at = StoredTime(zone.checked_at);
  zones_[zone.id] = row;
  return core::Ok();
}

core::Result<store::Zone> MemoryStore::GetZone(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  if (const store::Zone* zone = FindZone(owner_id, id)) return *zone;
  return core::NotFound("zone " + id);
}

core::Result<store::Zone> MemoryStore::FindVerifiedZoneByName(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, zone] : zones_) {
    if (zone.name == name && zone.verified) return zone;
  }
  return core::NotFound("zone " + name);
}

core::Result<std::vector<store::Zone>> MemoryStore::ListZones(const std::string& owner_id) {
  std::lock_guard lock(mutex_);
  std::vector<store::Zone> zones;
  for (const auto& [id, zone] : zones_) {
    if (zone.owner_id == owner_id) zones.push_back(zone);
  }
  std::sort(zones.begin(), zones.end(),
            [](const store::Zone& a, const store::Zone& b) { return a.name < b.name; });
  return zones;
}

core::Status MemoryStore::MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                           core::TimePoint now) {
  std::lock_guard lock(mutex_);
  if (!FindZone(owner_id, id)) return core::NotFound("zone " + id);
  store::Zone& zone = zones_[id];
  for (const auto& [other_id, other] : zones_) {
    if (other_id != id && other.name == zone.name && other.verified) {
      return core::AlreadyExists("zone " + zone.name + " is verified by another account");
    }
  }
  zone.verified = true;
  zone.checked_at = StoredTime(now);
  return core::Ok();
}

core::Status MemoryStore::MarkZoneChecked(const std::string& owner_id, const std::string& id,
                                          core::TimePoint now) {
  std::lock_guard lock(mutex_);
  const store::Zone* zone = FindZone(owner_id, id);
  if (!zone || !zone->verified) return core::NotFound("zone " + id);
  zones_[id].checked_at = StoredTime(now);
  return core::Ok();
}

core::Result<std::vector<store::Zone>> MemoryStore::ListZonesToRecheck(core::TimePoint before,
                                                                       int limit) {
  std::lock_guard lock(mutex_);
  const core::TimePoint never = core::FromUnixMillis(0);
  std::vector<store::Zone> zones;
  for (const auto& [id, zone] : zones_) {
    if (zone.verified && zone.checked_at.value_or(never) <= StoredTime(before)) {
      zones.push_back(zone);
    }
  }
  std::sort(zones.begin(), zones.end(), [&](const store::Zone& a, const store::Zone& b) {
    return std::make_tuple(a.checked_at.value_or(never), a.id) <
           std::make_tuple(b.checked_at.value_or(never), b.id);
  });
  if (zones.size() > static_cast<size_t>(std::max(limit, 0))) zones.resize(std::max(limit, 0));
  return zones;
}

core::Status MemoryStore::UnverifyZone(const std::string& owner_id, const std::string& id,
                                       const core::CertificateEvent& event) {
  std::lock_guard lock(mutex_);
  if (!FindZone(owner_id, id)) return core::NotFound("zone " + id);
  zones_[id].verified = false;
  for (auto& [cert_id, row] : certificates_) {
    if (row.certificate.owner_id == owner_id && row.certificate.zone_id == id) {
      AddEvent(row, event);
    }
  }
  return core::Ok();
}

core::Result<store::Zone> MemoryStore::DeleteZone(const std::string& owner_id,
                                                  const std::string& id) {
  std::lock_guard lock(mutex_);
  const store::Zone* zone = FindZone(owner_id, id);
  if (!zone) return core::NotFound("zone " + id);
  auto count = std::count_if(certificates_.begin(), certificates_.end(), [&](const auto& c) {
    return c.second.certificate.owner_id == owner_id && c.second.certificate.zone_id == id;
  });
  if (count > 0) {
    return core::FailedPrecondition("zone " + id + " has " + std::to_string(count) +
                                    " certificate(s)");
  }
  store::Zone deleted = *zone;
  zones_.erase(id);
  return deleted;
}

// ACME accounts.

core::Result<std::optional<std::string>> MemoryStore::GetAcmeAccountKey(
    const std::string& directory_url) {
  std::lock_guard lock(mutex_);
  auto it = acme_accounts_.find(directory_url);
  if (it == acme_accounts_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

core::Result<std::string> MemoryStore::PutAcmeAccountKey(const std::string& directory_url,
                                                         const std::string& sealed_key) {
  std::lock_guard lock(mutex_);
  return acme_accounts_.try_emplace(directory_url, sealed_key).first->second;
}

core::Result<std::optional<std::string>> MemoryStore::GetMasterKeyFingerprint() {
  std::lock_guard lock(mutex_);
  return master_key_fingerprint_;
}

core::Result<std::string> MemoryStore::RecordMasterKeyFingerprint(
    const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  if (!master_key_fingerprint_) master_key_fingerprint_ = fingerprint;
  return *master_key_fingerprint_;
}

core::Result<bool> MemoryStore::HoldsSealedData() {
  std::lock_guard lock(mutex_);
  bool sealed_job = std::any_of(jobs_.begin(), jobs_.end(),
                                [](const auto& row) { return !row.second.job.sealed_key.empty(); });
  return !acme_accounts_.empty() || !certificates_.empty() || sealed_job ||
         !pooled_keys_.empty() || !webhooks_.empty();
}

core::Result<std::vector<store::SealedValue>> MemoryStore::ListSealedValues(
    store::SealedColumn column, const std::string& after_id, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<store::SealedValue> values;  // by id, as the databases list them
  switch (column) {
    case store::SealedColumn::kCertificateKey:
      for (const auto& [id, row] : certificates_) {
        if (row.sealed_private_key) values.push_back({id, id, *row.sealed_private_key});
      }
      break;
    case store::SealedColumn::kJobKey:
      for (const auto& [id, row] : jobs_) {
        if (!row.job.sealed_key.empty()) values.push_back({id, Visible(row).certificate_id, row.job.sealed_key});
      }
      break;
    case store::SealedColumn::kAcmeAccountKey:
      for (const auto& [url, sealed] : acme_accounts_) values.push_back({url, url, sealed});
      break;
    case store::SealedColumn::kPooledKey:
      for (const auto& [order, sealed] : pooled_keys_) {
        values.push_back({order.second, order.second, sealed});
      }
      std::sort(values.begin(), values.end(),
                [](const auto& a, const auto& b) { return a.id < b.id; });
      break;
    case store::SealedColumn::kWebhookSecret:
      for (const store::Webhook& w : webhooks_) values.push_back({w.id, w.id, w.sealed_secret});
      std::sort(values.begin(), values.end(),
                [](const auto& a, const auto& b) { return a.id < b.id; });
      break;
  }
  std::erase_if(values, [&](const store::SealedValue& v) { return v.id <= after_id; });
  if (values.size() > static_cast<size_t>(limit)) values.resize(static_cast<size_t>(limit));
  return values;
}

core::Result<bool> MemoryStore::ReplaceSealedValue(store::SealedColumn column,
                                                   const std::string& id,
                                                   const std::string& expected,
                                                   const std::string& sealed) {
  std::lock_guard lock(mutex_);
  std::string* value = nullptr;
  switch (column) {
    case store::SealedColumn::kCertificateKey:
      if (auto it = certificates_.find(id); it != certificates_.end() && it->second.sealed_private_key) {
        value = &*it->second.sealed_private_key;
      }
      break;
    case store::SealedColumn::kJobKey:
      if (auto it = jobs_.find(id); it != jobs_.end()) value = &it->second.job.sealed_key;
      break;
    case store::SealedColumn::kAcmeAccountKey:
      if (auto it = acme_accounts_.find(id); it != acme_accounts_.end()) value = &it->second;
      break;
    case store::SealedColumn::kPooledKey:
      for (auto& [order, pooled] : pooled_keys_) {
        if (order.second == id) value = &pooled;
      }
      break;
    case store::SealedColumn::kWebhookSecret:
      for (store::Webhook& w : webhooks_) {
        if (w.id == id) value = &w.sealed_secret;
      }
      break;
  }
  if (value == nullptr || *value != expected) return false;
  *value = sealed;
  return true;
}

core::Status MemoryStore::ReplaceMasterKeyFingerprint(const std::string& expected,
                                                      const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  if (master_key_fingerprint_ != expected) {
    return core::FailedPrecondition("the database does not record master key " +
                                    expected.substr(0, 16));
  }
  master_key_fingerprint_ = fingerprint;
  return core::Ok();
}

}  // namespace certadns::test
