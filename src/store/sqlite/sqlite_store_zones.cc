// SqliteStore's zones: pending imports of one name by several accounts, at most one
// verified zone per name (a partial unique index), and the re-check of verified zones.
#include <sqlite3.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::store::sqlite {

using core::FromUnixMillis;
using core::ToUnixMillis;

core::Status SqliteStore::CreateZone(const Zone& zone) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "INSERT INTO zones(id, owner_id, name, verified, created_at, "
              "verification_token, checked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.Bind(1, zone.id).Bind(2, zone.owner_id).Bind(3, zone.name);
  s.Bind(4, int64_t{zone.verified ? 1 : 0}).Bind(5, ToUnixMillis(zone.created_at));
  s.Bind(6, zone.verification_token);
  s.Bind(7,
         zone.checked_at ? std::optional<int64_t>(ToUnixMillis(*zone.checked_at)) : std::nullopt);
  return s.Run();
}

core::Result<std::vector<Zone>> SqliteStore::QueryZones(Connection& db, const std::string& where,
                                                        const std::string& a, const std::string& b,
                                                        std::optional<int64_t> c,
                                                        const std::string& order) {
  Statement s(db,
              "SELECT id, owner_id, name, verified, created_at, verification_token, "
              "checked_at FROM zones WHERE " +
                  where + " ORDER BY " + order);
  if (!a.empty()) s.Bind(1, a);
  if (!b.empty()) s.Bind(2, b);
  if (c) s.Bind(3, *c);
  std::vector<Zone> zones;
  while (s.Step()) {
    Zone zone;
    zone.id = s.Text(0);
    zone.owner_id = s.Text(1);
    zone.name = s.Text(2);
    zone.verified = s.Int(3) != 0;
    zone.created_at = FromUnixMillis(s.Int(4));
    zone.verification_token = s.Text(5);
    if (auto checked = s.OptionalInt(6)) zone.checked_at = FromUnixMillis(*checked);
    zones.push_back(std::move(zone));
  }
  RETURN_IF_ERROR(s.status());
  return zones;
}

core::Result<Zone> SqliteStore::GetZone(const std::string& owner_id, const std::string& id) {
  ReadLease db(*this);
  ASSIGN_OR_RETURN(auto zones, QueryZones(*db, "owner_id = ?1 AND id = ?2", owner_id, id));
  if (zones.empty()) return core::NotFound("zone " + id);
  return std::move(zones.front());
}

core::Result<Zone> SqliteStore::FindVerifiedZoneByName(const std::string& name) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto zones, QueryZones(db_, "name = ?1 AND verified = 1", name, ""));
  if (zones.empty()) return core::NotFound("zone " + name);
  return std::move(zones.front());
}

core::Result<std::vector<Zone>> SqliteStore::ListZones(const std::string& owner_id) {
  ReadLease db(*this);
  return QueryZones(*db, "owner_id = ?1", owner_id, "");
}

core::Status SqliteStore::MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                           core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "UPDATE zones SET verified = 1, checked_at = ?3 "
              "WHERE owner_id = ?1 AND id = ?2");
  // The partial unique index zones_verified_name answers a second verified zone of the
  // name with a constraint error: kAlreadyExists.
  RETURN_IF_ERROR(s.Bind(1, owner_id).Bind(2, id).Bind(3, ToUnixMillis(now)).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("zone " + id);
  return core::Ok();
}

core::Status SqliteStore::MarkZoneChecked(const std::string& owner_id, const std::string& id,
                                          core::TimePoint now) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "UPDATE zones SET checked_at = ?3 "
              "WHERE owner_id = ?1 AND id = ?2 AND verified = 1");
  RETURN_IF_ERROR(s.Bind(1, owner_id).Bind(2, id).Bind(3, ToUnixMillis(now)).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("zone " + id);
  return core::Ok();
}

core::Result<std::vector<Zone>> SqliteStore::ListZonesToRecheck(core::TimePoint before, int limit) {
  std::lock_guard lock(mutex_);
  return QueryZones(db_, "verified = 1 AND COALESCE(checked_at, 0) <= ?3", "", "",
                    ToUnixMillis(before),
                    "COALESCE(checked_at, 0), id LIMIT " + std::to_string(limit));
}

core::Status SqliteStore::UnverifyZone(const std::string& owner_id, const std::string& id,
                                       const core::CertificateEvent& event) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  Statement s(db_, "UPDATE zones SET verified = 0 WHERE owner_id = ?1 AND id = ?2");
  RETURN_IF_ERROR(s.Bind(1, owner_id).Bind(2, id).Run());
  if (sqlite3_changes(db_) != 1) return core::NotFound("zone " + id);
  Statement certificates(db_,
                         "SELECT id FROM certificates WHERE owner_id = ?1 AND "
                         "zone_id = ?2 ORDER BY id");
  certificates.Bind(1, owner_id).Bind(2, id);
  std::vector<std::string> ids;
  while (certificates.Step()) ids.push_back(certificates.Text(0));
  RETURN_IF_ERROR(certificates.status());
  for (const std::string& certificate_id : ids) {
    RETURN_IF_ERROR(InsertEvent(certificate_id, event));
  }
  return tx.Commit();
}

core::Result<Zone> SqliteStore::DeleteZone(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto zones, QueryZones(db_, "owner_id = ?1 AND id = ?2", owner_id, id));
  if (zones.empty()) return core::NotFound("zone " + id);
  ASSIGN_OR_RETURN(
      int64_t count,
      Count(db_, "SELECT COUNT(*) FROM certificates WHERE owner_id = ?1 AND zone_id = ?2", owner_id,
            id));
  if (count > 0) {
    return core::FailedPrecondition("zone " + id + " has " + std::to_string(count) +
                                    " certificate(s)");
  }
  Statement s(db_, "DELETE FROM zones WHERE owner_id = ?1 AND id = ?2");
  RETURN_IF_ERROR(s.Bind(1, owner_id).Bind(2, id).Run());
  RETURN_IF_ERROR(tx.Commit());
  return std::move(zones.front());
}

}  // namespace certadns::store::sqlite
