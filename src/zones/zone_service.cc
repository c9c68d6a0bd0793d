// ZoneService: pending imports, per-account proof, hosting at verification, and the
// periodic re-check that takes a zone away from an account whose proof is gone.
#include "zones/zone_service.h"

#include "core/errors.h"
#include "core/names.h"
#include "crypto/encoding.h"

namespace certadns::zones {
namespace {

constexpr size_t kLabelHexDigits = 10;

std::string FindZoneOf(const std::vector<store::Zone>& zones, const std::string& name,
                       store::Zone* found) {
  for (const store::Zone& zone : zones) {
    if (zone.name == name) {
      *found = zone;
      return zone.id;
    }
  }
  return "";
}

}  // namespace

std::string VerificationRecordName(const std::string& zone) { return "_certadns-verify." + zone; }

std::string VerificationRecordValue(const store::Zone& zone) {
  return "certadns-verify=" + zone.verification_token;
}

std::vector<std::string> AccountNameservers(const std::string& owner_id, const ZoneConfig& config) {
  const std::string label =
      "a" + crypto::HexEncode(crypto::Sha256("certadns-ns:" + owner_id)).substr(0, kLabelHexDigits);
  std::vector<std::string> names;
  for (const std::string& ns : config.nameservers) {
    std::string base = ns;
    while (!base.empty() && base.back() == '.') base.pop_back();
    names.push_back(label + "." + base);
  }
  return names;
}

ZoneService::ZoneService(store::ZoneStore& store, dns::ZoneHost& host, dns::ZoneVerifier* verifier,
                         const core::Clock& clock, ZoneConfig config)
    : store_(store), host_(host), verifier_(verifier), clock_(clock), config_(std::move(config)) {}

std::vector<std::string> ZoneService::NameserversFor(const std::string& owner_id) const {
  return AccountNameservers(owner_id, config_);
}

core::Result<std::string> ZoneService::CheckName(const std::string& raw_name) const {
  if (raw_name.empty()) return core::errors::InvalidRequest("name is required");
  ASSIGN_OR_RETURN(std::string name, core::NormalizeDnsName(raw_name));
  if (name.rfind("*.", 0) == 0) {
    return core::errors::InvalidRequest("A zone name cannot be a wildcard: " + name);
  }
  if (core::IsPublicSuffix(name)) {
    return core::errors::InvalidRequest(name +
                                        " is a public suffix; import the domain you "
                                        "registered under it instead");
  }
  for (const std::string& shared : config_.public_zones) {
    if (core::IsUnderZone(name, shared)) {
      return core::errors::InvalidRequest(name + " is under the public CertaDNS zone " + shared +
                                          ", which does not support certificate issuance");
    }
  }
  return name;
}

core::Status ZoneService::CheckNotInsideAnotherAccountsZone(const store::User& user,
                                                            const std::string& name) {
  // A zone inside another account's verified zone would shadow that account's records in
  // our DNS (the most specific zone answers). Pending imports of a parent block nobody.
  for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    auto parent = store_.FindVerifiedZoneByName(name.substr(dot + 1));
    if (parent.ok() && parent->owner_id != user.id) {
      return core::AlreadyExists("Zone " + name + " is part of " + parent->name +
                                 ", which another account manages");
    }
  }
  return core::Ok();
}

core::Result<store::Zone> ZoneService::Import(const store::User& user,
                                              const std::string& raw_name) {
  ASSIGN_OR_RETURN(std::string name, CheckName(raw_name));
  RETURN_IF_ERROR(CheckNotInsideAnotherAccountsZone(user, name));
  store::Zone zone{crypto::RandomId("zone"),
                   user.id,
                   name,
                   false,
                   clock_.Now(),
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

core::Result<store::Zone> ZoneService::ImportVerified(const store::User& user,
                                                      const std::string& raw_name) {
  ASSIGN_OR_RETURN(std::string name, CheckName(raw_name));
  RETURN_IF_ERROR(CheckNotInsideAnotherAccountsZone(user, name));
  auto holder = store_.FindVerifiedZoneByName(name);
  if (holder.ok() && holder->owner_id != user.id) {
    return core::AlreadyExists("Zone " + name + " is verified by another account");
  }
  ASSIGN_OR_RETURN(std::vector<store::Zone> mine, store_.ListZones(user.id));
  store::Zone zone;
  if (FindZoneOf(mine, name, &zone).empty()) {
    ASSIGN_OR_RETURN(zone, Import(user, name));
  }
  RETURN_IF_ERROR(store_.MarkZoneVerified(user.id, zone.id, clock_.Now()));
  RETURN_IF_ERROR(host_.Host(name, NameserversFor(user.id)));
  zone.verified = true;
  zone.checked_at = clock_.Now();
  return zone;
}

core::Result<std::vector<store::Zone>> ZoneService::List(const store::User& user) {
  return store_.ListZones(user.id);
}

core::Result<dns::ZoneVerification> ZoneService::Prove(const store::Zone& zone) {
  if (verifier_ == nullptr) {
    return core::Unavailable("Zone verification is not configured (zones.verify_resolvers)");
  }
  return verifier_->Verify(zone.name, NameserversFor(zone.owner_id), VerificationRecordValue(zone));
}

core::Status ZoneService::Unverify(const store::Zone& zone, const std::string& reason) {
  core::CertificateEvent event{
      clock_.Now(), core::EventLevel::kWarning,
      "Zone " + zone.name + " is no longer verified: " + reason +
          ". Automatic renewal is paused and no certificate can be requested or renewed "
          "under it until the zone is verified again"};
  // The zone stays served, records untouched, so that a false negative never takes a
  // domain delegated to us off the air; it grants its account nothing more, and the next
  // account to prove control adopts it.
  return store_.UnverifyZone(zone.owner_id, zone.id, event);
}

core::Result<VerifyOutcome> ZoneService::Verify(const store::User& user, const std::string& id) {
  auto found = store_.GetZone(user.id, id);
  if (!found.ok()) return core::errors::ZoneNotFound();
  store::Zone zone = std::move(found).value();
  if (zone.verified) return VerifyOutcome{zone, ""};
  if (auto inside = CheckNotInsideAnotherAccountsZone(user, zone.name); !inside.ok()) {
    return VerifyOutcome{zone, inside.error().message()};
  }
  ASSIGN_OR_RETURN(dns::ZoneVerification seen, Prove(zone));
  if (!seen.verified) return VerifyOutcome{zone, seen.detail};

  // One verified zone per name: the present holder keeps it while its own proof holds.
  if (auto holder = store_.FindVerifiedZoneByName(zone.name); holder.ok()) {
    ASSIGN_OR_RETURN(dns::ZoneVerification held, Prove(*holder));
    if (held.verified) {
      return VerifyOutcome{zone, zone.name +
                                     " is verified by another account, whose proof "
                                     "of control still holds (" +
                                     held.detail + ")"};
    }
    RETURN_IF_ERROR(
        Unverify(*holder, "another account proved control of it (" + seen.detail + ")"));
  }
  // Claim the name first (atomic: one verified zone per name), then put it live, so two
  // accounts verifying at once can never leave the loser's NS set in our DNS.
  auto marked = store_.MarkZoneVerified(user.id, id, clock_.Now());
  if (!marked.ok() && marked.error().code() == core::ErrorCode::kAlreadyExists) {
    return VerifyOutcome{zone, zone.name + " was verified by another account meanwhile"};
  }
  RETURN_IF_ERROR(marked);
  if (auto hosted = host_.Host(zone.name, NameserversFor(user.id)); !hosted.ok()) {
    (void)store_.UnverifyZone(user.id, id,
                              {clock_.Now(), core::EventLevel::kWarning,
                               "Zone " + zone.name + " could not be put live in DNS (" +
                                   hosted.error().message() + "); verify it again"});
    return hosted.error().Wrap("cannot serve " + zone.name + " in DNS");
  }
  zone.verified = true;
  zone.checked_at = clock_.Now();
  return VerifyOutcome{zone, ""};
}

core::Status ZoneService::Delete(const store::User& user, const std::string& id) {
  // The row goes first (the certificate check and the delete are one transaction), so a
  // zone that still has certificates never leaves our DNS.
  auto deleted = store_.DeleteZone(user.id, id);
  if (!deleted.ok()) {
    switch (deleted.error().code()) {
      case core::ErrorCode::kNotFound:
        return core::errors::ZoneNotFound();
      case core::ErrorCode::kFailedPrecondition:
        return core::errors::ZoneHasCertificates();
      default:
        return deleted.error();
    }
  }
  // Only a verified zone is this account's in our DNS; an unverified one is either not
  // served or (after a failed re-check) waits there for whoever proves control next.
  if (!deleted->verified) return core::Ok();
  if (auto withdrawn = host_.Withdraw(deleted->name); !withdrawn.ok()) {
    // Put the row back, so the zone is still listed and the delete can be tried again.
    (void)store_.CreateZone(*deleted);
    return withdrawn.error().Wrap("cannot take zone " + deleted->name + " out of DNS");
  }
  return core::Ok();
}

core::Result<RecheckReport> ZoneService::RecheckDue(int limit) {
  const core::TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<store::Zone> due,
                   store_.ListZonesToRecheck(now - config_.recheck_interval, limit));
  RecheckReport report;
  for (const store::Zone& zone : due) {
    core::Result<dns::ZoneVerification> seen = Prove(zone);
    if (!seen.ok()) {
      ++report.unanswered;  // no verdict: the zone keeps its state until the next run
      continue;
    }
    if (seen->verified) {
      RETURN_IF_ERROR(store_.MarkZoneChecked(zone.owner_id, zone.id, now));
      ++report.checked;
      continue;
    }
    RETURN_IF_ERROR(Unverify(zone, "its proof of control is gone (" + seen->detail + ")"));
    ++report.unverified;
  }
  return report;
}

}  // namespace certadns::zones
