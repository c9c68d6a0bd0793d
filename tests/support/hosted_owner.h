// What the integration suites against `certadns serve` set up first: a zone of the test's
// own in the devstack's PowerDNS, and a user of a plan with that zone verified, written into
// the service's SQLite database before the service starts. Header-only; its users link
// certadns::dns_powerdns, certadns::store_sqlite and certadns::crypto.
#pragma once

#include <string>

#include "crypto/encoding.h"
#include "dns/powerdns/powerdns_client.h"
#include "store/sqlite/sqlite_store.h"

namespace certadns::test {

struct HostedOwner {
  std::string zone;     // "<prefix>-<hex>.test" once created in PowerDNS (for its deletion)
  std::string zone_id;  // its row in the service's database
  store::User user;
};

/// Creates the zone "<prefix>-<hex>.test" in `pdns` and, in the SQLite database at
/// `db_path`, the user `email` on `plan` with that zone verified; "" or what went wrong.
inline std::string CreateHostedOwner(dns::powerdns::PowerDnsClient& pdns,
                                     const std::string& db_path, const std::string& prefix,
                                     const std::string& email, const std::string& plan,
                                     HostedOwner& owner) {
  const std::string zone = prefix + "-" + crypto::HexEncode(crypto::RandomBytes(5)) + ".test";
  if (auto created = pdns.CreateZone(zone, {"ns1." + zone}); !created.ok()) {
    return created.error().message();
  }
  owner.zone = zone;
  auto opened = store::sqlite::SqliteStore::Open(db_path);
  if (!opened.ok()) return opened.error().message();
  core::SystemClock clock;
  owner.user = {crypto::RandomId("user"), email, plan, "", clock.Now()};
  owner.zone_id = crypto::RandomId("zone");
  if (auto s = (*opened)->CreateUser(owner.user); !s.ok()) return s.error().message();
  if (auto s = (*opened)->CreateZone({owner.zone_id, owner.user.id, zone, true, clock.Now()});
      !s.ok()) {
    return s.error().message();
  }
  return "";
}

}  // namespace certadns::test
