#include <algorithm>
#include <tuple>

#include "store/fair_claims.h"
#include "store/master_key_record.h"
#include "store/notification_store.h"
#include "store/records.h"

namespace certadns::store {

std::string_view ToString(JobKind kind) {
  switch (kind) {
    case JobKind::kIssue: return "issue";
    case JobKind::kRenew: return "renew";
    case JobKind::kSweep: return "sweep";
  }
  return "issue";
}

SealedColumnSql SqlOf(SealedColumn column) {
  switch (column) {
    case SealedColumn::kCertificateKey: return {"certificates", "id", "id", "private_key_sealed"};
    case SealedColumn::kJobKey:
      return {"jobs", "id", "COALESCE(detached_from, certificate_id)", "sealed_key"};
    case SealedColumn::kAcmeAccountKey:
      return {"acme_accounts", "directory_url", "directory_url", "key_sealed"};
    case SealedColumn::kPooledKey: return {"key_pool", "id", "id", "sealed_key"};
    case SealedColumn::kWebhookSecret: return {"webhooks", "id", "id", "sealed_secret"};
  }
  return {"certificates", "id", "id", "private_key_sealed"};
}

std::optional<JobKind> ParseJobKind(std::string_view text) {
  for (auto k : {JobKind::kIssue, JobKind::kRenew, JobKind::kSweep}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
}

std::vector<ClaimCandidate> FairClaims::Order(std::vector<ClaimCandidate> candidates, int cap) {
  std::erase_if(candidates, [cap](const ClaimCandidate& c) {
    return !c.owner.empty() && cap > 0 && c.running >= cap;  // waits for one of its own
  });
  std::lock_guard lock(mutex_);
  auto last = [this](const std::string& owner) {
    auto it = last_claim_.find(owner);
    return it == last_claim_.end() ? uint64_t{0} : it->second;
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const ClaimCandidate& a, const ClaimCandidate& b) {
                     return std::tuple(a.running, last(a.owner), a.due) <
                            std::tuple(b.running, last(b.owner), b.due);
                   });
  return candidates;
}

void FairClaims::Served(const std::string& owner) {
  std::lock_guard lock(mutex_);
  last_claim_[owner] = ++claims_;
}

std::string JoinEventTypes(const std::vector<std::string>& events) {
  std::string out = ",";
  for (const std::string& e : events) out += e + ",";
  return out;
}

std::vector<std::string> SplitEventTypes(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start < joined.size()) {
    size_t comma = joined.find(',', start);
    if (comma == std::string::npos) break;
    if (comma > start) out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace certadns::store
