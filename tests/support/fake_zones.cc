// FakeZoneHost and FakeZoneVerifier: see fake_zones.h.
#include "support/fake_zones.h"

#include <algorithm>
#include <utility>

namespace certadns::test {

core::Status FakeZoneHost::Host(const std::string& zone,
                                const std::vector<std::string>& nameservers) {
  std::lock_guard lock(mu_);
  ++host_calls_;
  if (unavailable_) return core::Unavailable("fake zone host: unavailable");
  live_[zone] = nameservers;
  return core::Ok();
}

core::Status FakeZoneHost::Withdraw(const std::string& zone) {
  std::lock_guard lock(mu_);
  if (unavailable_) return core::Unavailable("fake zone host: unavailable");
  live_.erase(zone);
  return core::Ok();
}

bool FakeZoneHost::IsLive(const std::string& zone, std::vector<std::string>* nameservers) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(zone);
  if (it == live_.end()) return false;
  if (nameservers != nullptr) *nameservers = it->second;
  return true;
}

void FakeZoneHost::SetUnavailable(bool unavailable) {
  std::lock_guard lock(mu_);
  unavailable_ = unavailable;
}

int FakeZoneHost::host_calls() const {
  std::lock_guard lock(mu_);
  return host_calls_;
}

core::Result<dns::ZoneVerification> FakeZoneVerifier::Verify(
    const std::string& zone, const std::vector<std::string>& our_nameservers,
    const std::string& token) {
  std::lock_guard lock(mu_);
  if (unavailable_) return core::Unavailable("fake verifier: no resolver answered");
  std::string detail;
  const std::vector<std::string>& ns = ns_[zone];
  const bool ours = !ns.empty() && std::all_of(ns.begin(), ns.end(), [&](const std::string& n) {
    return std::find(our_nameservers.begin(), our_nameservers.end(), n) != our_nameservers.end();
  });
  if (ours) return dns::ZoneVerification{true, "delegation", zone + " is delegated to us"};
  std::string shown;
  for (const std::string& n : ns) shown += (shown.empty() ? "" : ", ") + n;
  detail = ns.empty() ? zone + " has no NS records" : zone + " is delegated to " + shown;
  const std::vector<std::string>& values = txt_[zone];
  if (!token.empty() && std::find(values.begin(), values.end(), token) != values.end()) {
    return dns::ZoneVerification{true, "txt", "TXT record contains the verification token"};
  }
  detail += values.empty() ? "; no TXT record _certadns-verify." + zone
                           : "; TXT record _certadns-verify." + zone +
                                 " does not contain the verification token";
  return dns::ZoneVerification{false, "", detail};
}

void FakeZoneVerifier::SetDelegation(const std::string& zone,
                                     std::vector<std::string> nameservers) {
  std::lock_guard lock(mu_);
  ns_[zone] = std::move(nameservers);
}

void FakeZoneVerifier::SetTxt(const std::string& zone, std::vector<std::string> values) {
  std::lock_guard lock(mu_);
  txt_[zone] = std::move(values);
}

void FakeZoneVerifier::SetUnavailable(bool unavailable) {
  std::lock_guard lock(mu_);
  unavailable_ = unavailable;
}

}  // namespace certadns::test
