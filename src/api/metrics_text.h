// MetricsText: writes Prometheus's text exposition format (version 0.0.4): # HELP and
// # TYPE lines, samples with escaped label values, and histograms as their cumulative
// _bucket series (le, ending with +Inf), _sum and _count. Private to src/api/.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics.h"

namespace certadns::api {

/// A label value as the format wants it: backslash, double quote and line feed escaped.
std::string EscapeLabelValue(std::string_view value);
/// A number as the format wants it: integers without a fraction, "+Inf", "-Inf", "NaN".
std::string FormatMetricValue(double value);

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string>>;

  /// Starts family `name`: its # HELP (backslash and line feed escaped) and # TYPE lines.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  /// One sample line: name{labels} value.
  void Sample(std::string_view name, const Labels& labels, double value);
  /// A histogram's samples under `labels`: name_bucket{...,le="..."} for each bound and
  /// +Inf, then name_sum and name_count.
  void Histogram(std::string_view name, const Labels& labels,
                 const core::metrics::Histogram::Snapshot& snapshot);

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace certadns::api
