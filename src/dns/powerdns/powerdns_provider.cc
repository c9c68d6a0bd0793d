// PowerDnsProvider: the challenge TXT RRset's read-modify-write, serialised per zone in this
// process and per name across nodes.
#include "dns/powerdns/powerdns_provider.h"

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/parallel_calls.h"

namespace certadns::dns::powerdns {
namespace {

constexpr std::string_view kTxt = "TXT";
// Callers' changes one PATCH carries at most (its body stays far below PowerDNS's default
// webserver-max-bodysize of 2 MB; its reads take a bounded time).
constexpr size_t kMaxBatch = 100;

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
  std::map<std::string, Write> by_zone;
  for (const ChallengeRecord& record : records) {
    RETURN_IF_ERROR(Validate(record));
    Write& write = by_zone[CanonicalName(record.zone)];
    write.present = present;
    write.values[CanonicalName(record.fqdn)].push_back(Quote(record.value));
  }
  for (auto& [zone, write] : by_zone) RETURN_IF_ERROR(Submit(zone, write));
  return core::Ok();
}

size_t PowerDnsProvider::WaitingForTest(const std::string& zone) {
  std::lock_guard lock(zones_mu_);
  auto it = zones_.find(CanonicalName(zone));
  return it == zones_.end() ? 0 : it->second->pending.size();
}

core::Status PowerDnsProvider::Submit(const std::string& zone, Write& mine) {
  std::unique_lock lock(zones_mu_);
  std::unique_ptr<ZoneQueue>& slot = zones_[zone];
  if (slot == nullptr) slot = std::make_unique<ZoneQueue>();
  ZoneQueue* queue = slot.get();
  ++queue->users;
  queue->pending.push_back(&mine);
  // Whoever finds the zone idle writes everything waiting for it, its own change included;
  // the others wait for that write's outcome. A burst of certificates in one zone thus costs
  // a few PATCHes instead of one read-modify-write each, one after another.
  while (!mine.result) {
    if (queue->writing) {
      zones_cv_.wait(lock);
      continue;
    }
    queue->writing = true;
    // At most kMaxBatch changes a PATCH, in the order they came; the rest go in the next.
    const size_t take = std::min(queue->pending.size(), kMaxBatch);
    std::vector<Write*> batch(queue->pending.begin(), queue->pending.begin() + take);
    queue->pending.erase(queue->pending.begin(), queue->pending.begin() + take);
    lock.unlock();
    std::vector<core::Status> results;
    try {
      results = WriteBatch(zone, batch);
    } catch (const std::exception& e) {
      results.assign(batch.size(), core::Internal(std::string("powerdns: ") + e.what()));
    } catch (...) {
      results.assign(batch.size(), core::Internal("powerdns: unexpected exception"));
    }
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    queue->writing = false;
    zones_cv_.notify_all();
  }
  if (--queue->users == 0) zones_.erase(zone);
  return *mine.result;
}

std::vector<core::Status> PowerDnsProvider::WriteBatch(const std::string& zone,
                                                       const std::vector<Write*>& batch) {
  auto all = [&](const core::Status& status) {
    return std::vector<core::Status>(batch.size(), status);
  };
  std::map<std::string, bool> names;  // fqdn -> a present touches it
  for (const Write* write : batch) {
    for (const auto& [fqdn, contents] : write->values) names[fqdn] |= write->present;
  }
  // One lock per name across nodes, taken in name order (the map's) so that two writers of
  // overlapping names cannot wait on each other.
  std::vector<std::unique_ptr<core::NameLock>> across_nodes;
  for (const auto& [fqdn, present] : names) {
    auto held = LockAcrossNodes(fqdn);
    if (!held.ok()) return all(held.error());
    across_nodes.push_back(std::move(held).value());
  }
  std::vector<std::string> fqdns;
  for (const auto& [fqdn, present] : names) fqdns.push_back(fqdn);
  auto read = core::ParallelCalls(fqdns.size(), core::kParallelCalls,
                                  [&](size_t i) { return client_.GetRrset(zone, fqdns[i], kTxt); });
  std::map<std::string, Rrset> rrsets;
  for (size_t i = 0; i < fqdns.size(); ++i) {
    if (read[i].ok()) {
      rrsets[fqdns[i]] = std::move(read[i]).value();
      continue;
    }
    if (read[i].error().code() != core::ErrorCode::kNotFound) return all(read[i].error());
    // The zone is gone: it serves no value of ours, so cleanups are done; presents fail.
    std::vector<core::Status> results;
    for (const Write* write : batch) {
      results.push_back(write->present ? core::Status(read[i].error()) : core::Ok());
    }
    return results;
  }
  std::set<std::string> changed;
  for (const Write* write : batch) {  // in the order they came
    for (const auto& [fqdn, contents] : write->values) {
      std::vector<Record>& records = rrsets[fqdn].records;
      for (const std::string& content : contents) {
        auto ours = std::find_if(records.begin(), records.end(),
                                 [&](const Record& r) { return r.content == content; });
        if (write->present) {
          if (ours == records.end()) {
            records.push_back({content, false});
            changed.insert(fqdn);
          } else if (ours->disabled) {
            ours->disabled = false;  // a disabled copy of our value is served again
            changed.insert(fqdn);
          }
        } else if (ours != records.end()) {
          records.erase(std::remove_if(records.begin(), records.end(),
                                       [&](const Record& r) { return r.content == content; }),
                        records.end());
          changed.insert(fqdn);
        }
      }
    }
  }
  std::vector<RrsetChange> changes;
  for (const std::string& fqdn : changed) {  // unchanged: already served, or not ours
    Rrset& rrset = rrsets[fqdn];
    const uint32_t ttl = names[fqdn] || rrset.ttl == 0 ? kChallengeTtl : rrset.ttl;
    changes.push_back({fqdn, std::string(kTxt), ttl, std::move(rrset.records)});
  }
  return all(client_.ChangeRrsets(zone, std::move(changes)));
}

}  // namespace certadns::dns::powerdns
