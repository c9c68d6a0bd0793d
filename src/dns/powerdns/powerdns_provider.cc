// PowerDnsProvider: the challenge TXT RRset's read-modify-write, serialised per zone in this
// process and per name across nodes.
#include "dns/powerdns/powerdns_provider.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace certadns::dns::powerdns {
namespace {

constexpr std::string_view kTxt = "TXT";

// PowerDNS stores TXT content in presentation format: one quoted character-string.
std::string Quote(std::string_view value) { return "\"" + std::string(value) + "\""; }

core::Status Validate(const ChallengeRecord& record) {
  const std::string zone = CanonicalName(record.zone);
  const std::string fqdn = CanonicalName(record.fqdn);
  if (zone == "." || fqdn == ".") return core::InvalidArgument("powerdns: empty zone or fqdn");
  if (fqdn != zone && !fqdn.ends_with("." + zone)) {
    return core::InvalidArgument("powerdns: " + fqdn + " is not inside zone " + zone);
  }
  // DNS-01 values are base64url (RFC 8555 §8.4); refuse anything that would need escaping
  // inside a TXT character-string or exceed one (RFC 1035 §3.3).
  const std::string& value = record.value;
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '\\';
  });
  if (value.empty() || value.size() > 255 || !printable) {
    return core::InvalidArgument("powerdns: challenge value is not a plain TXT string");
  }
  return core::Ok();
}

}  // namespace

// Holds the per-name mutex for `key`, creating it on first use and dropping it when the last
// holder leaves, so the map does not grow with every name ever challenged.
class PowerDnsProvider::ScopedNameLock {
 public:
  ScopedNameLock(PowerDnsProvider& provider, const std::string& key)
      : provider_(provider), key_(key) {
    {
      std::lock_guard<std::mutex> guard(provider_.locks_mu_);
      std::unique_ptr<NameLock>& slot = provider_.locks_[key_];
      if (slot == nullptr) slot = std::make_unique<NameLock>();
      ++slot->users;
      lock_ = slot.get();
    }
    lock_->mu.lock();
  }
  ScopedNameLock(const ScopedNameLock&) = delete;
  ScopedNameLock& operator=(const ScopedNameLock&) = delete;
  ~ScopedNameLock() {
    lock_->mu.unlock();
    std::lock_guard<std::mutex> guard(provider_.locks_mu_);
    if (--lock_->users == 0) provider_.locks_.erase(key_);
  }

 private:
  PowerDnsProvider& provider_;
  std::string key_;
  NameLock* lock_ = nullptr;
};

PowerDnsProvider::PowerDnsProvider(http::HttpClient& http, PowerDnsConfig config,
                                   core::NameLocks* shared_locks)
    : client_(http, std::move(config)), shared_locks_(shared_locks) {}

core::Result<std::unique_ptr<core::NameLock>> PowerDnsProvider::LockAcrossNodes(
    const std::string& fqdn) {
  if (shared_locks_ == nullptr) return std::unique_ptr<core::NameLock>();
  auto held = shared_locks_->Lock("dns-rrset:" + fqdn);
  if (!held.ok()) return held.error().Wrap("powerdns: " + fqdn);
  return held;
}

core::Status PowerDnsProvider::Present(const ChallengeRecord& record) {
  return Change({record}, /*present=*/true);
}

core::Status PowerDnsProvider::CleanUp(const ChallengeRecord& record) {
  return Change({record}, /*present=*/false);
}

core::Status PowerDnsProvider::PresentAll(const std::vector<ChallengeRecord>& records) {
  return Change(records, /*present=*/true);
}

core::Status PowerDnsProvider::CleanUpAll(const std::vector<ChallengeRecord>& records) {
  return Change(records, /*present=*/false);
}

core::Status PowerDnsProvider::Change(const std::vector<ChallengeRecord>& records, bool present) {
  // zone -> fqdn -> our values there
  std::map<std::string, std::map<std::string, std::vector<std::string>>> by_zone;
  for (const ChallengeRecord& record : records) {
    RETURN_IF_ERROR(Validate(record));
    by_zone[CanonicalName(record.zone)][CanonicalName(record.fqdn)].push_back(
        Quote(record.value));
  }
  for (const auto& [zone, by_name] : by_zone) {
    RETURN_IF_ERROR(ChangeZone(zone, by_name, present));
  }
  return core::Ok();
}

core::Status PowerDnsProvider::ChangeZone(
    const std::string& zone, const std::map<std::string, std::vector<std::string>>& by_name,
    bool present) {
  ScopedNameLock lock(*this, zone);
  // One lock per name across nodes, taken in name order (the map's) so that two writers of
  // overlapping names cannot wait on each other.
  std::vector<std::unique_ptr<core::NameLock>> across_nodes;
  for (const auto& [fqdn, contents] : by_name) {
    ASSIGN_OR_RETURN(auto held, LockAcrossNodes(fqdn));
    across_nodes.push_back(std::move(held));
  }
  std::vector<RrsetChange> changes;
  for (const auto& [fqdn, contents] : by_name) {
    core::Result<Rrset> rrset = client_.GetRrset(zone, fqdn, kTxt);
    if (!rrset.ok()) {
      // A zone that is gone serves no value of ours: nothing to clean up.
      if (!present && rrset.error().code() == core::ErrorCode::kNotFound) return core::Ok();
      return rrset.error();
    }
    std::vector<Record>& records = rrset->records;
    bool changed = false;
    for (const std::string& content : contents) {
      auto ours = std::find_if(records.begin(), records.end(),
                               [&](const Record& r) { return r.content == content; });
      if (present) {
        if (ours == records.end()) {
          records.push_back({content, false});
          changed = true;
        } else if (ours->disabled) {
          ours->disabled = false;  // a disabled copy of our value is served again
          changed = true;
        }
      } else if (ours != records.end()) {
        records.erase(std::remove_if(records.begin(), records.end(),
                                     [&](const Record& r) { return r.content == content; }),
                      records.end());
        changed = true;
      }
    }
    if (!changed) continue;  // already served, or not ours to remove
    const uint32_t ttl = present || rrset->ttl == 0 ? kChallengeTtl : rrset->ttl;
    changes.push_back({fqdn, std::string(kTxt), ttl, std::move(records)});
  }
  return client_.ChangeRrsets(zone, std::move(changes));
}

}  // namespace certadns::dns::powerdns
