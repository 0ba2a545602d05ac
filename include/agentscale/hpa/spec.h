// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The autoscaling/v2 HorizontalPodAutoscaler spec as plain C++ values, and the
// controller-wide settings (kube-controller-manager flags and feature gates)
// that the algorithm reads.
//
// All quantities are int64 milli-units (Kubernetes' Quantity.MilliValue()).
// Durations are absl::Duration.
//
//   agentscale::hpa::AutoscalerSpec spec;
//   spec.min_replicas = 2;
//   spec.max_replicas = 10;
//   spec.metrics.push_back(agentscale::hpa::MetricSpec::PodsAverageValue(
//       "app_active_task_count", 70'000));
//   spec.behavior = agentscale::hpa::DefaultBehavior();
//
// A spec built by hand should be checked with ValidateSpec() (validation.h);
// the manifest loader (config/manifest.h) always does.
#ifndef AGENTSCALE_HPA_SPEC_H_
#define AGENTSCALE_HPA_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace agentscale::hpa {

// autoscaling/v2 MetricSourceType. kUnknown stands for a type string this
// library does not know; the controller answers such a metric with
// ScalingActive=False/InvalidMetricSourceType, exactly as Kubernetes does.
enum class MetricSourceType {
  kResource,
  kContainerResource,
  kPods,
  kObject,
  kExternal,
  kUnknown,
};

// autoscaling/v2 MetricTargetType.
enum class MetricTargetType { kUtilization, kValue, kAverageValue };

// Resources that the resource metrics API (metrics.k8s.io) reports.
enum class ResourceName { kCpu, kMemory };

// A Kubernetes label selector (metav1.LabelSelector).
struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
  friend bool operator==(const LabelSelectorRequirement& a,
                         const LabelSelectorRequirement& b) {
    return a.key == b.key && a.op == b.op && a.values == b.values;
  }
};
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  friend bool operator==(const LabelSelector& a, const LabelSelector& b) {
    return a.match_labels == b.match_labels &&
           a.match_expressions == b.match_expressions;
  }
};

// CrossVersionObjectReference: the object an Object metric describes, or the
// scale target.
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string name;
  friend bool operator==(const ObjectReference& a, const ObjectReference& b) {
    return a.api_version == b.api_version && a.kind == b.kind &&
           a.name == b.name;
  }
};

// autoscaling/v2 MetricTarget. Exactly the field that matches `type` is
// read, except that for Resource metrics an AverageValue wins over an
// Utilization when both are set (as in Kubernetes).
struct MetricTarget {
  MetricTargetType type = MetricTargetType::kAverageValue;
  std::optional<int32_t> average_utilization;  // percent of request
  std::optional<int64_t> value_milli;
  std::optional<int64_t> average_value_milli;
  friend bool operator==(const MetricTarget& a, const MetricTarget& b) {
    return a.type == b.type && a.average_utilization == b.average_utilization &&
           a.value_milli == b.value_milli &&
           a.average_value_milli == b.average_value_milli;
  }
};

// external.fallback (HPAExternalMetricFallback, KEP-5679): what an External
// metric proposes once reading it has failed for `failure_duration` without
// a success in between. The proposal is max-combined with the other
// metrics and then stabilized and rate-limited like any other.
struct ExternalMetricFallback {
  // failureDurationSeconds: default and minimum 180 s.
  absl::Duration failure_duration = absl::Seconds(180);
  int32_t replicas = 0;  // required, > 0
  friend bool operator==(const ExternalMetricFallback& a,
                         const ExternalMetricFallback& b) {
    return a.failure_duration == b.failure_duration && a.replicas == b.replicas;
  }
};

// One entry of spec.metrics.
struct MetricSpec {
  MetricSourceType type = MetricSourceType::kPods;
  // Resource and ContainerResource: the resource ("cpu", "memory").
  // Pods, Object and External: the metric name.
  // kUnknown: the type string as written.
  std::string name;
  std::string container;            // ContainerResource only
  LabelSelector selector;           // metric selector (Pods, Object, External)
  ObjectReference described_object;  // Object only
  MetricTarget target;
  // External only; read with the HPAExternalMetricFallback gate.
  std::optional<ExternalMetricFallback> fallback;

  // The resource of a Resource/ContainerResource metric; kCpu otherwise.
  ResourceName resource() const {
    return name == "memory" ? ResourceName::kMemory : ResourceName::kCpu;
  }

  // The name Kubernetes uses in messages and rescale reasons, e.g.
  // "cpu resource utilization (percentage of request)", "pods metric qps",
  // "Deployment metric qps", "external metric qps(...)".
  std::string Describe() const;

  static MetricSpec PodsAverageValue(std::string metric, int64_t average_milli);
  static MetricSpec ResourceUtilization(std::string resource, int32_t percent);
  static MetricSpec ResourceAverageValue(std::string resource,
                                         int64_t average_milli);
  static MetricSpec ObjectValue(ObjectReference object, std::string metric,
                                int64_t value_milli);
  static MetricSpec ExternalValue(std::string metric, int64_t value_milli);
  static MetricSpec ExternalAverageValue(std::string metric,
                                         int64_t average_milli);

  friend bool operator==(const MetricSpec& a, const MetricSpec& b) {
    return a.type == b.type && a.name == b.name && a.container == b.container &&
           a.selector == b.selector && a.described_object == b.described_object &&
           a.target == b.target && a.fallback == b.fallback;
  }
};

enum class PolicyType { kPods, kPercent };
enum class SelectPolicy { kMax, kMin, kDisabled };

// HPAScalingPolicy.
struct ScalingPolicy {
  PolicyType type = PolicyType::kPods;
  int32_t value = 0;
  absl::Duration period = absl::Seconds(15);
  friend bool operator==(const ScalingPolicy& a, const ScalingPolicy& b) {
    return a.type == b.type && a.value == b.value && a.period == b.period;
  }
};

// HPAScalingRules, after API defaulting (see DefaultScaleUpRules()).
struct ScalingRules {
  // Unset on scale-down means the controller's downscale stabilization flag
  // (ControllerConfig::downscale_stabilization_window), not zero.
  std::optional<absl::Duration> stabilization_window;
  SelectPolicy select_policy = SelectPolicy::kMax;
  std::vector<ScalingPolicy> policies;
  // Per-direction tolerance (needs the HPAConfigurableTolerance gate);
  // unset means the controller's tolerance.
  std::optional<double> tolerance;

  friend bool operator==(const ScalingRules& a, const ScalingRules& b) {
    return a.stabilization_window == b.stabilization_window &&
           a.select_policy == b.select_policy && a.policies == b.policies &&
           a.tolerance == b.tolerance;
  }
};

// HorizontalPodAutoscalerBehavior.
struct Behavior {
  ScalingRules scale_up;
  ScalingRules scale_down;
  friend bool operator==(const Behavior& a, const Behavior& b) {
    return a.scale_up == b.scale_up && a.scale_down == b.scale_down;
  }
};

// API defaults for a behavior that is present (spec §8): scale-up window 0,
// Max of {4 Pods, 100 Percent} per 15 s; scale-down window unset, Max of
// {100 Percent} per 15 s.
ScalingRules DefaultScaleUpRules();
ScalingRules DefaultScaleDownRules();
Behavior DefaultBehavior();

// spec.selectionStrategy (HPASelectionStrategy, KEP-5325): which of the
// pods the target's label selector matches count for pod metrics.
enum class SelectionStrategy {
  kLabelSelector,   // every pod the selector matches (the default)
  kOwnerReference,  // only those whose owner chain reaches scaleTargetRef
};

// HorizontalPodAutoscalerSpec (plus identity fields used in messages).
struct AutoscalerSpec {
  std::string name = "agents";
  std::string namespace_name = "default";
  ObjectReference scale_target_ref;
  int32_t min_replicas = 1;
  int32_t max_replicas = 1;
  std::vector<MetricSpec> metrics;
  // Absent behavior selects the legacy normalization (spec §6), which is
  // not equivalent to the default behavior.
  std::optional<Behavior> behavior;
  // Unset means LabelSelector; read with the HPASelectionStrategy gate.
  std::optional<SelectionStrategy> selection_strategy;
  // spec.syncPeriodSeconds (HPAConfigurableSyncPeriod, KEP-6003): how long
  // after one sync of this autoscaler the next one is due, in [3, 3600] s;
  // unset means the controller's sync period. Drivers that sync read it
  // through Policy::sync_period().
  std::optional<absl::Duration> sync_period;

  friend bool operator==(const AutoscalerSpec& a, const AutoscalerSpec& b) {
    return a.name == b.name && a.namespace_name == b.namespace_name &&
           a.scale_target_ref == b.scale_target_ref &&
           a.min_replicas == b.min_replicas && a.max_replicas == b.max_replicas &&
           a.metrics == b.metrics && a.behavior == b.behavior &&
           a.selection_strategy == b.selection_strategy &&
           a.sync_period == b.sync_period;
  }
};

// Controller-wide settings: kube-controller-manager's flags and the feature
// gates that change the algorithm. Defaults are Kubernetes' production
// defaults (spec §1).
struct ControllerConfig {
  double tolerance = 0.1;
  absl::Duration cpu_initialization_period = absl::Minutes(5);
  absl::Duration initial_readiness_delay = absl::Seconds(30);
  absl::Duration downscale_stabilization_window = absl::Minutes(5);
  // Legacy path only (spec §6).
  double scale_up_limit_factor = 2.0;
  double scale_up_limit_minimum = 4.0;
  // Feature gates, named after Kubernetes' and defaulted as in the newest
  // release that has them (docs/hpa-compatibility.md, "Feature gates").
  bool scale_to_zero = true;             // HPAScaleToZero (Beta, 1.37)
  bool configurable_tolerance = true;    // HPAConfigurableTolerance (Beta, 1.35)
  bool pod_level_resources = true;       // PodLevelResources (Beta, 1.34)
  bool external_metric_fallback = false;  // HPAExternalMetricFallback (Alpha)
  bool selection_strategy = false;       // HPASelectionStrategy (Alpha)
  bool configurable_sync_period = false;  // HPAConfigurableSyncPeriod (Alpha)
  // A per-pod sample (Pods, Resource, ContainerResource) whose timestamp is
  // more than this before the sync is missing, not a value: the metrics
  // APIs would not serve it (Prometheus, behind prometheus-adapter, stops
  // returning a series 5 minutes after its last sample; metrics-server
  // keeps only its latest scrape). The pod then counts as a pod without
  // metrics (spec §4.2). A sample without a timestamp (Go's zero time)
  // carries no age and is always used. InfiniteDuration() turns it off.
  absl::Duration max_sample_age = absl::Minutes(5);
};

// Sets gates from kube-controller-manager's --feature-gates syntax,
// "HPAScaleToZero=false,HPAExternalMetricFallback=true": the gates above
// by their Kubernetes names, values true or false (any case), spaces around
// items allowed. An unknown gate or value is an InvalidArgument naming it
// and the known gates; `config` is then unchanged.
absl::Status ApplyFeatureGates(std::string_view text, ControllerConfig* config);

const char* MetricSourceTypeName(MetricSourceType type);  // "Pods", ...
const char* MetricTargetTypeName(MetricTargetType type);  // "AverageValue"
const char* PolicyTypeName(PolicyType type);              // "Pods", "Percent"
const char* SelectPolicyName(SelectPolicy policy);        // "Max", ...
const char* SelectionStrategyName(SelectionStrategy s);   // "LabelSelector"

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_SPEC_H_
