// ZoneStore: the zones accounts imported, and which of them is verified. Several accounts
// may hold a pending (unverified) import of one name; at most one zone per name is verified:
// the one whose account proved control of it. Every method is atomic; implementations are
// thread-safe and safe to share between processes.
#pragma once

#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/records.h"

namespace certadns::store {

class ZoneStore {
 public:
  virtual ~ZoneStore() = default;

  /// kAlreadyExists when `zone.owner_id` has imported a zone called `zone.name` already
  /// (other accounts' zones of that name do not count).
  virtual core::Status CreateZone(const Zone& zone) = 0;
  virtual core::Result<Zone> GetZone(const std::string& owner_id, const std::string& id) = 0;
  /// The verified zone called `name`, whoever owns it; kNotFound when none is verified.
  virtual core::Result<Zone> FindVerifiedZoneByName(const std::string& name) = 0;
  virtual core::Result<std::vector<Zone>> ListZones(const std::string& owner_id) = 0;
  /// Marks the zone verified, control proven at `now`. kNotFound when missing or not
  /// `owner_id`'s; kAlreadyExists (nothing written) when another zone of that name is
  /// verified.
  virtual core::Status MarkZoneVerified(const std::string& owner_id, const std::string& id,
                                        core::TimePoint now) = 0;
  /// Records that control of the verified zone was proven again at `now`; kNotFound when
  /// missing, not `owner_id`'s or no longer verified.
  virtual core::Status MarkZoneChecked(const std::string& owner_id, const std::string& id,
                                       core::TimePoint now) = 0;
  /// Verified zones whose control was last proven at or before `before`, least recently
  /// proven first, at most `limit`.
  virtual core::Result<std::vector<Zone>> ListZonesToRecheck(core::TimePoint before,
                                                             int limit) = 0;
  /// Marks the zone unverified and appends `event` to the log of each certificate in it,
  /// in one transaction. kNotFound when missing or not `owner_id`'s.
  virtual core::Status UnverifyZone(const std::string& owner_id, const std::string& id,
                                    const core::CertificateEvent& event) = 0;
  /// Deletes `owner_id`'s zone `id` and returns it as it was; kNotFound when missing or not
  /// `owner_id`'s; kFailedPrecondition (nothing written) while any certificate, in any
  /// state, is in the zone. Checked and deleted in one transaction.
  virtual core::Result<Zone> DeleteZone(const std::string& owner_id, const std::string& id) = 0;
};

}  // namespace certadns::store
