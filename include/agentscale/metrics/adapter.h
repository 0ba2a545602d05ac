// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Adapter rules: what a Prometheus adapter (kubernetes-sigs/prometheus-
// adapter) does between Prometheus and the HPA, done in-process on a
// SeriesStore. Per metric, a series selector picks the series, a window and
// an aggregation (avg_over_time(...[1m]) in the seed) turn each into a value
// at `now`, and the pod label says which pod the value belongs to.
//
//   absl::StatusOr<agentscale::metrics::MetricAdapter> adapter =
//       agentscale::metrics::MetricAdapter::FromConfig(R"(
//   rules:
//   - seriesQuery: 'app_active_task_count{namespace!="",pod!=""}'
//     resources:
//       overrides:
//         namespace: {resource: "namespace"}
//         pod: {resource: "pod"}
//     name:
//       matches: "^(.*)$"
//       as: "${1}"
//     metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
//   )");
//   adapter->RegisterWindows(&store);   // keep 1m of samples per series
//   ...
//   adapter->FillObservation(store, now, "default", &observation);
//
// The supported subset of the configuration format (anything else is an
// error that names the field, its line and column):
//   rules[].seriesQuery        a series selector: name{l="v",l!="",l=~"re"}
//   rules[].resources          overrides: label -> {resource: pod|namespace}
//                              (group "" or absent), or template
//                              "<<.Resource>>"
//   rules[].name               matches (regex), as ("$1", "${1}", ...)
//   rules[].metricsQuery       <<.Series>>{<<.LabelMatchers>>[,matchers]}
//                              optionally inside FUNC(...[DUR]) with FUNC one
//                              of avg/max/min/sum/last/count_over_time, rate,
//                              increase; optionally all inside
//                              sum|avg|max|min(...) by (<<.GroupBy>>)
//   seriesFilters, externalRules, resourceRules, other templates: rejected.
//
// Values follow Kubernetes' rules: a pod whose series is missing or stale
// gets no sample (the HPA's missing-pod rules apply); NaN, infinite and
// negative values go through MetricObservation::AddPodValue, which marks the
// metric invalid so the engine holds.
//
// Thread safety: a MetricAdapter is immutable after creation; its const
// methods may run concurrently, also with appends to the store.
#ifndef AGENTSCALE_METRICS_ADAPTER_H_
#define AGENTSCALE_METRICS_ADAPTER_H_

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/engine/observation.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics {

// One PromQL label matcher. A label that is absent matches as "".
class LabelMatcher {
 public:
  enum class Op { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  // Compiles the regex (anchored at both ends, as in PromQL) for =~ and !~.
  static absl::StatusOr<LabelMatcher> Create(std::string name, Op op,
                                             std::string value);
  const std::string& name() const { return name_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }
  // `metric` stands in for the label __name__.
  bool Matches(absl::string_view metric, const Labels& labels) const;
  std::string ToString() const;  // name op "value"

 private:
  std::string name_;
  Op op_ = Op::kEqual;
  std::string value_;
  std::shared_ptr<const std::regex> regex_;
};

struct SeriesSelector {
  std::string metric;  // empty: any metric (matchers may constrain __name__)
  std::vector<LabelMatcher> matchers;
  bool Matches(absl::string_view metric_name, const Labels& labels) const;
};

// Parses a PromQL series selector: `name`, `name{...}` or `{...}` with
// matchers l="v", l!="v", l=~"re", l!~"re" (double or single quotes).
absl::StatusOr<SeriesSelector> ParseSeriesSelector(absl::string_view text);

// Parses a PromQL duration: "1m", "30s", "1m30s", "500ms", "1h", "1d".
absl::StatusOr<absl::Duration> ParsePromDuration(absl::string_view text);

// How the values of several series of one pod combine (PromQL's
// `AGG(...) by (<<.GroupBy>>)`). kNone: one series per pod expected; a pod
// with several makes the metric fail, as the adapter's query would.
enum class GroupAggregation { kNone, kSum, kAvg, kMax, kMin };

struct MetricRule {
  // seriesQuery: which series the rule serves.
  SeriesSelector series;
  // name.matches / name.as: series name -> the metric name the HPA asks
  // for. `name_as` uses $1 / ${1} group references; empty means $1 when the
  // regex has one group, $0 when it has none.
  std::string name_matches = "^(.*)$";
  std::string name_as;
  // resources: the labels naming the pod and (optionally) the namespace.
  std::string pod_label = "pod";
  std::string namespace_label;
  // metricsQuery, taken apart.
  Aggregation aggregation = Aggregation::kAvgOverTime;
  absl::Duration window = absl::Minutes(1);
  std::vector<LabelMatcher> extra_matchers;
  GroupAggregation group = GroupAggregation::kNone;
  // The metricsQuery as written, for messages.
  std::string metrics_query;
};

// Takes a metricsQuery apart into `rule` (aggregation, window, extra
// matchers, group). Errors say which construct is not supported.
absl::Status ParseMetricsQuery(absl::string_view query, MetricRule* rule);

class MetricAdapter {
 public:
  // Checks the rules (compiles name.matches, a pod label is set).
  static absl::StatusOr<MetricAdapter> Create(std::vector<MetricRule> rules);
  // The prometheus-adapter configuration format (see the file comment).
  static absl::StatusOr<MetricAdapter> FromConfig(absl::string_view yaml);
  static absl::StatusOr<MetricAdapter> FromConfigFile(const std::string& path);

  const std::vector<MetricRule>& rules() const { return rules_; }

  // Makes `store` keep every rule's window of samples.
  void RegisterWindows(SeriesStore* store) const;

  // The metric names the store's series expose through the rules.
  std::vector<std::string> MetricNames(const SeriesStore& store) const;

  // Appends to `out->pod_samples` one sample per pod of `pods` that has a
  // value of metric `out->metric` at `now`. `namespace_name` filters on the
  // namespace label when a rule has one (empty: any namespace). Sets
  // `out->error` when no series of the metric exists at all (as the
  // adapter's "metric not found"), or a pod has several series and the
  // rule does not aggregate them.
  void Fill(const SeriesStore& store, absl::Time now,
            absl::Span<const hpa::Pod> pods, const std::string& namespace_name,
            MetricObservation* out) const;
  // Fill() for every named metric of `obs`, over obs->pods.
  void FillObservation(const SeriesStore& store, absl::Time now,
                       const std::string& namespace_name,
                       Observation* obs) const;

 private:
  struct CompiledRule {
    std::shared_ptr<const std::regex> name_regex;
    std::string name_format;  // std::regex format ($1 ...)
  };
  MetricAdapter() = default;
  // The exposed name of series `metric` under rule `i`, if the rule maps it.
  bool ExposedName(size_t i, const std::string& metric, std::string* out) const;

  std::vector<MetricRule> rules_;
  std::vector<CompiledRule> compiled_;
};

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_ADAPTER_H_
