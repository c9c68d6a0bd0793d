#include "tests/support/engine_harness.h"

#include <thread>

#include "crypto/encoding.h"
#include "issuance/account_key.h"

namespace certadns::test {

core::Result<std::unique_ptr<EngineHarness>> EngineHarness::Create(
    const StackEnv& env, const std::string& dir, const std::string& zone_prefix) {
  std::unique_ptr<EngineHarness> h(new EngineHarness());
  ASSIGN_OR_RETURN(h->store_, store::sqlite::SqliteStore::Open(dir + "/certadns.db"));
  ASSIGN_OR_RETURN(crypto::SecretBox box, crypto::SecretBox::FromKeyFile(dir + "/master.key"));
  h->box_.emplace(std::move(box));
  h->acme_http_ = std::make_unique<http::CurlHttpClient>(
      http::CurlHttpClientOptions{.ca_bundle = env.acme_ca_bundle});
  h->dns_http_ = std::make_unique<http::CurlHttpClient>(http::CurlHttpClientOptions{});
  ASSIGN_OR_RETURN(crypto::PrivateKey account,
                   issuance::LoadOrCreateAccountKey(*h->store_, *h->box_,
                                                    env.acme_directory_url));
  h->acme_ = std::make_unique<acme::Rfc8555Client>(
      *h->acme_http_, acme::AcmeConfig{env.acme_directory_url, ""}, std::move(account),
      h->clock_);
  RETURN_IF_ERROR(h->acme_->EnsureAccount());
  dns::powerdns::PowerDnsConfig pdns{env.pdns_api_url, env.pdns_api_key, env.pdns_server_id};
  h->pdns_ = std::make_unique<dns::powerdns::PowerDnsClient>(*h->dns_http_, pdns);
  h->provider_ = std::make_unique<dns::powerdns::PowerDnsProvider>(*h->dns_http_, pdns);
  h->checker_ = std::make_unique<dns::ldns::LdnsPropagationChecker>(env.nameservers);

  h->zone_ = zone_prefix + "-" + crypto::HexEncode(crypto::RandomBytes(5)) + ".test";
  RETURN_IF_ERROR(h->pdns_->CreateZone(h->zone_, {"ns1." + h->zone_}));
  core::TimePoint now = h->clock_.Now();
  h->user_ = {crypto::RandomId("user"), h->zone_ + "@example.test", "elite", "", now};
  RETURN_IF_ERROR(h->store_->CreateUser(h->user_));
  h->zone_row_ = {crypto::RandomId("zone"), h->user_.id, h->zone_, true, now};
  RETURN_IF_ERROR(h->store_->CreateZone(h->zone_row_));
  return h;
}

EngineHarness::~EngineHarness() {
  Stop();
  if (pdns_ && !zone_.empty()) (void)pdns_->DeleteZone(zone_);
}

void EngineHarness::Start(dns::DnsProvider* dns, dns::PropagationChecker* checker,
                          issuance::EngineConfig config, int threads, size_t key_pool) {
  engine_ = std::make_unique<issuance::Engine>(*store_, *store_, *store_, *acme_,
                                               dns ? *dns : *provider_, checker, *box_, clock_,
                                               config);
  if (key_pool > 0) {
    keys_ = std::make_unique<issuance::KeyPool>(key_pool);
    engine_->SetKeySource(keys_.get());
  }
  workers_ = std::make_unique<issuance::WorkerPool>(
      *store_, *engine_, clock_, issuance::WorkerPoolConfig{.threads = threads});
  workers_->Start();
  issuance::WorkerPool* workers = workers_.get();
  service_ = std::make_unique<issuance::IssuanceService>(*store_, *store_, clock_,
                                                         [workers] { workers->Wake(); });
}

void EngineHarness::Stop() {
  if (workers_) workers_->Stop();
}

bool EngineHarness::WaitForKeyPool(size_t size, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (keys_ && keys_->ReadyForTest() < size) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

core::Result<core::Certificate> EngineHarness::Request(const std::string& domain,
                                                       std::vector<std::string> sans) {
  return service_->Request(
      {user_.id, zone_row_.id, zone_, domain, std::move(sans), /*auto_renew=*/false});
}

core::Certificate EngineHarness::WaitUntilSettled(const std::string& id,
                                                  std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  core::Certificate cert;
  while (std::chrono::steady_clock::now() < deadline) {
    auto current = store_->GetCertificate(user_.id, id);
    auto jobs = store_->ListJobs(id);
    if (current.ok() && jobs.ok()) {
      cert = *current;
      bool settled = cert.status == core::CertificateState::kIssued ||
                     cert.status == core::CertificateState::kFailed;
      if (settled && jobs->empty()) return cert;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cert;
}

std::string EngineHarness::EventLog(const std::string& id) {
  auto events = store_->ListEvents(user_.id, id);
  if (!events.ok()) return "(no log: " + events.error().message() + ")";
  std::string out;
  for (const auto& e : *events) {
    out += std::string(core::ToString(e.level)) + ": " + e.message + "\n";
  }
  return out;
}

core::Result<std::vector<std::string>> EngineHarness::TxtValues(const std::string& fqdn) {
  ASSIGN_OR_RETURN(auto rrset, pdns_->GetRrset(zone_, fqdn, "TXT"));
  std::vector<std::string> values;
  for (const auto& r : rrset.records) {
    std::string v = r.content;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    values.push_back(v);
  }
  return values;
}

std::string EngineHarness::OpenPrivateKey(const std::string& id) {
  auto sealed = store_->GetSealedPrivateKey(user_.id, id);
  if (!sealed.ok()) return "";
  auto pem = box_->Open(*sealed, id);
  return pem.ok() ? pem->reveal() : "";
}

}  // namespace certadns::test
