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

std::optional<JobKind> ParseJobKind(std::string_view text) {
  for (auto k : {JobKind::kIssue, JobKind::kRenew, JobKind::kSweep}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
}

}  // namespace certadns::store
