// MemoryStore's ARI polling queries (store/job_queue.h): the same rows as the databases'
// queries, by scanning.
#include <algorithm>
#include <tuple>

#include "support/memory_store.h"

namespace certadns::test {

using core::CertificateState;

core::Result<std::vector<store::AriCheckDue>> MemoryStore::ListDueAriChecks(core::TimePoint now,
                                                                          int limit) {
  std::lock_guard lock(mutex_);
  now = StoredTime(now);
  std::vector<const CertificateRow*> due;
  for (const auto& [id, row] : certificates_) {
    const core::Certificate& c = row.certificate;
    if (c.status == CertificateState::kIssued && c.auto_renew && row.ari_check_at &&
        *row.ari_check_at <= now && c.next_renewal_at && *c.next_renewal_at > now &&
        !HasJobFor(c.id)) {
      due.push_back(&row);
    }
  }
  std::sort(due.begin(), due.end(), [](const CertificateRow* a, const CertificateRow* b) {
    return std::tie(*a->ari_check_at, a->sequence) < std::tie(*b->ari_check_at, b->sequence);
  });
  std::vector<store::AriCheckDue> out;
  for (const CertificateRow* row : due) {
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back({row->certificate, row->ari_check_failures});
  }
  return out;
}

core::Result<bool> MemoryStore::RecordAriCheck(const store::AriCheckResult& check) {
  std::lock_guard lock(mutex_);
  auto it = certificates_.find(check.certificate_id);
  if (it == certificates_.end()) return false;
  CertificateRow& row = it->second;
  core::Certificate& c = row.certificate;
  if (c.serial != check.serial || c.status != CertificateState::kIssued || HasJobFor(c.id)) {
    return false;
  }
  row.ari_check_at.reset();
  if (check.next_check_at) row.ari_check_at = StoredTime(*check.next_check_at);
  row.ari_check_failures = check.failures;
  if (check.next_renewal_at) c.next_renewal_at = StoredTime(*check.next_renewal_at);
  if (check.event) AddEvent(row, *check.event);
  return true;
}

}  // namespace certadns::test
