// PgStore's zones: pending imports of one name by several accounts, at most one verified
// zone per name (a partial unique index), and the re-check of verified zones.
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_store.h"

namespace certadns::store::postgres {
namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

constexpr std::string_view kZoneSelect =
    "SELECT id, owner_id, name, verified, created_at, verification_token, checked_at "
    "FROM zones WHERE ";

Zone ReadZone(const PgResult& r, int row) {
  Zone zone;
  zone.id = r.Text(row, 0);
  zone.owner_id = r.Text(row, 1);
  zone.name = r.Text(row, 2);
  zone.verified = r.Bool(row, 3);
  zone.created_at = FromUnixMillis(r.Int(row, 4));
  zone.verification_token = r.Text(row, 5);
  zone.checked_at = OptionalTime(r.OptionalInt(row, 6));
  return zone;
}

}  // namespace

core::Result<std::vector<Zone>> PgStore::QueryZones(std::string_view sql, const Params& params) {
  ASSIGN_OR_RETURN(auto r, Exec(std::string(kZoneSelect) + std::string(sql), params));
  std::vector<Zone> zones;
  for (int i = 0; i < r.rows(); ++i) zones.push_back(ReadZone(r, i));
  return zones;
}

core::Status PgStore::CreateZone(const Zone& zone) {
  RETURN_IF_ERROR(Exec("INSERT INTO zones(id, owner_id, name, verified, created_at, "
                       "verification_token, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       Params().Text(zone.id).Text(zone.owner_id).Text(zone.name)
                           .Bool(zone.verified).Int(ToUnixMillis(zone.created_at))
                           .Text(zone.verification_token)
                           .Int(OptionalMillis(zone.checked_at))));
  return core::Ok();
}

core::Result<Zone> PgStore::GetZone(const std::string& owner_id, const std::string& id) {
  ASSIGN_OR_RETURN(auto zones, QueryZones("owner_id = $1 AND id = $2 ORDER BY name",
                                          Params().Text(owner_id).Text(id)));
  if (zones.empty()) return core::NotFound("zone " + id);
  return std::move(zones.front());
}

core::Result<Zone> PgStore::FindVerifiedZoneByName(const std::string& name) {
  ASSIGN_OR_RETURN(auto zones, QueryZones("name = $1 AND verified ORDER BY name",
                                          Params().Text(name)));
  if (zones.empty()) return core::NotFound("zone " + name);
  return std::move(zones.front());
}

core::Result<std::vector<Zone>> PgStore::ListZones(const std::string& owner_id) {
  return QueryZones("owner_id = $1 ORDER BY name", Params().Text(owner_id));
}

core::Status PgStore::MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                       core::TimePoint now) {
  // The partial unique index zones_verified_name answers a second verified zone of the
  // name with a unique violation: kAlreadyExists.
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE zones SET verified = TRUE, checked_at = $3 "
                                "WHERE owner_id = $1 AND id = $2",
                                Params().Text(owner_id).Text(id).Int(ToUnixMillis(now))));
  if (r.affected() != 1) return core::NotFound("zone " + id);
  return core::Ok();
}

core::Status PgStore::MarkZoneChecked(const std::string& owner_id, const std::string& id,
                                      core::TimePoint now) {
  ASSIGN_OR_RETURN(auto r, Exec("UPDATE zones SET checked_at = $3 "
                                "WHERE owner_id = $1 AND id = $2 AND verified",
                                Params().Text(owner_id).Text(id).Int(ToUnixMillis(now))));
  if (r.affected() != 1) return core::NotFound("zone " + id);
  return core::Ok();
}

core::Result<std::vector<Zone>> PgStore::ListZonesToRecheck(core::TimePoint before, int limit) {
  return QueryZones("verified AND COALESCE(checked_at, 0) <= $1 "
                    "ORDER BY COALESCE(checked_at, 0), id LIMIT $2",
                    Params().Int(ToUnixMillis(before)).Int(int64_t{limit}));
}

core::Status PgStore::UnverifyZone(const std::string& owner_id, const std::string& id,
                                   const core::CertificateEvent& event) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  ASSIGN_OR_RETURN(auto r, conn->Exec("UPDATE zones SET verified = FALSE "
                                      "WHERE owner_id = $1 AND id = $2",
                                      Params().Text(owner_id).Text(id)));
  if (r.affected() != 1) return core::NotFound("zone " + id);
  ASSIGN_OR_RETURN(auto certificates, conn->Exec("SELECT id FROM certificates WHERE "
                                                 "owner_id = $1 AND zone_id = $2 ORDER BY id",
                                                 Params().Text(owner_id).Text(id)));
  for (int i = 0; i < certificates.rows(); ++i) {
    RETURN_IF_ERROR(InsertEvent(*conn, certificates.Text(i, 0), event));
  }
  return tx.Commit();
}

core::Result<Zone> PgStore::DeleteZone(const std::string& owner_id, const std::string& id) {
  ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  PgTransaction tx(*conn);
  RETURN_IF_ERROR(tx.status());
  // The account's row, locked as CreateCertificate locks it: a request for a certificate in
  // this zone and the zone's deletion never cross, whichever node each runs on.
  RETURN_IF_ERROR(conn->Exec("SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                             Params().Text(owner_id)));
  ASSIGN_OR_RETURN(auto zone, conn->Exec(std::string(kZoneSelect) +
                                             "owner_id = $1 AND id = $2",
                                         Params().Text(owner_id).Text(id)));
  if (zone.rows() == 0) return core::NotFound("zone " + id);
  ASSIGN_OR_RETURN(auto count, conn->Exec("SELECT COUNT(*) FROM certificates "
                                          "WHERE owner_id = $1 AND zone_id = $2",
                                          Params().Text(owner_id).Text(id)));
  if (count.Int(0, 0) > 0) {
    return core::FailedPrecondition("zone " + id + " has " + std::to_string(count.Int(0, 0)) +
                                    " certificate(s)");
  }
  RETURN_IF_ERROR(conn->Exec("DELETE FROM zones WHERE owner_id = $1 AND id = $2",
                             Params().Text(owner_id).Text(id)));
  RETURN_IF_ERROR(tx.Commit());
  return ReadZone(zone, 0);
}

}  // namespace certadns::store::postgres
