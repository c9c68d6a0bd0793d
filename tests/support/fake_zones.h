// FakeZoneHost (a ZoneHost that records which zones are live, and with which NS set) and
// FakeZoneVerifier (the world's DNS as a table: each zone's delegation and verification TXT
// values, judged by the ZoneVerifier contract). For unit tests of zones/. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "dns/zone_host.h"
#include "dns/zone_verifier.h"

namespace certadns::test {

class FakeZoneHost final : public dns::ZoneHost {
 public:
  core::Status Host(const std::string& zone, const std::vector<std::string>& nameservers) override;
  core::Status Withdraw(const std::string& zone) override;

  /// True when `zone` is live; its NS set in `nameservers` when given.
  bool IsLive(const std::string& zone, std::vector<std::string>* nameservers = nullptr) const;
  /// Makes every call fail with kUnavailable (true) or work again (false).
  void SetUnavailable(bool unavailable);
  int host_calls() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> live_;  // guarded by mu_
  bool unavailable_ = false;                              // guarded by mu_
  int host_calls_ = 0;                                    // guarded by mu_
};

class FakeZoneVerifier final : public dns::ZoneVerifier {
 public:
  /// Verified when the NS set of `zone` is non-empty and every name in it is one of
  /// `our_nameservers`, or when its TXT values include `token`.
  core::Result<dns::ZoneVerification> Verify(const std::string& zone,
                                             const std::vector<std::string>& our_nameservers,
                                             const std::string& token) override;

  /// What the world's DNS says about `zone`: its delegation, and the TXT values at
  /// `_certadns-verify.<zone>` (an empty list removes them).
  void SetDelegation(const std::string& zone, std::vector<std::string> nameservers);
  void SetTxt(const std::string& zone, std::vector<std::string> values);
  /// Makes every Verify answer kUnavailable (true) or answer again (false).
  void SetUnavailable(bool unavailable);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> ns_;   // guarded by mu_
  std::map<std::string, std::vector<std::string>> txt_;  // guarded by mu_
  bool unavailable_ = false;                             // guarded by mu_
};

}  // namespace certadns::test
