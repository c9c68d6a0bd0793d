#include "zones/zone_service.h"

#include "core/errors.h"
#include "core/names.h"
#include "crypto/encoding.h"

namespace certadns::zones {

std::string VerificationRecordName(const std::string& zone) { return "_certadns-verify." + zone; }

std::string VerificationRecordValue(const store::Zone& zone) {
  return "certadns-verify=" + zone.verification_token;
}

ZoneService::ZoneService(store::Store& store, dns::powerdns::PowerDnsClient& pdns,
                         dns::ZoneVerifier* verifier, const core::Clock& clock,
                         ZoneConfig config)
    : store_(store), pdns_(pdns), verifier_(verifier), clock_(clock), config_(std::move(config)) {}

core::Result<store::Zone> ZoneService::Import(const store::User& user,
                                              const std::string& raw_name, bool verified) {
  if (raw_name.empty()) return core::errors::InvalidRequest("name is required");
  ASSIGN_OR_RETURN(std::string name, core::NormalizeDnsName(raw_name));
  if (name.rfind("*.", 0) == 0) {
    return core::errors::InvalidRequest("A zone name cannot be a wildcard: " + name);
  }
  if (core::IsPublicSuffix(name)) {
    return core::errors::InvalidRequest(name + " is a public suffix; import the domain you "
                                               "registered under it instead");
  }
  for (const std::string& shared : config_.public_zones) {
    if (core::IsUnderZone(name, shared)) {
      return core::errors::InvalidRequest(
          name + " is under the public CertaDNS zone " + shared +
          ", which does not support certificate issuance");
    }
  }
  if (store_.FindZoneByName(name).ok()) {
    return core::AlreadyExists("Zone " + name + " is already imported");
  }
  // A zone inside another account's zone would shadow that account's records in our DNS
  // (the most specific zone answers) and could be "verified" through its delegation.
  for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    auto parent = store_.FindZoneByName(name.substr(dot + 1));
    if (parent.ok() && parent->owner_id != user.id) {
      return core::AlreadyExists("Zone " + name + " is part of " + parent->name +
                                 ", which another account manages");
    }
  }
  auto created = pdns_.CreateZone(name, config_.nameservers);
  if (!created.ok() && created.error().code() != core::ErrorCode::kAlreadyExists) {
    return created.error().Wrap("cannot create the zone in DNS");
  }
  store::Zone zone{crypto::RandomId("zone"), user.id, name, verified, clock_.Now(),
                   crypto::HexEncode(crypto::RandomBytes(16))};
  auto stored = store_.CreateZone(zone);
  if (!stored.ok()) {
    if (stored.error().code() == core::ErrorCode::kAlreadyExists) {
      return core::AlreadyExists("Zone " + name + " is already imported");
    }
    return stored.error();
  }
  return zone;
}

core::Result<std::vector<store::Zone>> ZoneService::List(const store::User& user) {
  return store_.ListZones(user.id);
}

core::Result<VerifyOutcome> ZoneService::Verify(const store::User& user, const std::string& id) {
  auto zone = store_.GetZone(user.id, id);
  if (!zone.ok()) return core::errors::ZoneNotFound();
  if (zone->verified) return VerifyOutcome{*zone, ""};
  if (verifier_ == nullptr) {
    return core::Unavailable("Zone verification is not configured (zones.verify_resolvers)");
  }
  ASSIGN_OR_RETURN(dns::ZoneVerification seen,
                   verifier_->Verify(zone->name, config_.nameservers,
                                     VerificationRecordValue(*zone)));
  if (!seen.verified) return VerifyOutcome{*zone, seen.detail};
  RETURN_IF_ERROR(store_.SetZoneVerified(user.id, id, true));
  zone->verified = true;
  return VerifyOutcome{*zone, ""};
}

}  // namespace certadns::zones
