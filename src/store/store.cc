#include "store/master_key_record.h"
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
  }
  return {"certificates", "id", "id", "private_key_sealed"};
}

std::optional<JobKind> ParseJobKind(std::string_view text) {
  for (auto k : {JobKind::kIssue, JobKind::kRenew, JobKind::kSweep}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
}

}  // namespace certadns::store
