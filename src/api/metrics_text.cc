#include "api/metrics_text.h"

#include <charconv>
#include <cmath>

namespace certadns::api {
namespace {

void AppendLabels(std::string& out, const MetricsText::Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Shortest text that reads back as the same double ("3", "0.25", "1e+21").
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void MetricsText::Family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  for (char c : help) {
    if (c == '\\') {
      text_ += "\\\\";
    } else if (c == '\n') {
      text_ += "\\n";
    } else {
      text_ += c;
    }
  }
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void MetricsText::Sample(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  AppendLabels(text_, labels);
  text_ += ' ';
  text_ += FormatMetricValue(value);
  text_ += '\n';
}

void MetricsText::Histogram(std::string_view name, const Labels& labels,
                            const core::metrics::Histogram::Snapshot& snapshot) {
  const std::string bucket = std::string(name) + "_bucket";
  Labels with_le = labels;
  with_le.emplace_back("le", "");
  for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
    with_le.back().second = FormatMetricValue(snapshot.upper_bounds[i]);
    Sample(bucket, with_le, static_cast<double>(snapshot.cumulative[i]));
  }
  with_le.back().second = "+Inf";
  Sample(bucket, with_le, static_cast<double>(snapshot.count));
  Sample(std::string(name) + "_sum", labels, snapshot.sum);
  Sample(std::string(name) + "_count", labels, static_cast<double>(snapshot.count));
}

}  // namespace certadns::api
