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

std::optional<JobKind> ParseJobKind(std::string_view text) {
  for (auto k : {JobKind::kIssue, JobKind::kRenew, JobKind::kSweep}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
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
