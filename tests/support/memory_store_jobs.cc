// MemoryStore's certificates with their events, and its job queue: claims with leases,
// step commits, detached cleanups and the sweep's queries.
#include <algorithm>
#include <set>
#include <tuple>

#include "core/text.h"
#include "support/memory_store.h"

namespace certadns::test {

using core::CertificateState;

namespace {

std::optional<core::TimePoint> Stored(std::optional<core::TimePoint> t) {
  if (!t) return std::nullopt;
  return StoredTime(*t);
}

// A stored certificate as a read returns it: has_certificate from its PEM, and without the
// PEMs for a list.
core::Certificate AsRead(const core::Certificate& stored, bool with_pems) {
  core::Certificate c = stored;
  c.has_certificate = !stored.certificate_pem.empty();
  if (!with_pems) {
    c.certificate_pem.clear();
    c.chain_pem.clear();
  }
  return c;
}

core::Certificate StoredCertificate(const core::Certificate& c) {
  core::Certificate row = c;
  row.issued_at = Stored(c.issued_at);
  row.expires_at = Stored(c.expires_at);
  row.next_renewal_at = Stored(c.next_renewal_at);
  row.created_at = StoredTime(c.created_at);
  row.updated_at = StoredTime(c.updated_at);
  return row;
}

}  // namespace

MemoryStore::CertificateRow* MemoryStore::FindCertificate(const std::string& owner_id,
                                                          const std::string& id) {
  auto it = certificates_.find(id);
  if (it == certificates_.end() || it->second.certificate.owner_id != owner_id) return nullptr;
  return &it->second;
}

void MemoryStore::AddEvent(CertificateRow& row, const core::CertificateEvent& event) {
  // As the databases do: upstream words are kept only as safe text.
  row.events.push_back({StoredTime(event.at), event.level, core::SafeText(event.message)});
}

bool MemoryStore::HasJobFor(const std::string& certificate_id) const {
  return std::any_of(jobs_.begin(), jobs_.end(),
                     [&](const auto& j) { return j.second.job.certificate_id == certificate_id; });
}

core::Status MemoryStore::CheckJobInsert(const store::Job& job) const {
  if (jobs_.contains(job.id) || HasJobFor(job.certificate_id)) {
    return core::AlreadyExists("certificate " + job.certificate_id + " has a job already");
  }
  return core::Ok();
}

void MemoryStore::InsertJob(const store::Job& job) {
  JobRow row;
  row.job = job;
  row.job.run_at = StoredTime(job.run_at);
  row.job.created_at = StoredTime(job.created_at);
  row.sequence = ++sequence_;
  jobs_[job.id] = std::move(row);
}

store::Job MemoryStore::Visible(const JobRow& row) {
  store::Job job = row.job;
  if (row.detached_from) job.certificate_id = *row.detached_from;
  return job;
}

// Certificates.

core::Status MemoryStore::CreateCertificate(const core::Certificate& certificate,
                                            const store::Job& job, int max_certificates) {
  std::lock_guard lock(mutex_);
  if (!FindZone(certificate.owner_id, certificate.zone_id)) {
    return core::NotFound("zone " + certificate.zone_id);
  }
  int owned = 0;
  bool active = false;
  for (const auto& [id, row] : certificates_) {
    const core::Certificate& c = row.certificate;
    if (c.owner_id != certificate.owner_id) continue;
    ++owned;
    active = active || (c.domain == certificate.domain && core::IsActive(c.status));
  }
  if (owned >= max_certificates) {
    return core::Error(core::ErrorCode::kResourceExhausted, "certificate limit reached");
  }
  if (active) {
    return core::AlreadyExists("an active certificate for " + certificate.domain + " exists");
  }
  if (certificates_.contains(certificate.id)) {
    return core::AlreadyExists("certificate " + certificate.id + " exists");
  }
  if (!FindUser(certificate.owner_id)) return core::NotFound("user " + certificate.owner_id);
  RETURN_IF_ERROR(CheckJobInsert(job));
  CertificateRow row;
  row.certificate = StoredCertificate(certificate);
  row.sequence = ++sequence_;
  certificates_[certificate.id] = std::move(row);
  InsertJob(job);
  return core::Ok();
}

core::Result<int> MemoryStore::CountCertificates(const std::string& owner_id) {
  std::lock_guard lock(mutex_);
  return static_cast<int>(
      std::count_if(certificates_.begin(), certificates_.end(),
                    [&](const auto& c) { return c.second.certificate.owner_id == owner_id; }));
}

core::Status MemoryStore::SetAutoRenew(const std::string& owner_id, const std::string& id,
                                       bool enabled,
                                       std::optional<core::TimePoint> next_renewal_at) {
  std::lock_guard lock(mutex_);
  CertificateRow* row = FindCertificate(owner_id, id);
  if (!row) return core::NotFound("certificate " + id);
  row->certificate.auto_renew = enabled;
  row->certificate.next_renewal_at = Stored(next_renewal_at);
  return core::Ok();
}

core::Status MemoryStore::SetCertificateStatus(const std::string& owner_id, const std::string& id,
                                               CertificateState status,
                                               const core::CertificateEvent& event) {
  std::lock_guard lock(mutex_);
  CertificateRow* row = FindCertificate(owner_id, id);
  if (!row) return core::NotFound("certificate " + id);
  row->certificate.status = status;
  row->certificate.updated_at = StoredTime(event.at);
  AddEvent(*row, event);
  return core::Ok();
}

core::Status MemoryStore::DeleteCertificate(const std::string& owner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  if (!FindCertificate(owner_id, id)) return core::NotFound("certificate " + id);
  // Its events go with it; its job stays, finds it gone and ends.
  certificates_.erase(id);
  return core::Ok();
}

core::Result<core::Certificate> MemoryStore::GetCertificate(const std::string& owner_id,
                                                            const std::string& id) {
  std::lock_guard lock(mutex_);
  if (CertificateRow* row = FindCertificate(owner_id, id)) return AsRead(row->certificate, true);
  return core::NotFound("certificate " + id);
}

core::Result<core::Certificate> MemoryStore::GetCertificateForWorker(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = certificates_.find(id);
  if (it == certificates_.end()) return core::NotFound("certificate " + id);
  return AsRead(it->second.certificate, true);
}

core::Result<std::vector<core::Certificate>> MemoryStore::ListCertificates(
    const std::string& owner_id) {
  std::lock_guard lock(mutex_);
  std::vector<core::Certificate> out;
  for (const auto& [id, row] : certificates_) {
    if (row.certificate.owner_id == owner_id) out.push_back(AsRead(row.certificate, false));
  }
  std::sort(out.begin(), out.end(), [](const core::Certificate& a, const core::Certificate& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  return out;
}

core::Result<std::string> MemoryStore::GetSealedPrivateKey(const std::string& owner_id,
                                                           const std::string& id) {
  std::lock_guard lock(mutex_);
  CertificateRow* row = FindCertificate(owner_id, id);
  if (!row || !row->sealed_private_key) return core::NotFound("private key of certificate " + id);
  return *row->sealed_private_key;
}

core::Result<std::vector<core::CertificateEvent>> MemoryStore::ListEvents(
    const std::string& owner_id, const std::string& certificate_id) {
  std::lock_guard lock(mutex_);
  CertificateRow* row = FindCertificate(owner_id, certificate_id);
  if (!row) return std::vector<core::CertificateEvent>();
  return row->events;
}

core::Status MemoryStore::AppendEvent(const std::string& certificate_id,
                                      const core::CertificateEvent& event) {
  std::lock_guard lock(mutex_);
  auto it = certificates_.find(certificate_id);
  if (it == certificates_.end()) return core::NotFound("certificate " + certificate_id);
  AddEvent(it->second, event);
  return core::Ok();
}

// Jobs.

core::Status MemoryStore::EnqueueJob(const store::Job& job) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(CheckJobInsert(job));
  InsertJob(job);
  return core::Ok();
}

core::Status MemoryStore::StartJob(const store::Job& job, CertificateState status,
                                   core::TimePoint now) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(CheckJobInsert(job));
  auto it = certificates_.find(job.certificate_id);
  if (it == certificates_.end()) return core::NotFound("certificate " + job.certificate_id);
  it->second.certificate.status = status;
  it->second.certificate.updated_at = StoredTime(now);
  InsertJob(job);
  return core::Ok();
}

core::Result<std::optional<store::Job>> MemoryStore::ClaimJob(const std::string& worker_id,
                                                              core::TimePoint now,
                                                              core::Duration lease) {
  std::lock_guard lock(mutex_);
  now = StoredTime(now);
  JobRow* best = nullptr;
  for (auto& [id, row] : jobs_) {
    if (row.job.run_at > now || (row.lease_until && *row.lease_until >= now)) continue;
    if (!best ||
        std::tie(row.job.run_at, row.sequence) < std::tie(best->job.run_at, best->sequence)) {
      best = &row;
    }
  }
  if (!best) return std::optional<store::Job>();
  best->lease_owner = worker_id;
  best->lease_until = now + lease;
  ++claims_[best->job.certificate_id];
  return std::optional<store::Job>(Visible(*best));
}

core::Status MemoryStore::CommitStep(const std::string& worker_id,
                                     const store::StepCommit& commit) {
  std::lock_guard lock(mutex_);
  const store::Job& job = commit.job;
  auto held = jobs_.find(job.id);
  if (held == jobs_.end() || held->second.lease_owner != worker_id) {
    return core::FailedPrecondition("lease on job " + job.id + " was lost");
  }
  // Every check before any write: a commit that fails writes nothing.
  if (commit.certificate && !certificates_.contains(commit.certificate->id)) {
    return core::NotFound("certificate " + commit.certificate->id);
  }
  auto owner = certificates_.find(job.certificate_id);
  if (!commit.events.empty() && owner == certificates_.end()) {
    return core::NotFound("certificate " + job.certificate_id);
  }
  if (commit.finished) {
    jobs_.erase(held);
  } else {
    JobRow& row = held->second;
    row.job.step = job.step;
    row.job.attempt = job.attempt;
    row.job.run_at = StoredTime(job.run_at);
    row.job.state = job.state;
    row.job.sealed_key = job.sealed_key;
    if (commit.keep_lease_until) {
      row.lease_until = StoredTime(*commit.keep_lease_until);
    } else {
      row.lease_owner.clear();
      row.lease_until.reset();
    }
    if (commit.detach) {
      // Detaching frees the certificate for a new job while this one carries on.
      if (!row.detached_from) row.detached_from = row.job.certificate_id;
      row.job.certificate_id = "cleanup:" + row.job.id;
    }
  }
  if (commit.certificate) {
    // Only the columns the engine owns: a user's change made while the step ran (the
    // auto-renew toggle) must survive the commit.
    const core::Certificate c = StoredCertificate(*commit.certificate);
    core::Certificate& stored = certificates_[c.id].certificate;
    stored.status = c.status;
    stored.issued_at = c.issued_at;
    stored.expires_at = c.expires_at;
    stored.next_renewal_at = c.next_renewal_at;
    stored.serial = c.serial;
    stored.certificate_pem = c.certificate_pem;
    stored.chain_pem = c.chain_pem;
    stored.updated_at = c.updated_at;
  }
  if (owner != certificates_.end() && (commit.renewal_retry_at || commit.clear_renewal_retry)) {
    owner->second.renewal_retry_at =
        commit.renewal_retry_at ? std::optional(StoredTime(*commit.renewal_retry_at))
                                : std::nullopt;
  }
  if (owner != certificates_.end() && commit.set_ari_check) {
    owner->second.ari_check_at.reset();
    if (commit.ari_check_at) owner->second.ari_check_at = StoredTime(*commit.ari_check_at);
    owner->second.ari_check_failures = 0;
  }
  if (commit.wake_sweep_at) {
    for (auto& [id, row] : jobs_) {
      if (row.job.certificate_id == store::kSweepJobId) {
        row.job.run_at = std::min(row.job.run_at, StoredTime(*commit.wake_sweep_at));
      }
    }
  }
  if (owner != certificates_.end()) {
    if (commit.sealed_private_key) owner->second.sealed_private_key = *commit.sealed_private_key;
    for (const core::CertificateEvent& event : commit.events) AddEvent(owner->second, event);
  }
  return core::Ok();
}

core::Status MemoryStore::ExtendLease(const std::string& worker_id, const std::string& job_id,
                                      core::TimePoint until) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.lease_owner != worker_id) {
    return core::FailedPrecondition("lease on job " + job_id + " was lost");
  }
  it->second.lease_until =
      std::max(it->second.lease_until.value_or(StoredTime(until)), StoredTime(until));
  return core::Ok();
}

core::Result<std::vector<std::string>> MemoryStore::ListLeaseOwners(core::TimePoint now) {
  std::lock_guard lock(mutex_);
  std::set<std::string> owners;
  for (const auto& [id, row] : jobs_) {
    if (row.lease_until && *row.lease_until >= StoredTime(now)) owners.insert(row.lease_owner);
  }
  return std::vector<std::string>(owners.begin(), owners.end());
}

core::Status MemoryStore::ReleaseLeases(const std::string& worker_id) {
  std::lock_guard lock(mutex_);
  for (auto& [id, row] : jobs_) {
    if (row.lease_owner != worker_id) continue;
    row.lease_owner.clear();
    row.lease_until.reset();
  }
  return core::Ok();
}

core::Result<std::optional<core::TimePoint>> MemoryStore::NextJobDue() {
  std::lock_guard lock(mutex_);
  std::optional<core::TimePoint> next;
  for (const auto& [id, row] : jobs_) {
    core::TimePoint due = std::max(row.job.run_at, row.lease_until.value_or(row.job.run_at));
    if (!next || due < *next) next = due;
  }
  return next;
}

core::Result<std::vector<store::Job>> MemoryStore::ListJobs(const std::string& certificate_id) {
  std::lock_guard lock(mutex_);
  std::vector<const JobRow*> rows;
  for (const auto& [id, row] : jobs_) {
    if (row.job.certificate_id == certificate_id || row.detached_from == certificate_id) {
      rows.push_back(&row);
    }
  }
  std::sort(rows.begin(), rows.end(), [](const JobRow* a, const JobRow* b) {
    return std::tie(a->job.created_at, a->sequence) < std::tie(b->job.created_at, b->sequence);
  });
  std::vector<store::Job> jobs;
  for (const JobRow* row : rows) jobs.push_back(Visible(*row));
  return jobs;
}

// The sweep.

core::Result<int> MemoryStore::ExpireCertificates(core::TimePoint now) {
  std::lock_guard lock(mutex_);
  now = StoredTime(now);
  int changed = 0;
  for (auto& [id, row] : certificates_) {
    core::Certificate& c = row.certificate;
    if (c.status != CertificateState::kIssued || !c.expires_at || *c.expires_at > now) continue;
    AddEvent(row, {now, core::EventLevel::kWarning,
                   "Certificate expired on " + core::FormatRfc3339(*c.expires_at)});
    c.status = CertificateState::kExpired;
    c.updated_at = now;
    ++changed;
  }
  return changed;
}

core::Result<std::vector<core::Certificate>> MemoryStore::ListDueRenewals(core::TimePoint now,
                                                                          int limit) {
  std::lock_guard lock(mutex_);
  now = StoredTime(now);
  std::vector<const CertificateRow*> due;
  for (const auto& [id, row] : certificates_) {
    const core::Certificate& c = row.certificate;
    const store::Zone* zone = FindZone(c.owner_id, c.zone_id);
    if (c.status == CertificateState::kIssued && c.auto_renew && c.next_renewal_at &&
        *c.next_renewal_at <= now && (!row.renewal_retry_at || *row.renewal_retry_at <= now) &&
        !HasJobFor(c.id) && zone && zone->verified) {
      due.push_back(&row);
    }
  }
  std::sort(due.begin(), due.end(), [](const CertificateRow* a, const CertificateRow* b) {
    return std::tie(*a->certificate.next_renewal_at, a->sequence) <
           std::tie(*b->certificate.next_renewal_at, b->sequence);
  });
  std::vector<core::Certificate> out;
  for (const CertificateRow* row : due) {
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back(row->certificate);
  }
  return out;
}

core::Status MemoryStore::StartAutoRenewal(const store::Job& job, core::TimePoint retry_at) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(CheckJobInsert(job));
  auto it = certificates_.find(job.certificate_id);
  if (it == certificates_.end()) return core::NotFound("certificate " + job.certificate_id);
  it->second.renewal_retry_at = StoredTime(retry_at);
  InsertJob(job);
  return core::Ok();
}

core::Result<std::optional<core::TimePoint>> MemoryStore::NextLifecycleEvent(core::TimePoint now) {
  std::lock_guard lock(mutex_);
  now = StoredTime(now);
  std::optional<core::TimePoint> next;
  auto consider = [&](core::TimePoint t) {
    if (t > now && (!next || t < *next)) next = t;
  };
  for (const auto& [id, row] : certificates_) {
    const core::Certificate& c = row.certificate;
    if (c.status != CertificateState::kIssued) continue;
    if (c.expires_at) consider(*c.expires_at);
    if (c.auto_renew && c.next_renewal_at) {
      consider(std::max(*c.next_renewal_at, row.renewal_retry_at.value_or(*c.next_renewal_at)));
    }
    if (c.auto_renew && row.ari_check_at) consider(*row.ari_check_at);
  }
  return next;
}

core::Status MemoryStore::AddPooledKey(const store::PooledKey& key, core::TimePoint created_at) {
  std::lock_guard lock(mutex_);
  for (const auto& [order, sealed] : pooled_keys_) {
    if (order.second == key.id) return core::AlreadyExists("pooled key " + key.id);
  }
  pooled_keys_.emplace(std::make_pair(created_at, key.id), key.sealed_key);
  return core::Ok();
}

core::Result<std::optional<store::PooledKey>> MemoryStore::TakePooledKey() {
  std::lock_guard lock(mutex_);
  if (pooled_keys_.empty()) return std::optional<store::PooledKey>();
  auto oldest = pooled_keys_.begin();
  store::PooledKey key{oldest->first.second, std::move(oldest->second)};
  pooled_keys_.erase(oldest);
  return std::optional<store::PooledKey>(std::move(key));
}

core::Result<int64_t> MemoryStore::CountPooledKeys() {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(pooled_keys_.size());
}

core::Status MemoryStore::AppendAudit(const store::AuditEntry& entry) {
  std::lock_guard lock(mutex_);
  if (FindUser(entry.owner_id) == nullptr) return core::NotFound("user " + entry.owner_id);
  for (const auto& e : audit_) {
    if (e.id == entry.id) return core::AlreadyExists("audit entry " + entry.id);
  }
  store::AuditEntry stored = entry;
  stored.at = StoredTime(entry.at);
  stored.sequence = static_cast<int64_t>(audit_.size()) + 1;
  audit_.push_back(std::move(stored));
  return core::Ok();
}

core::Result<std::vector<store::AuditEntry>> MemoryStore::ListAudit(
    const store::AuditQuery& q) {
  std::lock_guard lock(mutex_);
  std::vector<store::AuditEntry> out;
  for (const auto& e : audit_) {
    if (e.owner_id != q.owner_id || (q.action && e.action != *q.action) ||
        (q.target_id && e.target_id != *q.target_id) || (q.since && e.at < *q.since) ||
        (q.until && e.at >= *q.until)) {
      continue;
    }
    if (q.before_sequence && e.sequence >= *q.before_sequence) continue;
    out.push_back(e);
  }
  std::reverse(out.begin(), out.end());
  if (out.size() > static_cast<size_t>(std::max(0, q.limit))) out.resize(std::max(0, q.limit));
  return out;
}

core::Result<store::ServiceStats> MemoryStore::ReadServiceStats(core::TimePoint now,
                                                                core::Duration overdue_after) {
  std::lock_guard lock(mutex_);
  store::ServiceStats stats;
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (const auto& [id, row] : certificates_) {
    const core::Certificate& c = row.certificate;
    const store::User* owner = FindUser(c.owner_id);
    ++counts[{std::string(core::ToString(c.status)), owner ? owner->plan : ""}];
    if (c.status == core::CertificateState::kIssued && c.auto_renew && c.next_renewal_at &&
        *c.next_renewal_at <= now) {
      ++stats.renewals_due;
      if (*c.next_renewal_at <= now - overdue_after) ++stats.renewals_overdue;
    }
  }
  for (const auto& [key, count] : counts) stats.certificates.push_back({key.first, key.second, count});
  for (const auto& [id, row] : jobs_) {
    if (row.job.run_at > now || (row.lease_until && *row.lease_until > now)) continue;
    ++stats.jobs_due;
    if (!stats.oldest_due_job || row.job.run_at < *stats.oldest_due_job) {
      stats.oldest_due_job = row.job.run_at;
    }
  }
  return stats;
}

core::Result<std::vector<store::CertificateExpiry>> MemoryStore::ListCertificateExpiries(
    int limit) {
  std::lock_guard lock(mutex_);
  std::vector<store::CertificateExpiry> out;
  for (const auto& [id, row] : certificates_) {  // by id
    if (static_cast<int>(out.size()) >= limit) break;
    if (row.certificate.expires_at) {
      out.push_back({id, row.certificate.domain, *row.certificate.expires_at});
    }
  }
  return out;
}

}  // namespace certadns::test
