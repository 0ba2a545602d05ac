// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/adapter.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/status_macros.h"
#include "names.h"
#include "regex.h"

namespace agentscale::metrics {
// --- MetricAdapter -----------------------------------------------------------

namespace {

// apiVersion "apps/v1" -> "apps"; "v1" -> "" (the core group).
std::string ApiGroup(const std::string& api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

// Kubernetes' meta.UnsafeGuessKindToResource: "Service" -> service/services,
// "Ingress" -> ingress/ingresses, "Policy" -> policy/policies.
void KindToResource(const std::string& kind, std::string* singular,
                    std::string* plural) {
  *singular = absl::AsciiStrToLower(kind);
  if (singular->empty()) {
    plural->clear();
    return;
  }
  switch (singular->back()) {
    case 's':
      *plural = *singular + "es";
      break;
    case 'y':
      *plural = singular->substr(0, singular->size() - 1) + "ies";
      break;
    default:
      *plural = *singular + "s";
  }
}

// The label that names objects of `kind` (in API group `group`) under rule
// `r`, or "" when the rule does not map that kind.
std::string ObjectLabelFor(const MetricRule& r, const std::string& singular,
                           const std::string& plural,
                           const std::string& group) {
  if (group.empty() && singular == "pod" && !r.pod_label.empty()) {
    return r.pod_label;
  }
  if (group.empty() && singular == "namespace" && !r.namespace_label.empty()) {
    return r.namespace_label;
  }
  for (const ResourceLabel& rl : r.object_labels) {
    const std::string res = absl::AsciiStrToLower(rl.resource);
    if ((res == singular || res == plural) &&
        (rl.group.empty() || rl.group == group)) {
      return rl.label;
    }
  }
  if (r.resource_template && internal::IsValidLabelName(singular)) {
    return singular;
  }
  return "";
}

// Several values combined as PromQL's sum/avg/max/min; kNone keeps the
// first and notes that there were more.
struct Combined {
  int present = 0;
  double value = 0;
  bool several = false;
  void Add(double v, GroupAggregation g) {
    if (present++ == 0) {
      value = v;
      return;
    }
    switch (g) {
      case GroupAggregation::kNone:
        several = true;
        break;
      case GroupAggregation::kSum:
      case GroupAggregation::kAvg:
        value += v;
        break;
      case GroupAggregation::kMax:
        if (v > value || std::isnan(value)) value = v;
        break;
      case GroupAggregation::kMin:
        if (v < value || std::isnan(value)) value = v;
        break;
    }
  }
  double Result(GroupAggregation g) const {
    return g == GroupAggregation::kAvg ? value / present : value;
  }
};

bool MatchAll(const std::vector<LabelMatcher>& matchers,
              absl::string_view metric, const Labels& labels) {
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(metric, labels)) return false;
  }
  return true;
}

absl::Status SelectorError(const absl::Status& st) {
  return absl::InvalidArgumentError(
      absl::StrCat("metric selector: ", st.message()));
}

bool ServedByAdapter(hpa::MetricSourceType t) {
  return t == hpa::MetricSourceType::kPods ||
         t == hpa::MetricSourceType::kObject ||
         t == hpa::MetricSourceType::kExternal;
}

// HorizontalAutoscaler::MatchMetrics' assignment of observations to spec
// metrics (spec index -> observation index or -1), so that the adapter
// fills the observation the engine will read.
std::vector<int> MatchLikeEngine(const hpa::AutoscalerSpec& spec,
                                 const std::deque<MetricObservation>& obs) {
  const size_t n = spec.metrics.size();
  std::vector<int> spec_obs(n, -1);
  for (size_t j = 0; j < obs.size(); ++j) {
    const std::string& name = obs[j].metric;
    int target = -1;
    if (name.empty()) {
      if (j < n) target = static_cast<int>(j);
    } else if (j < n && spec_obs[j] < 0 && spec.metrics[j].name == name) {
      target = static_cast<int>(j);
    } else {
      for (size_t i = 0; i < n; ++i) {
        if (spec_obs[i] < 0 && spec.metrics[i].name == name) {
          target = static_cast<int>(i);
          break;
        }
      }
    }
    if (target >= 0 && spec_obs[target] < 0) {
      spec_obs[target] = static_cast<int>(j);
    }
  }
  return spec_obs;
}

}  // namespace

absl::StatusOr<std::vector<LabelMatcher>> SelectorMatchers(
    const hpa::LabelSelector& selector) {
  std::vector<LabelMatcher> out;
  auto add = [&out](const std::string& key, LabelMatcher::Op op,
                    std::string value) -> absl::Status {
    if (!internal::IsValidLabelName(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key \"", absl::CHexEscape(key),
          "\" is not a valid Prometheus label name"));
    }
    AGENTSCALE_ASSIGN_OR_RETURN(
        LabelMatcher m, LabelMatcher::Create(key, op, std::move(value)));
    out.push_back(std::move(m));
    return absl::OkStatus();
  };
  for (const auto& [key, value] : selector.match_labels) {
    AGENTSCALE_RETURN_IF_ERROR(add(key, LabelMatcher::Op::kEqual, value));
  }
  for (const hpa::LabelSelectorRequirement& r : selector.match_expressions) {
    // labels.Requirement keeps its values as a sorted set.
    std::vector<std::string> values = r.values;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (r.op == "In" || r.op == "NotIn") {
      if (values.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "key \"", absl::CHexEscape(r.key), "\": values must not be empty "
            "for the In and NotIn operators"));
      }
      AGENTSCALE_RETURN_IF_ERROR(
          add(r.key,
              r.op == "In" ? LabelMatcher::Op::kRegexMatch
                           : LabelMatcher::Op::kRegexNoMatch,
              absl::StrJoin(values, "|")));
    } else if (r.op == "Exists" || r.op == "DoesNotExist") {
      if (!values.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "key \"", absl::CHexEscape(r.key), "\": values must be empty "
            "for the Exists and DoesNotExist operators"));
      }
      AGENTSCALE_RETURN_IF_ERROR(add(r.key,
                                     r.op == "Exists"
                                         ? LabelMatcher::Op::kNotEqual
                                         : LabelMatcher::Op::kEqual,
                                     ""));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", absl::CHexEscape(r.op),
          "\" is not a valid label selector operator"));
    }
  }
  return out;
}

absl::StatusOr<MetricAdapter::CompiledRule> MetricAdapter::CompileName(
    const std::string& where, const std::string& matches,
    const std::string& as) {
  absl::StatusOr<std::shared_ptr<const internal::NameRule>> name =
      internal::NameRule::Create(matches, as);
  if (!name.ok()) {
    const bool as_required = absl::StartsWith(name.status().message(),
                                              internal::NameRule::kAsRequired);
    return absl::InvalidArgumentError(
        absl::StrCat(where, as_required ? ".name.as: " : ".name.matches: ",
                     name.status().message()));
  }
  return CompiledRule{*std::move(name)};
}

absl::StatusOr<MetricAdapter> MetricAdapter::Create(
    std::vector<MetricRule> rules) {
  return FromRules(std::move(rules), {});
}

absl::StatusOr<MetricAdapter> MetricAdapter::FromRules(
    std::vector<MetricRule> rules, std::vector<ExternalRule> external_rules) {
  MetricAdapter a;
  for (size_t i = 0; i < rules.size(); ++i) {
    const MetricRule& r = rules[i];
    const std::string where = absl::StrCat("rules[", i, "]");
    if (r.pod_label.empty() && r.object_labels.empty() &&
        !r.resource_template) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ".resources: no label maps to the pod resource (or to another "
          "resource, for Object metrics)"));
    }
    for (const ResourceLabel& rl : r.object_labels) {
      if (!internal::IsValidLabelName(rl.label) || rl.resource.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".resources: label \"", absl::CHexEscape(rl.label),
            "\" for resource \"", absl::CHexEscape(rl.resource),
            "\": needs a valid label name and a resource"));
      }
    }
    if (r.series.metric.empty() && r.series.matchers.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".seriesQuery: empty selector"));
    }
    if (r.aggregation != Aggregation::kLatest &&
        r.window <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".metricsQuery: the window must be positive"));
    }
    AGENTSCALE_ASSIGN_OR_RETURN(CompiledRule c,
                                CompileName(where, r.name_matches, r.name_as));
    a.compiled_.push_back(std::move(c));
  }
  for (size_t i = 0; i < external_rules.size(); ++i) {
    const ExternalRule& r = external_rules[i];
    const std::string where = absl::StrCat("externalRules[", i, "]");
    if (r.series.metric.empty() && r.series.matchers.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".seriesQuery: empty selector"));
    }
    if (r.namespaced && r.namespace_label.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ".resources: namespaced, but no label maps to the namespace "
          "resource (add overrides: {namespace: {resource: namespace}}, or "
          "set namespaced: false)"));
    }
    if (!r.namespace_label.empty() &&
        !internal::IsValidLabelName(r.namespace_label)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".resources: invalid namespace label \"",
                       absl::CHexEscape(r.namespace_label), "\""));
    }
    if (r.aggregation != Aggregation::kLatest &&
        r.window <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".metricsQuery: the window must be positive"));
    }
    if (r.group == GroupAggregation::kNone && !r.group_by.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".metricsQuery: group_by without an aggregation"));
    }
    for (const std::string& l : r.group_by) {
      if (!internal::IsValidLabelName(l)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".metricsQuery: invalid label name \"",
                         absl::CHexEscape(l), "\" in by (...)"));
      }
    }
    AGENTSCALE_ASSIGN_OR_RETURN(CompiledRule c,
                                CompileName(where, r.name_matches, r.name_as));
    a.compiled_external_.push_back(std::move(c));
  }
  a.rules_ = std::move(rules);
  a.external_rules_ = std::move(external_rules);
  return a;
}

bool MetricAdapter::Expose(const CompiledRule& c, const std::string& metric,
                           std::string* out) {
  return c.name->Expose(metric, out);
}

bool MetricAdapter::ExposedName(size_t i, const std::string& metric,
                                std::string* out) const {
  return Expose(compiled_[i], metric, out);
}

void MetricAdapter::RegisterWindows(SeriesStore* store) const {
  for (const MetricRule& r : rules_) {
    if (r.aggregation != Aggregation::kLatest) store->RegisterWindow(r.window);
  }
  for (const ExternalRule& r : external_rules_) {
    if (r.aggregation != Aggregation::kLatest) store->RegisterWindow(r.window);
  }
}

std::vector<std::string> MetricAdapter::MetricNames(
    const SeriesStore& store) const {
  std::vector<std::string> names;
  std::string name;
  for (size_t i = 0; i < rules_.size(); ++i) {
    for (const SeriesInfo& s : store.Select(rules_[i].series.metric)) {
      if (!rules_[i].series.Matches(s.metric, s.labels)) continue;
      if (ExposedName(i, s.metric, &name) &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> MetricAdapter::ExternalMetricNames(
    const SeriesStore& store) const {
  std::vector<std::string> names;
  std::string name;
  for (size_t i = 0; i < external_rules_.size(); ++i) {
    const ExternalRule& r = external_rules_[i];
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!r.series.Matches(s.metric, s.labels)) continue;
      if (Expose(compiled_external_[i], s.metric, &name) &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

void MetricAdapter::Fill(const SeriesStore& store, absl::Time now,
                         absl::Span<const hpa::Pod> pods,
                         const std::string& namespace_name,
                         MetricObservation* out) const {
  FillPods(store, now, pods, namespace_name, hpa::LabelSelector(), out);
}

void MetricAdapter::FillPods(const SeriesStore& store, absl::Time now,
                             absl::Span<const hpa::Pod> pods,
                             const std::string& namespace_name,
                             const hpa::LabelSelector& selector,
                             MetricObservation* out) const {
  absl::StatusOr<std::vector<LabelMatcher>> selected =
      SelectorMatchers(selector);
  if (!selected.ok()) {
    out->error = SelectorError(selected.status());
    return;
  }
  absl::flat_hash_map<std::string, int> pod_index;
  for (size_t p = 0; p < pods.size(); ++p) {
    pod_index.emplace(pods[p].name, static_cast<int>(p));
  }
  struct Acc {
    int series = 0;   // matching series (present or not)
    int present = 0;  // with a value
    double value = 0;
    absl::Duration window;
    GroupAggregation group = GroupAggregation::kNone;
  };
  std::vector<Acc> acc(pods.size());
  bool any_series = false;
  std::string name;
  std::string multi_pod;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const MetricRule& r = rules_[i];
    if (r.pod_label.empty()) continue;  // an Object-only rule
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!ExposedName(i, s.metric, &name) || name != out->metric) continue;
      if (!r.series.Matches(s.metric, s.labels)) continue;
      if (!MatchAll(r.extra_matchers, s.metric, s.labels)) continue;
      if (!r.namespace_label.empty() && !namespace_name.empty()) {
        const std::string* ns = FindLabel(s.labels, r.namespace_label);
        if (ns == nullptr || *ns != namespace_name) continue;
      }
      any_series = true;
      // The HPA's metric selector narrows the query, not the metric's
      // existence: what it filters out is simply not returned.
      if (!MatchAll(*selected, s.metric, s.labels)) continue;
      const std::string* pod = FindLabel(s.labels, r.pod_label);
      if (pod == nullptr) continue;
      auto it = pod_index.find(*pod);
      if (it == pod_index.end()) continue;
      Acc& a = acc[it->second];
      ++a.series;
      std::optional<double> v = store.Query(s.ref, r.aggregation, r.window, now);
      if (!v.has_value()) continue;
      a.window = r.aggregation == Aggregation::kLatest ? absl::Minutes(1)
                                                       : r.window;
      if (a.present == 0) {
        a.value = *v;
      } else {
        switch (r.group) {
          case GroupAggregation::kNone:
            if (multi_pod.empty()) multi_pod = *pod;
            break;
          case GroupAggregation::kSum:
          case GroupAggregation::kAvg:
            a.value += *v;
            break;
          case GroupAggregation::kMax:
            if (*v > a.value || std::isnan(a.value)) a.value = *v;
            break;
          case GroupAggregation::kMin:
            if (*v < a.value || std::isnan(a.value)) a.value = *v;
            break;
        }
      }
      ++a.present;
      a.group = r.group;  // kAvg keeps a running sum, divided below
    }
  }
  if (!any_series) {
    out->error = absl::NotFoundError(absl::StrCat(
        "no series for metric ", out->metric, " matches any adapter rule"));
    return;
  }
  if (!multi_pod.empty()) {
    out->error = absl::FailedPreconditionError(absl::StrCat(
        "metric ", out->metric, ": pod ", multi_pod,
        " has several series; aggregate them in the metricsQuery, e.g. "
        "sum(...) by (<<.GroupBy>>)"));
    return;
  }
  for (size_t p = 0; p < pods.size(); ++p) {
    Acc& a = acc[p];
    if (a.present == 0) continue;  // missing: never zero
    const double value =
        a.group == GroupAggregation::kAvg ? a.value / a.present : a.value;
    out->AddPodValue(pods[p].name, value, now, a.window,
                     MilliRounding::kTruncate);
  }
}

void MetricAdapter::FillObject(const SeriesStore& store, absl::Time now,
                               const std::string& namespace_name,
                               const hpa::ObjectReference& object,
                               const hpa::LabelSelector& selector,
                               MetricObservation* out) const {
  absl::StatusOr<std::vector<LabelMatcher>> selected =
      SelectorMatchers(selector);
  if (!selected.ok()) {
    out->error = SelectorError(selected.status());
    return;
  }
  const std::string group = ApiGroup(object.api_version);
  std::string singular, plural;
  KindToResource(object.kind, &singular, &plural);
  // Kubernetes asks for a Namespace object's metric in the HPA's own
  // namespace, whatever name the reference carries.
  const bool is_namespace = group.empty() && singular == "namespace";
  const std::string& object_name = is_namespace ? namespace_name : object.name;
  const std::string described = absl::StrCat(object.kind, " ", object_name);

  bool mapped = false;  // some rule maps a label to this kind
  bool known = false;   // some series of the metric describes such objects
  Combined value;
  GroupAggregation agg = GroupAggregation::kNone;
  std::string name;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const MetricRule& r = rules_[i];
    const std::string label = ObjectLabelFor(r, singular, plural, group);
    if (label.empty()) continue;
    mapped = true;
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!ExposedName(i, s.metric, &name) || name != out->metric) continue;
      if (!r.series.Matches(s.metric, s.labels)) continue;
      const std::string* obj = FindLabel(s.labels, label);
      if (obj == nullptr) continue;
      known = true;
      if (*obj != object_name) continue;
      if (!MatchAll(r.extra_matchers, s.metric, s.labels)) continue;
      if (!MatchAll(*selected, s.metric, s.labels)) continue;
      if (!is_namespace && !r.namespace_label.empty() &&
          !namespace_name.empty()) {
        const std::string* ns = FindLabel(s.labels, r.namespace_label);
        if (ns == nullptr || *ns != namespace_name) continue;
      }
      std::optional<double> v = store.Query(s.ref, r.aggregation, r.window, now);
      if (!v.has_value()) continue;
      value.Add(*v, r.group);
      agg = r.group;
    }
  }
  if (!mapped) {
    out->error = absl::NotFoundError(absl::StrCat(
        "no adapter rule maps a label to ", plural,
        " (resources.overrides: LABEL: {resource: ", singular, "})"));
    return;
  }
  if (!known) {
    out->error = absl::NotFoundError(absl::StrCat(
        "no series for metric ", out->metric, " of ", plural,
        " matches any adapter rule"));
    return;
  }
  if (value.present == 0) {
    // prometheus-adapter's NotFound for one object.
    out->error = absl::NotFoundError(absl::StrCat(
        "the server could not find the metric ", out->metric, " for ", plural,
        " ", object_name));
    return;
  }
  if (value.several) {
    out->error = absl::FailedPreconditionError(absl::StrCat(
        "metric ", out->metric, ": ", described,
        " has several series; aggregate them in the metricsQuery, e.g. "
        "sum(...) by (<<.GroupBy>>)"));
    return;
  }
  out->SetObjectValue(value.Result(agg), MilliRounding::kTruncate);
}

void MetricAdapter::FillExternal(const SeriesStore& store, absl::Time now,
                                 const std::string& namespace_name,
                                 const hpa::LabelSelector& selector,
                                 MetricObservation* out) const {
  absl::StatusOr<std::vector<LabelMatcher>> selected =
      SelectorMatchers(selector);
  if (!selected.ok()) {
    out->error = SelectorError(selected.status());
    return;
  }
  // The adapter's external registry keeps one rule per exposed name: the
  // last one whose series expose it.
  std::string name;
  int chosen = -1;
  for (size_t i = 0; i < external_rules_.size(); ++i) {
    const ExternalRule& r = external_rules_[i];
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (r.series.Matches(s.metric, s.labels) &&
          Expose(compiled_external_[i], s.metric, &name) &&
          name == out->metric) {
        chosen = static_cast<int>(i);
        break;
      }
    }
  }
  if (chosen < 0) {
    out->error = absl::NotFoundError(
        absl::StrCat("no series for external metric ", out->metric,
                     " matches any adapter external rule"));
    return;
  }
  const ExternalRule& r = external_rules_[chosen];
  const CompiledRule& c = compiled_external_[chosen];
  std::vector<double> values;
  std::map<std::vector<std::string>, Combined> groups;
  std::vector<std::string> key;
  for (const SeriesInfo& s : store.Select(r.series.metric)) {
    if (!Expose(c, s.metric, &name) || name != out->metric) continue;
    if (!r.series.Matches(s.metric, s.labels)) continue;
    if (!MatchAll(r.extra_matchers, s.metric, s.labels)) continue;
    if (!MatchAll(*selected, s.metric, s.labels)) continue;
    if (r.namespaced && !namespace_name.empty()) {
      const std::string* ns = FindLabel(s.labels, r.namespace_label);
      if (ns == nullptr || *ns != namespace_name) continue;
    }
    std::optional<double> v = store.Query(s.ref, r.aggregation, r.window, now);
    if (!v.has_value()) continue;  // missing or stale: not returned
    if (r.group == GroupAggregation::kNone) {
      values.push_back(*v);
      continue;
    }
    key.clear();
    for (const std::string& l : r.group_by) {
      const std::string* lv = FindLabel(s.labels, l);
      key.push_back(lv == nullptr ? std::string() : *lv);
    }
    groups[key].Add(*v, r.group);
  }
  for (double v : values) out->AddExternalValue(v, MilliRounding::kTruncate);
  for (const auto& [k, g] : groups) {
    out->AddExternalValue(g.Result(r.group), MilliRounding::kTruncate);
  }
}

void MetricAdapter::FillSpecMetric(const SeriesStore& store, absl::Time now,
                                   const hpa::MetricSpec& metric,
                                   absl::Span<const hpa::Pod> pods,
                                   const std::string& namespace_name,
                                   MetricObservation* out) const {
  if (!ServedByAdapter(metric.type)) return;
  out->metric = metric.name;
  switch (metric.type) {
    case hpa::MetricSourceType::kPods:
      FillPods(store, now, pods, namespace_name, metric.selector, out);
      break;
    case hpa::MetricSourceType::kObject:
      FillObject(store, now, namespace_name, metric.described_object,
                 metric.selector, out);
      break;
    case hpa::MetricSourceType::kExternal:
      FillExternal(store, now, namespace_name, metric.selector, out);
      break;
    default:
      break;
  }
}

void MetricAdapter::FillObservationForSpec(const SeriesStore& store,
                                           absl::Time now,
                                           const hpa::AutoscalerSpec& spec,
                                           Observation* obs) const {
  std::vector<int> spec_obs = MatchLikeEngine(spec, obs->metrics);
  bool appended = false;
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    if (spec_obs[i] < 0 && ServedByAdapter(spec.metrics[i].type)) {
      obs->AddMetric(spec.metrics[i].name);
      appended = true;
    }
  }
  if (appended) spec_obs = MatchLikeEngine(spec, obs->metrics);
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const hpa::MetricSpec& m = spec.metrics[i];
    if (!ServedByAdapter(m.type) || spec_obs[i] < 0) continue;
    MetricObservation& o = obs->metrics[spec_obs[i]];
    o = MetricObservation();
    FillSpecMetric(store, now, m, obs->pods, spec.namespace_name, &o);
  }
}

void MetricAdapter::FillObservation(const SeriesStore& store, absl::Time now,
                                    const std::string& namespace_name,
                                    Observation* obs) const {
  for (MetricObservation& m : obs->metrics) {
    if (m.metric.empty()) continue;
    Fill(store, now, obs->pods, namespace_name, &m);
  }
}

}  // namespace agentscale::metrics
