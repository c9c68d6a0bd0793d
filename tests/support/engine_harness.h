// EngineHarness: the whole issuance engine in-process against the real stack (Pebble and
// PowerDNS from scripts/devstack.sh), on a fresh SQLite store and master key in `dir`, with
// a zone of its own in PowerDNS and an owner for it. Used by the integration tests and the
// benchmarks. Not thread-safe itself; the engine it runs is.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "acme/rfc8555_client.h"
#include "core/clock.h"
#include "crypto/secret_box.h"
#include "dns/ldns/ldns_propagation_checker.h"
#include "dns/powerdns/powerdns_client.h"
#include "dns/powerdns/powerdns_provider.h"
#include "http/curl_http_client.h"
#include "issuance/engine.h"
#include "issuance/issuance_service.h"
#include "issuance/key_pool.h"
#include "issuance/worker_pool.h"
#include "store/sqlite/sqlite_store.h"
#include "tests/support/stack_env.h"

namespace certadns::test {

class EngineHarness {
 public:
  /// Opens the store, the ACME account and PowerDNS, and creates the zone `zone_prefix-<hex>.test`.
  static core::Result<std::unique_ptr<EngineHarness>> Create(const StackEnv& env,
                                                             const std::string& dir,
                                                             const std::string& zone_prefix);
  ~EngineHarness();

  /// Starts `threads` workers over `dns` (null: the real PowerDNS provider) and `checker`,
  /// taking keys from a pool of `key_pool` (0: generated on the spot).
  void Start(dns::DnsProvider* dns, dns::PropagationChecker* checker,
             issuance::EngineConfig config, int threads = 4, size_t key_pool = 0);
  void Start() { Start(nullptr, checker_.get(), issuance::EngineConfig{}); }
  void Stop();
  /// Waits (up to `limit`) until the key pool is full, as in a service that has been up.
  bool WaitForKeyPool(size_t size, std::chrono::seconds limit);

  core::Result<core::Certificate> Request(const std::string& domain,
                                          std::vector<std::string> sans);
  /// The certificate once issued or failed with its job done, or its latest state when
  /// `limit` ran out.
  core::Certificate WaitUntilSettled(const std::string& id, std::chrono::seconds limit);
  std::string EventLog(const std::string& id);
  /// The TXT values PowerDNS holds at `fqdn`, unquoted.
  core::Result<std::vector<std::string>> TxtValues(const std::string& fqdn);
  std::string OpenPrivateKey(const std::string& id);

  const std::string& zone() const { return zone_; }
  store::sqlite::SqliteStore& store() { return *store_; }
  dns::powerdns::PowerDnsClient& pdns() { return *pdns_; }
  dns::powerdns::PowerDnsProvider& provider() { return *provider_; }
  dns::ldns::LdnsPropagationChecker& checker() { return *checker_; }
  const store::User& user() const { return user_; }
  const core::Clock& clock() const { return clock_; }

 private:
  EngineHarness() = default;

  core::SystemClock clock_;
  std::string zone_;
  store::User user_;
  store::Zone zone_row_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::optional<crypto::SecretBox> box_;
  std::unique_ptr<http::CurlHttpClient> acme_http_;
  std::unique_ptr<http::CurlHttpClient> dns_http_;
  std::unique_ptr<acme::Rfc8555Client> acme_;
  std::unique_ptr<dns::powerdns::PowerDnsClient> pdns_;
  std::unique_ptr<dns::powerdns::PowerDnsProvider> provider_;
  std::unique_ptr<dns::ldns::LdnsPropagationChecker> checker_;
  std::unique_ptr<issuance::KeyPool> keys_;
  std::unique_ptr<issuance::Engine> engine_;
  std::unique_ptr<issuance::WorkerPool> workers_;
  std::unique_ptr<issuance::IssuanceService> service_;
};

}  // namespace certadns::test
