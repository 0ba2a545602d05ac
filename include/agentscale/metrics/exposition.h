// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A parser for the Prometheus text exposition format, version 0.0.4 (what
// an agent's /metrics endpoint serves): `# HELP` and `# TYPE` lines, samples
// with label sets (escapes \\, \" and \n), optional millisecond timestamps,
// NaN/+Inf/-Inf values, and the sample names of counters, gauges,
// histograms (_bucket with `le`, _sum, _count) and summaries (`quantile`,
// _sum, _count).
//
//   # HELP app_active_task_count Tasks in progress.
//   # TYPE app_active_task_count gauge
//   app_active_task_count{queue="default"} 7
//
//   agentscale::metrics::ExpositionParser parser;
//   absl::Status st = parser.Parse(body, [&](const SampleView& s) {
//     // s.name, s.labels, s.value, s.timestamp_ms, s.type ...
//   });
//
//   absl::StatusOr<agentscale::metrics::Exposition> all =
//       agentscale::metrics::ParseExposition(body);   // owning copy
//
// Label values and HELP text must be well-formed UTF-8, as Prometheus
// requires ("invalid UTF-8 label value"); anything else fails the parse.
//
// Errors are InvalidArgument and start with "line N: ", name the problem
// and quote the offending line (escaped, truncated). Any byte sequence is
// safe input: the parser never reads out of bounds, never throws and never
// aborts (a libFuzzer target, tests/fuzz/exposition_fuzz.cc, checks it).
//
// Thread safety: an ExpositionParser is not synchronized (it reuses scratch
// buffers); use one per thread. The free functions are thread-safe.
#ifndef AGENTSCALE_METRICS_EXPOSITION_H_
#define AGENTSCALE_METRICS_EXPOSITION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics {

enum class MetricType { kUntyped, kCounter, kGauge, kHistogram, kSummary };
// "untyped", "counter", "gauge", "histogram", "summary".
const char* MetricTypeName(MetricType type);

struct LabelView {
  absl::string_view name;
  absl::string_view value;  // unescaped
};

// One sample as the parser sees it. The views are valid during the callback
// only.
struct SampleView {
  absl::string_view name;    // as written, e.g. "rpc_seconds_bucket"
  absl::string_view family;  // the metric family, e.g. "rpc_seconds"
  MetricType type = MetricType::kUntyped;  // the family's # TYPE
  absl::Span<const LabelView> labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  int line = 0;
};

// A metric family's metadata, from its # TYPE and # HELP lines.
struct FamilyInfo {
  std::string name;
  MetricType type = MetricType::kUntyped;
  std::string help;  // unescaped
  friend bool operator==(const FamilyInfo& a, const FamilyInfo& b) {
    return a.name == b.name && a.type == b.type && a.help == b.help;
  }
};

class ExpositionParser {
 public:
  // Parses `text`, calling `on_sample` for every sample in order. Stops at
  // the first error (samples before it have been delivered).
  absl::Status Parse(absl::string_view text,
                     absl::FunctionRef<void(const SampleView&)> on_sample);
  // Families that had a # TYPE or # HELP line in the last Parse(), in order
  // of first appearance.
  const std::vector<FamilyInfo>& families() const { return families_; }

 private:
  struct FamilyState {
    int index = -1;  // in families_
    bool has_type = false;
    bool has_help = false;
    bool has_samples = false;
  };
  absl::Status ParseComment(absl::string_view line, int line_no);
  absl::Status ParseSample(absl::string_view line, int line_no,
                           absl::FunctionRef<void(const SampleView&)> fn);
  FamilyState& Family(absl::string_view name);

  std::vector<FamilyInfo> families_;
  absl::flat_hash_map<std::string, FamilyState> state_;
  std::vector<LabelView> labels_;
  std::string unescaped_;
};

// An owning form of one sample.
struct ParsedSample {
  std::string name;
  std::string family;
  MetricType type = MetricType::kUntyped;
  Labels labels;  // as written (not sorted)
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

struct Exposition {
  std::vector<FamilyInfo> families;
  std::vector<ParsedSample> samples;
};

absl::StatusOr<Exposition> ParseExposition(absl::string_view text);

// Parses `text` and appends every sample to `store`, as one scrape of a
// target: `target_labels` (e.g. pod and namespace) are added to every
// series; a scraped label that clashes with one is kept as
// "exported_<name>" (Prometheus' honor_labels: false). Samples without a
// timestamp get `scrape_time`. On a parse error nothing is appended.
absl::StatusOr<AppendCounts> AppendExposition(absl::string_view text,
                                              const Labels& target_labels,
                                              absl::Time scrape_time,
                                              SeriesStore* store);

// A sample value as Prometheus' HTTP API writes it (a JSON string, e.g. in
// query and query_range results): a Go float, "NaN", "+Inf", "Inf" or
// "-Inf". False for anything else (a NaN spelled otherwise included).
bool ParseApiSampleValue(const std::string& text, double* out);

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_EXPOSITION_H_
