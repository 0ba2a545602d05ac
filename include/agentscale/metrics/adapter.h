// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Adapter rules: what a Prometheus adapter (kubernetes-sigs/prometheus-
// adapter) does between Prometheus and the HPA, done in-process on a
// SeriesStore. Per metric, a series selector picks the series, a window and
// an aggregation (avg_over_time(...[1m]) in the seed) turn each into a value
// at `now`, and a resource label says which pod (or which object) the value
// belongs to. `rules:` serve the custom metrics API (the HPA's Pods and
// Object metrics), `externalRules:` the external metrics API (External).
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
//   externalRules:
//   - seriesQuery: 'queue_depth{queue!=""}'
//     resources: {namespaced: false}
//     metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
//   )");
//   adapter->RegisterWindows(&store);   // keep 1m of samples per series
//   ...
//   // Every Pods, Object and External metric of the HPA spec, by its type:
//   adapter->FillObservationForSpec(store, now, spec, &observation);
//
// The supported subset of the configuration format (anything else is an
// error that names the field, its line and column):
//   rules[].seriesQuery        a series selector: name{l="v",l!="",l=~"re"}
//   rules[].resources          overrides: label -> {resource: R, group: G}
//                              with R pod or namespace (group "" or absent),
//                              or any other resource (service, deployment,
//                              ingress, ...: Object metrics on that kind;
//                              a non-empty group must match the described
//                              object's apiVersion group); or template
//                              "<<.Resource>>" (labels named pod, namespace
//                              and after any other kind, e.g. service)
//   rules[].name               matches (an RE2/Go regex, not anchored), as
//                              (Go's template: "$1", "${1}", "${name}", ...)
//   rules[].metricsQuery       <<.Series>>{<<.LabelMatchers>>[,matchers]}
//                              optionally inside FUNC(...[DUR]) with FUNC one
//                              of avg/max/min/sum/last/count_over_time, rate,
//                              increase; optionally all inside
//                              sum|avg|max|min(...) by (<<.GroupBy>>)
//   externalRules[]            seriesQuery, name and metricsQuery as in
//                              rules[], except that the aggregation may also
//                              be without `by` (one value) or by (l1, l2)
//                              (one value per group); <<.GroupBy>> is empty
//                              for external metrics, as in the adapter
//   externalRules[].resources  optional: namespaced (true by default: the
//                              namespace label must equal the HPA's
//                              namespace, so a label must map to the
//                              namespace resource), overrides, template
//   seriesFilters, labelValueReplacements, resourceRules, other templates:
//   rejected.
//
// The HPA's metric selector (metric.selector) becomes label matchers in
// <<.LabelMatchers>> exactly as the adapter builds them (SelectorMatchers).
//
// Values follow Kubernetes' rules: a pod whose series is missing or stale
// gets no sample (the HPA's missing-pod rules apply); an External metric
// whose series are all missing, stale or filtered out gets an empty list,
// which the engine fails with "no metrics returned from external metrics
// API" (hpa::CheckExternalMetricsReturned); a metric that no series exposes
// at all fails as the adapter's "metric not found". A value becomes
// milli-units as prometheus-adapter builds its Quantity, truncating
// (int64(value * 1000): 0.3337 -> 333m, where a parsed quantity would round
// up to 334m), so the engine sees what the metrics API would serve. NaN,
// infinite and negative values go through MetricObservation's Add*/Set*
// helpers, which mark the metric invalid so the engine holds (where
// prometheus-adapter would serve a NaN as 0: missing is never zero here).
//
// Thread safety: a MetricAdapter is immutable after creation; its const
// methods may run concurrently, also with appends to the store.
#ifndef AGENTSCALE_METRICS_ADAPTER_H_
#define AGENTSCALE_METRICS_ADAPTER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/observation.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics {

namespace internal {
class LabelRegex;  // RE2, private to the library (src/metrics/regex.h)
class NameRule;
}  // namespace internal

// Bounds on every regular expression the metrics layer compiles (label
// matchers' =~ and !~, name.matches): a longer pattern is an error that names
// the limit, and RE2 compiles each within the memory budget (a pattern that
// needs more is an error, "pattern too large - compile failed"). Matching is
// linear in the length of the value (RE2), whatever the pattern. 64 KiB is far
// above any hand-written pattern, and a selector's In list of a thousand
// 60-character values; the budget is RE2's default.
inline constexpr size_t kMaxRegexBytes = 64 * 1024;
inline constexpr int64_t kRegexMaxMemoryBytes = int64_t{8} << 20;

// One PromQL label matcher. A label that is absent matches as "".
class LabelMatcher {
 public:
  enum class Op { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  // Compiles the regex for =~ and !~ with RE2 (Go's regexp syntax), as
  // Prometheus 3 does: anchored at both ends (`=~"a|b"` matches "a" and "b"
  // only) and with `.` matching a newline. Errors: invalid syntax, a
  // pattern over kMaxRegexBytes or over the memory budget.
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
  std::shared_ptr<const internal::LabelRegex> regex_;  // =~ and !~
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

// The label matchers prometheus-adapter puts into <<.LabelMatchers>> for an
// HPA metric selector (metric.selector), as its query builder makes them:
// matchLabels k: v -> k="v"; In -> k=~"v1|v2" and NotIn -> k!~"v1|v2" (the
// values sorted and joined, used as a regex, as the adapter does); Exists
// -> k!=""; DoesNotExist -> k="". Errors: a key that is not a Prometheus
// label name (the adapter's query would not parse), an unknown operator,
// In/NotIn without values, Exists/DoesNotExist with values (Kubernetes'
// own selector checks).
absl::StatusOr<std::vector<LabelMatcher>> SelectorMatchers(
    const hpa::LabelSelector& selector);

// How the values of several series of one pod combine (PromQL's
// `AGG(...) by (<<.GroupBy>>)`). kNone: one series per pod expected; a pod
// with several makes the metric fail, as the adapter's query would.
enum class GroupAggregation { kNone, kSum, kAvg, kMax, kMin };

// A label that names objects of a resource other than pod and namespace,
// for Object metrics: resources.overrides `service: {resource: service}`.
struct ResourceLabel {
  std::string label;
  // As written ("service", "services", "deployment", ...); it matches a
  // described object whose lowercased kind is its singular or plural form.
  std::string resource;
  // Empty matches any API group (as the adapter's REST mapper does);
  // otherwise the described object's apiVersion group must equal it.
  std::string group;
};

struct MetricRule {
  // seriesQuery: which series the rule serves.
  SeriesSelector series;
  // name.matches / name.as: series name -> the metric name the HPA asks
  // for, as prometheus-adapter maps it: `name_matches` is an RE2 (Go)
  // regex, not anchored ("" stands for ".*"); the name is `name_as` expanded
  // with Go's Regexp.Expand rules ($1, ${1}, $name, ${name}, $$; "$1x" is
  // the group named "1x", write "${1}x"; a missing group is ""). An empty
  // `name_as` means $1 when the regex has one group, $0 when it has none.
  std::string name_matches = "^(.*)$";
  std::string name_as;
  // resources: the labels naming the pod (empty: a rule for Object metrics
  // only) and (optionally) the namespace.
  std::string pod_label = "pod";
  std::string namespace_label;
  // metricsQuery, taken apart.
  Aggregation aggregation = Aggregation::kAvgOverTime;
  absl::Duration window = absl::Minutes(1);
  std::vector<LabelMatcher> extra_matchers;
  GroupAggregation group = GroupAggregation::kNone;
  // The metricsQuery as written, for messages.
  std::string metrics_query;
  // resources, for Object metrics: labels naming other resources' objects.
  // A rule needs a pod label or at least one of these (or the template).
  std::vector<ResourceLabel> object_labels;
  // resources.template "<<.Resource>>": besides pod and namespace, an object
  // of kind K is named by the label lowercase(K) (e.g. `service`).
  bool resource_template = false;
};

// One of `externalRules:`, for the external metrics API (the HPA's External
// metrics).
struct ExternalRule {
  // seriesQuery, name.matches / name.as: as in MetricRule.
  SeriesSelector series;
  std::string name_matches = "^(.*)$";
  std::string name_as;
  // resources.namespaced (default true): only series whose
  // `namespace_label` equals the HPA's namespace count. false (the adapter's
  // "namespaced: false"): any namespace, e.g. a queue in another one.
  bool namespaced = true;
  std::string namespace_label;
  // metricsQuery, taken apart.
  Aggregation aggregation = Aggregation::kLatest;
  absl::Duration window = absl::ZeroDuration();
  std::vector<LabelMatcher> extra_matchers;
  // The outer aggregation over series; kNone: one value per series.
  GroupAggregation group = GroupAggregation::kNone;
  // `by (l1, l2)`: one value per distinct combination of those labels'
  // values. Empty (no `by`, or `by (<<.GroupBy>>)`, which the adapter leaves
  // empty for external metrics): one value over all series.
  std::vector<std::string> group_by;
  // The metricsQuery as written, for messages.
  std::string metrics_query;
};

// Takes a metricsQuery apart into `rule` (aggregation, window, extra
// matchers, group). Errors say which construct is not supported.
absl::Status ParseMetricsQuery(absl::string_view query, MetricRule* rule);

// The same for an external rule, which also accepts an aggregation without
// `by` and `by (label, ...)` (see ExternalRule::group_by).
absl::Status ParseExternalMetricsQuery(absl::string_view query,
                                       ExternalRule* rule);

class MetricAdapter {
 public:
  // Checks the rules (compiles name.matches; a pod label, an object label
  // or the template is set).
  static absl::StatusOr<MetricAdapter> Create(std::vector<MetricRule> rules);
  // Create() with external rules too (checked the same way; a namespaced
  // external rule needs a namespace label).
  static absl::StatusOr<MetricAdapter> FromRules(
      std::vector<MetricRule> rules, std::vector<ExternalRule> external_rules);
  // The prometheus-adapter configuration format (see the file comment).
  static absl::StatusOr<MetricAdapter> FromConfig(absl::string_view yaml);
  static absl::StatusOr<MetricAdapter> FromConfigFile(const std::string& path);

  const std::vector<MetricRule>& rules() const { return rules_; }
  const std::vector<ExternalRule>& external_rules() const {
    return external_rules_;
  }

  // Makes `store` keep every rule's window of samples (external rules'
  // too).
  void RegisterWindows(SeriesStore* store) const;

  // The metric names the store's series expose through the rules.
  std::vector<std::string> MetricNames(const SeriesStore& store) const;
  // The same through the external rules.
  std::vector<std::string> ExternalMetricNames(const SeriesStore& store) const;

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

  // Fill() with the HPA's metric selector (metric.selector) applied to the
  // series as <<.LabelMatchers>> (SelectorMatchers). Series the selector
  // filters out count as absent, not as an error: with none left the engine
  // fails the metric with "no metrics returned from custom metrics API".
  void FillPods(const SeriesStore& store, absl::Time now,
                absl::Span<const hpa::Pod> pods,
                const std::string& namespace_name,
                const hpa::LabelSelector& selector,
                MetricObservation* out) const;

  // An Object metric (custom metrics API, one object): sets
  // `out->object_value_milli` to the value of metric `out->metric` for the
  // series whose label for `object`'s kind (see MetricRule::object_labels;
  // kind Pod: the pod label; kind Namespace: the namespace label and
  // `namespace_name`) equals object.name, in `namespace_name` when the rule
  // has a namespace label. Sets `out->error` when no rule maps the kind or
  // no series of the metric has that label (NotFound, the adapter's "metric
  // not found"), when the object has no fresh series (NotFound, as the
  // adapter's "could not find the metric for <resource> <name>"), or when it
  // has several and the rule does not aggregate them.
  void FillObject(const SeriesStore& store, absl::Time now,
                  const std::string& namespace_name,
                  const hpa::ObjectReference& object,
                  const hpa::LabelSelector& selector,
                  MetricObservation* out) const;

  // An External metric (external metrics API): appends to
  // `out->external_values_milli` one value per series of metric
  // `out->metric` that matches `selector` (and `namespace_name`, for a
  // namespaced rule) and has a value at `now`, or one per group when the
  // rule aggregates. When several external rules expose the metric, the
  // last one answers (the adapter keeps one rule per name). Sets
  // `out->error` (NotFound) only when no series exposes the metric at all;
  // an empty result is left empty, for the engine's
  // hpa::CheckExternalMetricsReturned.
  void FillExternal(const SeriesStore& store, absl::Time now,
                    const std::string& namespace_name,
                    const hpa::LabelSelector& selector,
                    MetricObservation* out) const;

  // One metric of an HPA spec, by its type: Pods -> FillPods, Object ->
  // FillObject, External -> FillExternal, each with the metric's selector;
  // out->metric is set to metric.name, and values are added to what `out`
  // holds, as those functions do. Resource, ContainerResource and unknown
  // types are not served by the adapter (resourceRules are not supported):
  // `out` is left untouched.
  void FillSpecMetric(const SeriesStore& store, absl::Time now,
                      const hpa::MetricSpec& metric,
                      absl::Span<const hpa::Pod> pods,
                      const std::string& namespace_name,
                      MetricObservation* out) const;

  // FillSpecMetric() for every Pods, Object and External metric of `spec`,
  // over obs->pods in spec.namespace_name. Each such metric's observation is
  // found the way HorizontalAutoscaler::Evaluate() matches them (unnamed at
  // the metric's position, else the first unused one of that name) or
  // appended, and is reset before it is filled, so one Observation can be
  // refilled every sync. Observations of Resource metrics are left to the
  // caller.
  void FillObservationForSpec(const SeriesStore& store, absl::Time now,
                              const hpa::AutoscalerSpec& spec,
                              Observation* obs) const;

 private:
  struct CompiledRule {
    std::shared_ptr<const internal::NameRule> name;  // matches + as
  };
  MetricAdapter() = default;
  static absl::StatusOr<CompiledRule> CompileName(const std::string& where,
                                                  const std::string& matches,
                                                  const std::string& as);
  static bool Expose(const CompiledRule& c, const std::string& metric,
                     std::string* out);
  // The exposed name of series `metric` under rule `i`, if the rule maps it.
  bool ExposedName(size_t i, const std::string& metric, std::string* out) const;

  std::vector<MetricRule> rules_;
  std::vector<CompiledRule> compiled_;
  std::vector<ExternalRule> external_rules_;
  std::vector<CompiledRule> compiled_external_;
};

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_ADAPTER_H_
