// FakeDnsProvider: in-memory TXT RRsets.
#include "support/fake_dns_provider.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace certadns::test {
namespace {

std::string Key(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

}  // namespace

std::optional<core::Error> FakeDnsProvider::TakeFailure() {
  if (down_) return core::Unavailable("powerdns: connection refused (FakeDnsProvider is down)");
  if (failures_.empty()) return std::nullopt;
  core::Error error = failures_.front();
  failures_.pop_front();
  return error;
}

core::Status FakeDnsProvider::Present(const dns::ChallengeRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({Call::Kind::kPresent, record});
  if (auto failure = TakeFailure()) return *failure;
  if (!hosted_zones_.empty() && hosted_zones_.count(Key(record.zone)) == 0) {
    return core::NotFound("FakeDnsProvider: zone " + record.zone + " is not hosted");
  }
  std::vector<std::string>& values = rrsets_[Key(record.fqdn)];
  if (std::find(values.begin(), values.end(), record.value) == values.end()) {
    values.push_back(record.value);
  }
  return core::Ok();
}

core::Status FakeDnsProvider::CleanUp(const dns::ChallengeRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({Call::Kind::kCleanUp, record});
  if (auto failure = TakeFailure()) return *failure;
  auto rrset = rrsets_.find(Key(record.fqdn));
  if (rrset == rrsets_.end()) return core::Ok();
  std::erase(rrset->second, record.value);
  if (rrset->second.empty()) rrsets_.erase(rrset);
  return core::Ok();
}

core::Result<bool> FakeDnsProvider::IsServed(const std::string& fqdn,
                                             const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({Call::Kind::kIsServed, {"", fqdn, ""}});
  if (auto failure = TakeFailure()) return *failure;
  if (!serving_) return false;
  auto rrset = rrsets_.find(Key(fqdn));
  for (const std::string& value : values) {
    if (rrset == rrsets_.end() ||
        std::find(rrset->second.begin(), rrset->second.end(), value) == rrset->second.end()) {
      return false;
    }
  }
  return true;
}

void FakeDnsProvider::SetHostedZones(std::vector<std::string> zones) {
  std::lock_guard<std::mutex> lock(mu_);
  hosted_zones_.clear();
  for (std::string& zone : zones) hosted_zones_.insert(Key(std::move(zone)));
}

void FakeDnsProvider::SetServing(bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  serving_ = serving;
}

void FakeDnsProvider::SetDown(bool down) {
  std::lock_guard<std::mutex> lock(mu_);
  down_ = down;
}

void FakeDnsProvider::FailNext(core::Error error) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.push_back(std::move(error));
}

std::vector<std::string> FakeDnsProvider::Values(const std::string& fqdn) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto rrset = rrsets_.find(Key(fqdn));
  return rrset == rrsets_.end() ? std::vector<std::string>{} : rrset->second;
}

void FakeDnsProvider::AddForeignValue(const std::string& fqdn, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string>& values = rrsets_[Key(fqdn)];
  if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

std::vector<FakeDnsProvider::Call> FakeDnsProvider::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

size_t FakeDnsProvider::CallCount(Call::Kind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(calls_.begin(), calls_.end(),
                                           [&](const Call& call) { return call.kind == kind; }));
}

}  // namespace certadns::test
