// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/drivers/self_metrics.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agentscale/sim/summary.h"

namespace agentscale::metrics {
namespace {

constexpr char kReconciliations[] =
    "horizontal_pod_autoscaler_controller_reconciliations_total";
constexpr char kReconciliationDuration[] =
    "horizontal_pod_autoscaler_controller_reconciliation_duration_seconds";
constexpr char kMetricComputations[] =
    "horizontal_pod_autoscaler_controller_metric_computation_total";
constexpr char kMetricComputationDuration[] =
    "horizontal_pod_autoscaler_controller_metric_computation_duration_seconds";
constexpr char kDesired[] =
    "kube_horizontalpodautoscaler_status_desired_replicas";
constexpr char kCurrent[] =
    "kube_horizontalpodautoscaler_status_current_replicas";
constexpr char kMin[] = "kube_horizontalpodautoscaler_spec_min_replicas";
constexpr char kMax[] = "kube_horizontalpodautoscaler_spec_max_replicas";
constexpr char kSpecTarget[] =
    "kube_horizontalpodautoscaler_spec_target_metric";
constexpr char kStatusTarget[] =
    "kube_horizontalpodautoscaler_status_target_metric";
constexpr char kDecisions[] = "agentscale_decisions_total";

double BucketBound(int i) { return 0.001 * std::ldexp(1.0, i); }

std::string EscapeLabel(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
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

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrFormat("%d", static_cast<int64_t>(v));
  }
  // The shortest form that reads back exactly (0.004, not
  // 0.0040000000000000001), as Go's strconv writes it.
  for (int precision = 1; precision < 17; ++precision) {
    std::string s = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(s.c_str(), nullptr) == v) return s;
  }
  return absl::StrFormat("%.17g", v);
}

using LabelPairs = std::vector<std::pair<const char*, std::string>>;

// {a="x",b="y"} from name/value pairs.
std::string LabelSet(const LabelPairs& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ",";
    first = false;
    absl::StrAppend(&out, name, "=\"", EscapeLabel(value), "\"");
  }
  out += "}";
  return out;
}

// A histogram's _bucket (cumulative, Kubernetes' bounds, then +Inf), _sum
// and _count samples. (A template: SelfMetrics::Histogram is private.)
template <typename Histogram>
void RenderHistogram(std::string* out, const char* name,
                     const LabelPairs& labels, const Histogram& h) {
  LabelPairs with_le = labels;
  with_le.emplace_back("le", "");
  int64_t cumulative = 0;
  for (int i = 0; i < SelfMetrics::kBuckets; ++i) {
    cumulative += h.buckets[i];
    with_le.back().second = FormatValue(BucketBound(i));
    absl::StrAppend(out, name, "_bucket", LabelSet(with_le), " ", cumulative,
                    "\n");
  }
  with_le.back().second = "+Inf";
  absl::StrAppend(out, name, "_bucket", LabelSet(with_le), " ", h.count,
                  "\n");
  absl::StrAppend(out, name, "_sum", LabelSet(labels), " ", FormatValue(h.sum),
                  "\n");
  absl::StrAppend(out, name, "_count", LabelSet(labels), " ", h.count, "\n");
}

void Header(std::string* out, const char* name, const char* type,
            const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                  type, "\n");
}

// kube-state-metrics' metric_target_type spelling.
const char* TargetTypeLabel(hpa::MetricTargetType t) {
  switch (t) {
    case hpa::MetricTargetType::kUtilization:
      return "utilization";
    case hpa::MetricTargetType::kValue:
      return "value";
    case hpa::MetricTargetType::kAverageValue:
      return "average";
  }
  return "average";
}

}  // namespace

const char* DecisionAction(const Decision& decision) {
  if (decision.desired_replicas > decision.current_replicas) return "scale_up";
  if (decision.desired_replicas < decision.current_replicas) {
    return "scale_down";
  }
  return "none";
}

std::string DecisionReason(const Decision& decision) {
  switch (decision.path) {
    case DecisionPath::kMetricsFailed:
    case DecisionPath::kSelectorInvalid:
    case DecisionPath::kScalingDisabled: {
      const hpa::Condition* c =
          decision.FindCondition(hpa::ConditionType::kScalingActive);
      if (c != nullptr && c->reason != hpa::Reason::kNone) {
        return c->ReasonName();
      }
      return "ScalingInactive";
    }
    case DecisionPath::kScaleTargetError:
      return hpa::ReasonName(hpa::Reason::kFailedGetScale);
    default:
      break;
  }
  // A limit (policy, min/max) wins; otherwise a stabilization window that
  // held the recommendation back (AbleToScale's reason); otherwise nothing
  // limited the metrics' proposal.
  if (decision.limit_reason != hpa::Reason::kNone &&
      decision.limit_reason != hpa::Reason::kDesiredWithinRange) {
    return hpa::ReasonName(decision.limit_reason);
  }
  const hpa::Condition* able =
      decision.FindCondition(hpa::ConditionType::kAbleToScale);
  if (able != nullptr && (able->reason == hpa::Reason::kScaleUpStabilized ||
                          able->reason == hpa::Reason::kScaleDownStabilized)) {
    return able->ReasonName();
  }
  return hpa::ReasonName(hpa::Reason::kDesiredWithinRange);
}

void SelfMetrics::Histogram::Observe(double seconds) {
  ++count;
  sum += seconds;
  for (int i = 0; i < kBuckets; ++i) {
    if (seconds <= BucketBound(i)) {
      ++buckets[i];
      return;
    }
  }
}

void SelfMetrics::RecordReconcile(const std::string& action,
                                  const std::string& error, absl::Duration d) {
  reconciliations_[{action, error}].Observe(absl::ToDoubleSeconds(d));
}

void SelfMetrics::Record(const Decision& decision,
                         absl::Duration evaluation_duration,
                         absl::Span<const absl::Duration> metric_durations) {
  const std::string action = DecisionAction(decision);
  const std::string error = decision.error.ok() ? "none" : "internal";
  std::lock_guard<std::mutex> lock(mu_);
  RecordReconcile(action, error, evaluation_duration);
  for (const MetricResult& m : decision.metrics) {
    // Kubernetes' computeReplicasForMetric: the proposal against the
    // current count; a failed metric is action "none"; its errSpec (an
    // unknown metric source type) is error "spec", anything else
    // "internal".
    const char* metric_action =
        !m.valid ? "none"
        : m.proposal > decision.current_replicas ? "scale_up"
        : m.proposal < decision.current_replicas ? "scale_down"
                                                 : "none";
    const char* metric_error =
        m.valid ? "none"
        : m.type == hpa::MetricSourceType::kUnknown ? "spec"
                                                    : "internal";
    const bool timed = m.spec_index >= 0 &&
                       static_cast<size_t>(m.spec_index) <
                           metric_durations.size();
    const absl::Duration d =
        timed ? metric_durations[m.spec_index] : evaluation_duration;
    // metric_type is HPA.spec.metrics[*].type as written: for a type this
    // library does not know, the spec keeps that string as the name.
    std::string metric_type = hpa::MetricSourceTypeName(m.type);
    if (m.type == hpa::MetricSourceType::kUnknown && decision.spec != nullptr &&
        static_cast<size_t>(m.spec_index) < decision.spec->metrics.size()) {
      metric_type = decision.spec->metrics[m.spec_index].name;
    }
    metric_computations_[{metric_action, metric_error, metric_type}].Observe(
        absl::ToDoubleSeconds(d));
  }
  if (decision.spec == nullptr) return;
  const hpa::AutoscalerSpec& spec = *decision.spec;
  Autoscaler& a = autoscalers_[{spec.namespace_name, spec.name}];
  a.desired = decision.desired_replicas;
  a.current = decision.current_replicas;
  a.min = spec.min_replicas;
  a.max = spec.max_replicas;
  a.targets.clear();
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const hpa::MetricSpec& ms = spec.metrics[i];
    Target t;
    t.metric_name = ms.name;
    t.target_type = TargetTypeLabel(ms.target.type);
    if (ms.target.average_utilization.has_value()) {
      t.target_type = "utilization";
      t.target = *ms.target.average_utilization;
    } else if (ms.target.average_value_milli.has_value()) {
      t.target = *ms.target.average_value_milli / 1000.0;
    } else if (ms.target.value_milli.has_value()) {
      t.target = *ms.target.value_milli / 1000.0;
    }
    for (const MetricResult& m : decision.metrics) {
      if (m.spec_index != static_cast<int>(i) || !m.valid) continue;
      t.has_value = true;
      t.value = m.utilization.has_value() ? *m.utilization
                                          : m.value_milli / 1000.0;
    }
    a.targets.push_back(std::move(t));
  }
  ++decisions_[{spec.namespace_name, spec.name, action,
                DecisionReason(decision)}];
}

void SelfMetrics::RecordError(const hpa::AutoscalerSpec& spec,
                              absl::Duration evaluation_duration) {
  std::lock_guard<std::mutex> lock(mu_);
  RecordReconcile("none", "internal", evaluation_duration);
  ++decisions_[{spec.namespace_name, spec.name, "none", "EvaluateError"}];
}

std::string SelfMetrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  Header(&out, kReconciliations, "counter",
         "Number of reconciliations of HPA controller. The label 'action' "
         "should be either 'scale_down', 'scale_up', or 'none'. Also, the "
         "label 'error' should be either 'spec', 'internal', or 'none'.");
  for (const auto& [k, h] : reconciliations_) {
    absl::StrAppend(&out, kReconciliations,
                    LabelSet({{"action", k.first}, {"error", k.second}}), " ",
                    h.count, "\n");
  }
  Header(&out, kReconciliationDuration, "histogram",
         "The time(seconds) that the HPA controller takes to reconcile once.");
  for (const auto& [k, h] : reconciliations_) {
    RenderHistogram(&out, kReconciliationDuration,
                    {{"action", k.first}, {"error", k.second}}, h);
  }
  Header(&out, kMetricComputations, "counter",
         "Number of metric computations. The label 'action' should be either "
         "'scale_down', 'scale_up', or 'none'. Also, the label 'error' should "
         "be either 'spec', 'internal', or 'none'. The label 'metric_type' "
         "corresponds to HPA.spec.metrics[*].type");
  for (const auto& [k, h] : metric_computations_) {
    absl::StrAppend(&out, kMetricComputations,
                    LabelSet({{"action", std::get<0>(k)},
                              {"error", std::get<1>(k)},
                              {"metric_type", std::get<2>(k)}}),
                    " ", h.count, "\n");
  }
  Header(&out, kMetricComputationDuration, "histogram",
         "The time(seconds) that the HPA controller takes to calculate one "
         "metric. The label 'action' should be either 'scale_down', "
         "'scale_up', or 'none'. The label 'error' should be either 'spec', "
         "'internal', or 'none'. The label 'metric_type' corresponds to "
         "HPA.spec.metrics[*].type");
  for (const auto& [k, h] : metric_computations_) {
    RenderHistogram(&out, kMetricComputationDuration,
                    {{"action", std::get<0>(k)},
                     {"error", std::get<1>(k)},
                     {"metric_type", std::get<2>(k)}},
                    h);
  }
  struct Gauge {
    const char* name;
    const char* help;
    int32_t Autoscaler::*field;
  };
  const Gauge gauges[] = {
      {kDesired, "Desired number of replicas of pods managed by this autoscaler.",
       &Autoscaler::desired},
      {kCurrent, "Current number of replicas of pods managed by this autoscaler.",
       &Autoscaler::current},
      {kMin, "Lower limit for the number of pods that can be set by the autoscaler.",
       &Autoscaler::min},
      {kMax, "Upper limit for the number of pods that can be set by the autoscaler.",
       &Autoscaler::max},
  };
  for (const Gauge& g : gauges) {
    Header(&out, g.name, "gauge", g.help);
    for (const auto& [k, a] : autoscalers_) {
      absl::StrAppend(
          &out, g.name,
          LabelSet({{"horizontalpodautoscaler", k.second}, {"namespace", k.first}}),
          " ", a.*g.field, "\n");
    }
  }
  // The same four under kube-state-metrics 1.x's names and its `hpa` label,
  // which rules written for it (the seed's among them) select.
  for (const Gauge& g : gauges) {
    const std::string v1 = KubeStateMetricsV1Name(g.name);
    Header(&out, v1.c_str(), "gauge", g.help);
    for (const auto& [k, a] : autoscalers_) {
      absl::StrAppend(&out, v1, LabelSet({{"hpa", k.second}, {"namespace", k.first}}),
                      " ", a.*g.field, "\n");
    }
  }
  Header(&out, kSpecTarget, "gauge",
         "The metric specifications used by this autoscaler when calculating "
         "the desired replica count.");
  for (const auto& [k, a] : autoscalers_) {
    for (const Target& t : a.targets) {
      absl::StrAppend(&out, kSpecTarget,
                      LabelSet({{"horizontalpodautoscaler", k.second},
                                {"metric_name", t.metric_name},
                                {"metric_target_type", t.target_type},
                                {"namespace", k.first}}),
                      " ", FormatValue(t.target), "\n");
    }
  }
  Header(&out, kStatusTarget, "gauge",
         "The current metric status used by this autoscaler when calculating "
         "the desired replica count.");
  for (const auto& [k, a] : autoscalers_) {
    for (const Target& t : a.targets) {
      if (!t.has_value) continue;  // missing, never zero
      absl::StrAppend(&out, kStatusTarget,
                      LabelSet({{"horizontalpodautoscaler", k.second},
                                {"metric_name", t.metric_name},
                                {"metric_target_type", t.target_type},
                                {"namespace", k.first}}),
                      " ", FormatValue(t.value), "\n");
    }
  }
  Header(&out, kDecisions, "counter",
         "Decisions of agentscale's engine by action and by the reason that "
         "settled them (Kubernetes' condition reasons).");
  for (const auto& [k, n] : decisions_) {
    absl::StrAppend(&out, kDecisions,
                    LabelSet({{"action", std::get<2>(k)},
                              {"horizontalpodautoscaler", std::get<1>(k)},
                              {"namespace", std::get<0>(k)},
                              {"reason", std::get<3>(k)}}),
                    " ", n, "\n");
  }
  return out;
}

std::string KubeStateMetricsV1Name(const std::string& name) {
  constexpr char kV2Prefix[] = "kube_horizontalpodautoscaler_";
  if (absl::StartsWith(name, kV2Prefix)) {
    return absl::StrCat("kube_hpa_", name.substr(sizeof(kV2Prefix) - 1));
  }
  return name;
}

std::string AlertRulesYaml(KubeStateMetricsNames names) {
  const bool v1 = names == KubeStateMetricsNames::kV1;
  const std::string desired = v1 ? KubeStateMetricsV1Name(kDesired) : kDesired;
  const std::string current = v1 ? KubeStateMetricsV1Name(kCurrent) : kCurrent;
  const std::string max = v1 ? KubeStateMetricsV1Name(kMax) : kMax;
  const char* label = v1 ? "hpa" : "horizontalpodautoscaler";
  return absl::StrCat(
      "# The seed's alerts on agentscale's own metrics (generated by\n"
      "# agentscale::metrics::AlertRulesYaml(); check with\n"
      "# `promtool check rules` and `agentscale lint`).\n"
      "# AgentScalingTooFrequent counts scale events with changes(): the\n"
      "# seed's increase() reads each fall of the desired-replicas gauge as a\n"
      "# counter reset, so a single scale-down fired it.\n"
      "groups:\n"
      "  - name: agentscale\n"
      "    rules:\n"
      "      - alert: AgentScalingTooFrequent\n"
      "        expr: ",
      // The run summary's corrected rule, over this exporter's series.
      sim::ScalingTooFrequentChangesExpr(desired),
      "\n"
      "        for: 2m\n"
      "        labels:\n"
      "          severity: warning\n"
      "        annotations:\n"
      "          summary: \"{{ $labels.namespace }}/{{ $labels.", label,
      " }} changes its desired replicas too often\"\n"
      "          description: \"Desired replicas changed {{ $value }} times in "
      "5 minutes; consider a longer stabilization window.\"\n"
      "      - alert: AgentMaxReplicasReached\n"
      "        expr: ",
      current, " == on(namespace, ", label, ") ", max,
      "\n"
      "        for: 5m\n"
      "        labels:\n"
      "          severity: critical\n"
      "        annotations:\n"
      "          summary: \"{{ $labels.namespace }}/{{ $labels.", label,
      " }} runs at maxReplicas\"\n"
      "          description: \"The agents have been at maxReplicas for 5 "
      "minutes; load beyond it is not served.\"\n");
}

absl::Status WriteAlertRules(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return absl::InvalidArgumentError(
        absl::StrCat("WriteAlertRules: cannot open ", path, " for writing"));
  }
  out << AlertRulesYaml();
  out.close();
  if (!out) {
    return absl::InternalError(
        absl::StrCat("WriteAlertRules: writing ", path, " failed"));
  }
  return absl::OkStatus();
}

}  // namespace agentscale::metrics
