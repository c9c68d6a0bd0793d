// ZoneService: importing a zone and proving that the importing account controls it, with
// the user's errors in the user's words. An import alone grants nothing and blocks nobody;
// proof is per account (the account's own TXT token, or a delegation to the nameserver
// names assigned to that account); only then does the zone go live in our DNS, for that one
// account. Verified zones are re-checked periodically (RecheckDue). Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/clock.h"
#include "dns/zone_host.h"
#include "dns/zone_verifier.h"
#include "store/records.h"
#include "store/zone_store.h"

namespace certadns::zones {

struct ZoneConfig {
  std::vector<std::string> nameservers;   // ours, e.g. ns1.certadns.com (shared: prove nothing)
  std::vector<std::string> public_zones;  // e.g. certadns.com: never imported
  core::Duration recheck_interval = std::chrono::hours(24);
};

/// The TXT record that proves control of a zone: `_certadns-verify.<zone>`, holding the
/// value of the importing account's zone row (each import has its own random token).
std::string VerificationRecordName(const std::string& zone);
std::string VerificationRecordValue(const store::Zone& zone);

/// The nameserver names assigned to account `owner_id`: "<label>.<ns>" for each of
/// `config.nameservers`, the label derived from the account id (stable, one per account).
std::vector<std::string> AccountNameservers(const std::string& owner_id, const ZoneConfig& config);

struct VerifyOutcome {
  store::Zone zone;
  std::string detail;  // what the check saw, when not verified
};

struct RecheckReport {
  int checked = 0;     // zones whose proof still holds
  int unverified = 0;  // zones whose proof is gone: now unverified
  int unanswered = 0;  // no verdict (DNS unavailable): tried again on the next run
};

class ZoneService {
 public:
  /// `verifier` may be null (verification unavailable); the others must outlive the service.
  ZoneService(store::ZoneStore& store, dns::ZoneHost& host, dns::ZoneVerifier* verifier,
              const core::Clock& clock, ZoneConfig config);

  /// Records a pending import: nothing goes live in DNS. kInvalidArgument for a malformed
  /// name, a public suffix or a public CertaDNS zone; kAlreadyExists when this account has
  /// imported the name already, or the name lies inside another account's verified zone.
  core::Result<store::Zone> Import(const store::User& user, const std::string& raw_name);
  /// For administrators (`certadns zone import --verified`): imports the zone if needed and
  /// marks it verified without a DNS check, hosting it in our DNS. kAlreadyExists when
  /// another account's zone of that name (or around it) is verified.
  core::Result<store::Zone> ImportVerified(const store::User& user, const std::string& raw_name);
  core::Result<std::vector<store::Zone>> List(const store::User& user);
  /// Checks the account's proof now; when it holds, hosts the zone and marks it verified.
  /// A zone of that name verified by another account is re-checked first: it is
  /// unverified when its proof is gone, and otherwise keeps the name.
  core::Result<VerifyOutcome> Verify(const store::User& user, const std::string& id);
  /// Re-checks verified zones last proven more than `recheck_interval` ago (at most
  /// `limit`): a zone whose proof is gone becomes unverified and each of its certificates
  /// gets the reason in its log (the sweep then stops renewing them). It stays served in our
  /// DNS, untouched, so that a false negative never takes a domain off the air; the next
  /// account to prove control adopts it.
  core::Result<RecheckReport> RecheckDue(int limit = 100);
  /// Deletes the account's zone; a verified one (live in our DNS for this account) is also
  /// withdrawn from our DNS. errors::ZoneNotFound when missing or another account's;
  /// errors::ZoneHasCertificates (nothing changed) while any certificate is in it.
  core::Status Delete(const store::User& user, const std::string& id);

  /// The nameservers a user of `owner_id` delegates to (AccountNameservers).
  std::vector<std::string> NameserversFor(const std::string& owner_id) const;
  const ZoneConfig& config() const { return config_; }

 private:
  core::Result<std::string> CheckName(const std::string& raw_name) const;
  /// kAlreadyExists when `name` lies strictly inside another account's verified zone.
  core::Status CheckNotInsideAnotherAccountsZone(const store::User& user, const std::string& name);
  core::Result<dns::ZoneVerification> Prove(const store::Zone& zone);
  core::Status Unverify(const store::Zone& zone, const std::string& reason);

  store::ZoneStore& store_;
  dns::ZoneHost& host_;
  dns::ZoneVerifier* verifier_;
  const core::Clock& clock_;
  const ZoneConfig config_;
};

}  // namespace certadns::zones
